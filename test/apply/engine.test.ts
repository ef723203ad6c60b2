import { expect } from 'chai';
import { runApplyEngine, bodyWithKey, rowsToWrite, type ApplyEngineDeps, type ApplyEngineOptions } from '../../src/apply/engine.js';
import type { PlanRow } from '../../src/core/types.js';
import type { LedgerEntry, ResultRow } from '../../src/core/records.js';
import { ledgerKnowledgeFrom } from '../../src/store/ledger.js';
import { rowKey } from '../../src/store/journal.js';
import { silentLogger } from '../../src/util/logger.js';
import { RecordError, ZivverOutageError } from '../../src/errors.js';
import { ZivverHttpError } from '../../src/zivver/errors.js';
import { ZIVVER_USER_EXTENSION } from '../../src/zivver/types.js';
import { setRow } from '../store/fixtures.js';
import { FakeScimClient, scimUser } from './fakeClient.js';

const noProgress = { start() {}, update() {}, end() {} };

function setup(n: number, over: Partial<ApplyEngineOptions> = {}) {
  const client = new FakeScimClient(Array.from({ length: n }, (_, i) => scimUser(i + 1)));
  const journal: ResultRow[] = [];
  const ledger: Omit<LedgerEntry, 'kind' | 'v'>[] = [];
  const events: string[] = [];
  const controller = new AbortController();
  const deps: ApplyEngineDeps = {
    client,
    journal: {
      async append(row) {
        journal.push(row);
        events.push(`journal:${row.zivverId}`);
      },
    },
    done: new Map(),
    ledger: {
      async append(e) {
        ledger.push(e);
        events.push(`ledger:${e.zivverId}`);
      },
    },
    ledgerKnowledge: { lastKeyById: new Map() },
    signal: controller.signal,
    progress: noProgress,
    logger: silentLogger,
    onResult: (r) => events.push(`result:${r.zivverId}`),
  };
  const opts: ApplyEngineOptions = { concurrency: 4, whatIf: false, readMode: 'fresh', maxReadAgeMs: 30_000, runId: 'run-1', source: 'objectId:test', ...over };
  return { client, journal, ledger, events, controller, deps, opts };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => setRow(i + 1));

describe('apply/engine', () => {
  it('PUTs the whole account exactly as read, changing only SsoAccountKey, and records it', async () => {
    const t = setup(6);
    const before = [...t.client.users.values()].map((u) => structuredClone(u));
    const out = await runApplyEngine(rows(6), t.deps, t.opts);
    expect(out.counts.updated).to.equal(6);
    expect(t.client.puts).to.have.length(6);
    for (const { id, body } of t.client.puts) {
      const read = t.client.visible(before.find((u) => u.id === id)!);
      expect(bodyWithKey(read, 'x')).to.not.equal(read);
      const { [ZIVVER_USER_EXTENSION]: ext, ...rest } = body;
      const { [ZIVVER_USER_EXTENSION]: readExt, ...readRest } = read;
      expect(rest).to.deep.equal(readRest);
      const { SsoAccountKey, ...extRest } = ext as Record<string, unknown>;
      expect(extRest).to.deep.equal(readExt);
      expect(SsoAccountKey).to.equal(setRow(Number(id.slice(-12))).newKey);
    }
    // Nothing but the keys changed on the server.
    for (const u of before) expect(t.client.visible(t.client.users.get(u.id)!)).to.deep.equal(t.client.visible(u));
    expect(t.ledger.map((e) => e.previousKey)).to.deep.equal(new Array(6).fill(null));
    expect(t.journal.every((r) => r.status === 'updated' && r.httpStatus === 200 && r.error === null)).to.equal(true);
    expect(t.client.stats.requests).to.equal(12);
  });

  it('records the ledger entry, then the journal line, then reports the row', async () => {
    const t = setup(1);
    await runApplyEngine(rows(1), t.deps, t.opts);
    const id = setRow(1).zivverId;
    expect(t.events).to.deep.equal([`ledger:${id}`, `journal:${id}`, `result:${id}`]);
  });

  it('creates the zivver extension when the account had none (and lists its schema)', () => {
    const u = scimUser(1);
    delete u[ZIVVER_USER_EXTENSION];
    u.schemas = ['urn:ietf:params:scim:schemas:core:2.0:User'];
    const body = bodyWithKey(u, 'k');
    expect(body[ZIVVER_USER_EXTENSION]).to.deep.equal({ SsoAccountKey: 'k' });
    expect(body.schemas).to.include(ZIVVER_USER_EXTENSION);
    expect(u[ZIVVER_USER_EXTENSION]).to.equal(undefined);
  });

  it('marks deleted and renamed accounts drifted and writes nothing to them; userName compares case-insensitively', async () => {
    const t = setup(3);
    t.client.users.delete(setRow(1).zivverId);
    t.client.users.get(setRow(2).zivverId)!.userName = 'someone.else@example.nl';
    t.client.users.get(setRow(3).zivverId)!.userName = 'USER3@Example.NL';
    const out = await runApplyEngine(rows(3), t.deps, t.opts);
    expect(out.counts).to.include({ drifted: 2, updated: 1 });
    expect(t.client.puts.map((p) => p.id)).to.deep.equal([setRow(3).zivverId]);
    const byId = new Map(t.journal.map((r) => [r.zivverId, r]));
    expect(byId.get(setRow(1).zivverId)!.error).to.match(/no longer exists/);
    expect(byId.get(setRow(2).zivverId)!.error).to.match(/now someone\.else@example\.nl/);
  });

  it('skips rows already updated in the journal and rows that are not set, without requests', async () => {
    const t = setup(3);
    const done = new Map([[rowKey(setRow(1)), { ...setRow(1), status: 'updated', at: 'earlier' } as unknown as ResultRow]]);
    t.deps.done = done;
    const plan: PlanRow[] = [...rows(3), { ...setRow(9), action: 'not-found', reason: 'no account' }];
    expect(rowsToWrite(plan, done)).to.have.length(2);
    const out = await runApplyEngine(plan, t.deps, t.opts);
    expect(out.counts).to.include({ updated: 2, skipped: 2 });
    expect(t.client.puts).to.have.length(2);
    expect(t.journal).to.have.length(2); // skipped rows are reported, not journaled
    expect(out.results.find((r) => r.zivverId === setRow(1).zivverId)!.error).to.match(/already updated/);
  });

  it('reports a refused write as failed with Zivver\'s status and words, and an ambiguous one as possibly applied', async () => {
    const t = setup(3);
    t.client.putFaults.set(setRow(1).zivverId, 'reject');
    t.client.putFaults.set(setRow(2).zivverId, 'reset-after-apply');
    t.client.putFaults.set(setRow(3).zivverId, 'reset-before');
    const out = await runApplyEngine(rows(3), t.deps, t.opts);
    expect(out.counts).to.include({ failed: 3, updated: 0 });
    expect(t.ledger).to.have.length(0);
    const byId = new Map(t.journal.map((r) => [r.zivverId, r]));
    expect(byId.get(setRow(1).zivverId)).to.include({ httpStatus: 400 });
    expect(byId.get(setRow(1).zivverId)!.error).to.match(/Account is outside the organization/);
    expect(byId.get(setRow(2).zivverId)!.error).to.match(/may have been applied — rerun apply to retry/);
    expect(byId.get(setRow(2).zivverId)!.mayHaveBeenApplied).to.equal(true);
    expect(byId.get(setRow(3).zivverId)!.error).to.match(/connection refused/);
    expect(byId.get(setRow(3).zivverId)!.mayHaveBeenApplied).to.equal(undefined);
  });

  it('gives the ledger the previous key it knew', async () => {
    const t = setup(2);
    t.deps.ledgerKnowledge = { lastKeyById: new Map([[setRow(1).zivverId.toLowerCase(), 'old-key']]) };
    await runApplyEngine(rows(2), t.deps, t.opts);
    const byId = new Map(t.ledger.map((e) => [e.zivverId, e]));
    expect(byId.get(setRow(1).zivverId)!.previousKey).to.equal('old-key');
    expect(byId.get(setRow(2).zivverId)!).to.include({ previousKey: null, runId: 'run-1', source: 'objectId:test' });
  });

  it('writing a key the ledger already has carries the earlier previous key forward (never previous = key)', async () => {
    const t = setup(2);
    const led = (i: number, key: string, previousKey: string | null, src?: 'plan' | 'ledger'): LedgerEntry => ({
      kind: 'zivver-keyledger', v: 1, at: 'x', zivverId: setRow(i).zivverId, userName: setRow(i).userName, key, previousKey, source: 's', runId: 'run-0',
      ...(src ? { previousKeySource: src } : {}),
    });
    t.deps.ledgerKnowledge = ledgerKnowledgeFrom([
      { ...led(1, setRow(1).newKey, 'guid-1', 'plan'), previousKeyPlanSource: 'objectGuid' },
      led(2, setRow(2).newKey, null),
    ]);
    await runApplyEngine(rows(2), t.deps, t.opts);
    const byId = new Map(t.ledger.map((e) => [e.zivverId, e]));
    expect(byId.get(setRow(1).zivverId)!).to.include({ key: setRow(1).newKey, previousKey: 'guid-1', previousKeySource: 'plan', previousKeyPlanSource: 'objectGuid' });
    expect(byId.get(setRow(2).zivverId)!).to.include({ key: setRow(2).newKey, previousKey: null });
  });

  it('a journal that cannot be written stops every worker; rows in flight finish', async () => {
    const t = setup(8);
    let appends = 0;
    t.deps.journal = {
      async append() {
        if (++appends >= 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const out = await runApplyEngine(rows(8), t.deps, { ...t.opts, concurrency: 2 });
    expect(out.fatal).to.be.instanceOf(RecordError);
    expect(out.fatal!.message).to.match(/results journal could not be written \(ENOSPC.*run the same command again: it resumes/);
    expect(t.client.puts.length).to.be.at.most(3);
    expect(out.notStarted).to.be.at.least(5);
  });

  it('a ledger that cannot be written stops the run; the row is journaled failed (may have been applied)', async () => {
    const t = setup(4);
    t.deps.ledger = {
      async append() {
        throw new Error('EACCES: permission denied');
      },
    };
    const out = await runApplyEngine(rows(4), t.deps, { ...t.opts, concurrency: 1 });
    expect(out.fatal).to.be.instanceOf(RecordError);
    expect(out.fatal!.message).to.match(/ledger .*could not be written \(EACCES/);
    expect(t.client.puts).to.have.length(1);
    expect(t.journal).to.have.length(1);
    expect(t.journal[0]).to.include({ status: 'failed', mayHaveBeenApplied: true, httpStatus: 200 });
    expect(out.notStarted).to.equal(3);
  });

  it('stops after consecutive 5xx/429 failures (after retries): an outage', async () => {
    const t = setup(10);
    t.client.replaceUser = async (id: string) => {
      t.client.stats.requests++;
      throw new ZivverHttpError(`Zivver answered 503 Service Unavailable to PUT /Users/${id} after 7 attempts: down`, 503, 'down', 'PUT', `/Users/${id}`, 7, true);
    };
    const out = await runApplyEngine(rows(10), t.deps, { ...t.opts, concurrency: 1 });
    expect(out.fatal).to.be.instanceOf(ZivverOutageError);
    expect(out.fatal!.message).to.match(/failed 3 requests in a row.*503/);
    expect(out.counts.failed).to.equal(3);
    expect(out.notStarted).to.equal(7);
  });

  it('records the Zivver URL in each ledger entry, without a trailing slash', async () => {
    const t = setup(1);
    await runApplyEngine(rows(1), t.deps, { ...t.opts, zivverUrl: 'https://app.zivver.com/api/scim/v2/' });
    expect(t.ledger[0]).to.include({ zivverUrl: 'https://app.zivver.com/api/scim/v2' });
  });

  it('what-if reads and decides but writes nothing', async () => {
    const t = setup(3, { whatIf: true });
    t.deps.journal = null;
    t.deps.ledger = null;
    t.client.users.delete(setRow(2).zivverId);
    const out = await runApplyEngine(rows(3), t.deps, t.opts);
    expect(out.counts).to.include({ 'would-update': 2, drifted: 1, updated: 0 });
    expect(t.client.puts).to.have.length(0);
  });

  it('on interruption starts no new row, finishes the writes in flight, and leaves the rest', async () => {
    const t = setup(20, { concurrency: 2 });
    t.client.putDelayMs = 20;
    let puts = 0;
    t.client.beforePut = () => {
      if (++puts === 3) t.controller.abort();
    };
    const out = await runApplyEngine(rows(20), t.deps, t.opts);
    expect(out.interrupted).to.equal(true);
    // Every PUT that was sent was acknowledged and journaled.
    expect(t.journal.filter((r) => r.status === 'updated')).to.have.length(t.client.puts.length);
    expect(out.notStarted).to.equal(20 - t.journal.length);
    expect(out.notStarted).to.be.greaterThan(10);
  });

  it('stops taking rows when Zivver refuses the API key', async () => {
    const t = setup(10, { concurrency: 1 });
    t.client.putFaults.set(setRow(2).zivverId, 'unauthorized');
    const out = await runApplyEngine(rows(10), t.deps, t.opts);
    expect(out.fatal).to.be.instanceOf(Error);
    expect(out.counts).to.include({ updated: 1, failed: 1 });
    expect(out.notStarted).to.equal(8);
  });

  it('listing mode reads every account from one listing: about one request per row', async () => {
    const t = setup(50, { readMode: 'listing' });
    const out = await runApplyEngine(rows(50), t.deps, t.opts);
    expect(out.counts.updated).to.equal(50);
    expect(t.client.lists).to.equal(1);
    expect(t.client.stats.requests).to.equal(51);
    // and still refuses drift found in the listing
    const t2 = setup(3, { readMode: 'listing' });
    t2.client.users.get(setRow(2).zivverId)!.userName = 'renamed@example.nl';
    t2.client.users.delete(setRow(3).zivverId);
    const out2 = await runApplyEngine(rows(3), t2.deps, t2.opts);
    expect(out2.counts).to.include({ updated: 1, drifted: 2 });
  });

  it('listing mode lists again when the listing gets older than the bound', async () => {
    let clock = 0;
    const t = setup(12, { readMode: 'listing', maxReadAgeMs: 10_000, concurrency: 1, now: () => clock });
    t.client.beforePut = () => {
      clock += 2_000;
    };
    const out = await runApplyEngine(rows(12), t.deps, t.opts);
    expect(out.counts.updated).to.equal(12);
    expect(t.client.lists).to.be.greaterThan(2);
    expect(out.maxReadAgeUsedMs).to.be.at.most(10_000);
    expect(out.listings).to.equal(t.client.lists);
  });

  it('stops at once when Zivver cannot be reached before anything worked (nothing written)', async () => {
    const t = setup(10, { concurrency: 2 });
    t.client.unreachable = true;
    const out = await runApplyEngine(rows(10), t.deps, t.opts);
    expect(out.fatal?.message).to.match(/Cannot reach Zivver/);
    expect(out.counts.failed).to.be.at.most(2);
    expect(out.notStarted).to.be.at.least(8);
    expect(t.client.puts).to.have.length(0);
  });
});

describe('apply/engine bodyWithKey and schema URN case', () => {
  it('sets the key in the extension object whatever the case of its URN, without adding a second one', () => {
    const urn = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
    const read = {
      id: 'i',
      userName: 'a@org.nl',
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', urn.toLowerCase()],
      [urn.toLowerCase()]: { aliases: ['b@org.nl'], delegates: ['c@org.nl'] },
    };
    const body = bodyWithKey(read, 'new-key') as Record<string, unknown>;
    expect(Object.keys(body).filter((k) => k.toLowerCase() === urn.toLowerCase())).to.deep.equal([urn.toLowerCase()]);
    expect(body[urn.toLowerCase()]).to.deep.equal({ aliases: ['b@org.nl'], delegates: ['c@org.nl'], SsoAccountKey: 'new-key' });
    expect(body.schemas).to.deep.equal(read.schemas);
  });

  it('refuses to write an account whose extension is not an object', () => {
    const urn = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
    expect(() => bodyWithKey({ id: 'i', userName: 'a@org.nl', [urn]: 'odd' }, 'k')).to.throw(/not an object/);
  });
});
