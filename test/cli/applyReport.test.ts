import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { applyAndReport, type ApplyReportSettings } from '../../src/cli/applyReport.js';
import type { CommandContext } from '../../src/cli/context.js';
import { resolveZivverConnection } from '../../src/cli/options.js';
import type { PlanDocument } from '../../src/core/types.js';
import { InterruptedError, StalePlanError, UsageError } from '../../src/errors.js';
import { readJournal } from '../../src/store/journal.js';
import { readLedgerEntries } from '../../src/store/ledger.js';
import { silentLogger } from '../../src/util/logger.js';
import { planDoc, setRow } from '../store/fixtures.js';
import { FakeScimClient, scimUser } from '../apply/fakeClient.js';

const setRowId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const URL = 'http://127.0.0.1:1/scim/v2';
const zivver = (url: string) => resolveZivverConnection({ zivverUrl: url, rateLimit: '50/10' }, {});

async function harness(n: number) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-run-'));
  const client = new FakeScimClient(Array.from({ length: n }, (_, i) => scimUser(i + 1)));
  const plan: PlanDocument = planDoc(Array.from({ length: n }, (_, i) => setRow(i + 1)));
  const planFile = path.join(dir, 'plan.json');
  await fs.writeFile(planFile, JSON.stringify(plan));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const controller = new AbortController();
  const ctx: CommandContext = {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: {},
    cwd: dir,
    logger: silentLogger,
    progress: { start() {}, update() {}, end() {} },
    signal: controller.signal,
  };
  const args: ApplyReportSettings = {
    plan,
    planName: 'plan.json',
    planFile,
    zivver: zivver(URL),
    whatIf: false,
    concurrency: 4,
    read: 'fresh',
    maxReadAge: 30,
    ledgerFile: path.join(dir, 'ledger.jsonl'),
    allowOtherUrl: false,
    output: 'table',
    csvDelimiter: ',',
    csvBom: false,
  };
  return { dir, client, plan, planFile, ctx, args, controller, stdout: () => out };
}

async function rejects(p: Promise<unknown>, type: Function, re: RegExp) {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    expect(String((err as Error).message)).to.match(re);
    return;
  }
  expect.fail('expected a rejection');
}


/** A console (stdin and stderr are terminals) that answers `input`; err() is what it was shown. */
function tty(input: string) {
  const stdin = Object.assign(Readable.from([input]), { isTTY: true });
  const stderr = Object.assign(new PassThrough(), { isTTY: true });
  let err = '';
  stderr.on('data', (d) => (err += d));
  return { stdin, stderr, err: () => err };
}

describe('apply and sync: run and report (src/cli/applyReport)', () => {
  it('applies, journals beside the plan, records the ledger, prints the table and the summary last', async () => {
    const h = await harness(3);
    const code = await applyAndReport(h.args, h.ctx, h.client);
    expect(code).to.equal(0);
    const j = await readJournal(h.planFile + '.results.jsonl');
    expect(j!.headers).to.have.length(1);
    expect(j!.rows.map((r) => r.status)).to.deep.equal(['updated', 'updated', 'updated']);
    expect((await readLedgerEntries(path.join(h.dir, 'ledger.jsonl'))).entries).to.have.length(3);
    const lines = h.stdout().trimEnd().split('\n');
    expect(lines.at(-1)).to.equal('Apply complete: 3 updated, 0 drifted, 0 failed, 0 skipped.');
    expect(h.stdout()).to.match(/STATUS\s+USERNAME/);
    await fs.access(h.planFile + '.results.jsonl.lock').then(
      () => expect.fail('lock left behind'),
      () => {},
    );
  });

  it('--output jsonl waits for a full stdout: rows are held back, not queued, until the reader takes them', async () => {
    const h = await harness(2);
    // A sync plan: two rows to set, a thousand left out by the filters (reported at once, without Zivver).
    const skipped = Array.from({ length: 1000 }, (_, i) => setRow(100 + i, { action: 'skipped', reason: 'not in --include-emails' }));
    const plan = planDoc([...skipped, ...h.plan.rows]);
    await fs.writeFile(h.planFile, JSON.stringify(plan));
    // A reader that takes nothing until released; the stream is full after one row.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const taken: string[] = [];
    const stdout = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, callback) {
        taken.push(String(chunk));
        void released.then(() => callback());
      },
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const run = applyAndReport({ ...h.args, plan, output: 'jsonl' }, { ...h.ctx, stdout }, h.client);
    // Until the first row is out (files are checked and opened first), then a while longer.
    for (let i = 0; i < 2000 && taken.length === 0; i++) await pause(5);
    for (let i = 0; i < 20; i++) await pause(5);
    // One row is with the reader, and no other row was made while it waits: none piled up behind it.
    expect(taken).to.have.length(1);
    expect(stdout.writableLength).to.be.at.most(taken[0]!.length);
    expect(h.client.stats.requests).to.equal(0);
    release();
    expect(await run).to.equal(0);
    const statuses = taken.map((t) => (JSON.parse(t) as { status: string }).status);
    expect(statuses).to.deep.equal([...Array(1000).fill('skipped'), 'updated', 'updated']);
  });

  it('resumes: a second run skips updated rows and sends no request for them', async () => {
    const h = await harness(4);
    h.client.putFaults.set(setRow(2).zivverId, 'reject');
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(1);
    h.client.putFaults.clear();
    const before = h.client.stats.requests;
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(0);
    expect(h.client.stats.requests - before).to.equal(2);
    expect(h.stdout().trimEnd().split('\n').at(-1)).to.equal('Apply complete: 1 updated, 0 drifted, 0 failed, 0 skipped, 3 already done.');
    const j = await readJournal(h.planFile + '.results.jsonl');
    expect(j!.headers).to.have.length(2);
  });

  it('--max-changes refuses the whole run before anything is written, counting only rows not yet done', async () => {
    const h = await harness(5);
    await rejects(applyAndReport({ ...h.args, maxChanges: 4 }, h.ctx, h.client), UsageError, /would write 5 key\(s\), more than --max-changes 4/);
    expect(h.client.stats.requests).to.equal(0);
    await fs.access(h.planFile + '.results.jsonl').then(() => expect.fail('journal written'), () => {});
    await fs.access(path.join(h.dir, 'ledger.jsonl')).then(() => expect.fail('ledger written'), () => {});
    h.client.putFaults.set(setRow(1).zivverId, 'reject');
    await applyAndReport({ ...h.args, maxChanges: 5 }, h.ctx, h.client);
    h.client.putFaults.clear();
    expect(await applyAndReport({ ...h.args, maxChanges: 1 }, h.ctx, h.client)).to.equal(0);
  });

  it('--what-if writes nothing anywhere and says so', async () => {
    const h = await harness(3);
    h.args.out = ['results.csv'];
    const code = await applyAndReport({ ...h.args, whatIf: true }, h.ctx, h.client);
    expect(code).to.equal(0);
    expect(h.client.puts).to.have.length(0);
    await fs.access(h.planFile + '.results.jsonl').then(() => expect.fail('journal written'), () => {});
    expect(h.stdout().trimEnd().split('\n').at(-1)).to.equal('Apply complete (what-if, nothing written): 3 would update, 0 drifted, 0 failed, 0 skipped.');
    const csv = await fs.readFile(path.join(h.dir, 'results.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).to.equal('email,zivverId,userName,newKey,status,httpStatus,error,at,line,runId');
    expect(csv).to.contain('would-update');
  });

  it('refuses a plan made against another Zivver URL unless --allow-other-url', async () => {
    const h = await harness(1);
    await rejects(applyAndReport({ ...h.args, zivver: zivver('https://app.zivver.com/api/scim/v2') }, h.ctx, h.client), StalePlanError, /made against http:\/\/127\.0\.0\.1:1\/scim\/v2/);
    expect(await applyAndReport({ ...h.args, zivver: zivver('https://app.zivver.com/api/scim/v2'), allowOtherUrl: true }, h.ctx, h.client)).to.equal(0);
  });

  it('refuses a journal named with --results that belongs to another plan (other writes, or the same writes planned again)', async () => {
    const h = await harness(2);
    const results = path.join(h.dir, 'mine.jsonl');
    await applyAndReport({ ...h.args, results }, h.ctx, h.client);
    const other = planDoc([setRow(7)]);
    await rejects(applyAndReport({ ...h.args, results, plan: other }, h.ctx, h.client), UsageError, /belongs to another plan \(planned writes differ/);
    const remade = { ...h.plan, createdAt: '2030-01-01T00:00:00.000Z' };
    await rejects(applyAndReport({ ...h.args, results, plan: remade }, h.ctx, h.client), UsageError, /belongs to another plan \(the same writes, but planned at/);
  });

  it('a plan made again under the same name starts a new journal: the old one is moved aside', async () => {
    const h = await harness(3);
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(0);
    // e.g. after a rollback the admin plans again to the same file: the same writes, a new plan.
    const remade = { ...h.plan, createdAt: '2030-01-01T00:00:00.000Z' };
    await fs.writeFile(h.planFile, JSON.stringify(remade));
    const puts = h.client.puts.length;
    expect(await applyAndReport({ ...h.args, plan: remade }, h.ctx, h.client)).to.equal(0);
    expect(h.client.puts.length - puts).to.equal(3);
    expect(h.stdout().trimEnd().split('\n').at(-1)).to.equal('Apply complete: 3 updated, 0 drifted, 0 failed, 0 skipped.');
    const files = await fs.readdir(h.dir);
    const aside = files.filter((f) => /^plan\.json\.results\.\d{4}-.*\.jsonl$/.test(f));
    expect(aside).to.have.length(1);
    expect((await readJournal(path.join(h.dir, aside[0]!)))!.rows).to.have.length(3);
    const j = await readJournal(h.planFile + '.results.jsonl');
    expect(j!.headers).to.have.length(1);
    expect(j!.headers[0]!.planCreatedAt).to.equal('2030-01-01T00:00:00.000Z');
    // Resuming that same plan still works.
    expect(await applyAndReport({ ...h.args, plan: remade }, h.ctx, h.client)).to.equal(0);
    expect(h.client.puts.length - puts).to.equal(3);
  });

  it('--out refuses the journal, its lock, the ledger and the plan (exit 2, nothing written)', async () => {
    const h = await harness(1);
    for (const out of ['plan.json.results.jsonl', 'plan.json.results.jsonl.lock', 'ledger.jsonl', 'plan.json']) {
      await rejects(applyAndReport({ ...h.args, out: [out] }, h.ctx, h.client), UsageError, /--out .* (is the (results journal|ledger|plan)|unknown file type)/);
    }
    expect(h.client.stats.requests).to.equal(0);
    await fs.access(h.planFile + '.results.jsonl').then(() => expect.fail('journal written'), () => {});
  });

  it('at a terminal asks before writing: only "yes" proceeds; --yes and --max-changes never ask', async () => {
    const h = await harness(2);
    const no = tty('y\n');
    await rejects(applyAndReport(h.args, { ...h.ctx, stdin: no.stdin, stderr: no.stderr }, h.client), UsageError, /cancelled; nothing was written/);
    expect(no.err()).to.match(/Write 2 key\(s\) to http:\/\/127\.0\.0\.1:1\/scim\/v2\?/);
    expect(h.client.stats.requests).to.equal(0);
    await fs.access(h.planFile + '.results.jsonl').then(() => expect.fail('journal written'), () => {});
    const yes = tty('yes\n');
    expect(await applyAndReport(h.args, { ...h.ctx, stdin: yes.stdin, stderr: yes.stderr }, h.client)).to.equal(0);
    expect(h.client.puts).to.have.length(2);
    const h2 = await harness(2);
    const quiet = tty('');
    expect(await applyAndReport({ ...h2.args, yes: true }, { ...h2.ctx, stdin: quiet.stdin, stderr: quiet.stderr }, h2.client)).to.equal(0);
    const h3 = await harness(2);
    expect(await applyAndReport({ ...h3.args, maxChanges: 5 }, { ...h3.ctx, stdin: quiet.stdin, stderr: quiet.stderr }, h3.client)).to.equal(0);
    expect(quiet.err()).to.equal('');
  });

  it('a canary writes only its rows; at a terminal the next run asks about the SSO logins: only "yes" writes the rest, --yes never does', async () => {
    const h = await harness(4);
    expect(await applyAndReport({ ...h.args, yes: true, canary: ['user2@example.nl'] }, h.ctx, h.client)).to.equal(0);
    expect(h.client.puts.map((p) => p.id)).to.deep.equal([setRowId(2)]);
    expect(h.stdout()).to.contain('Canary written: 1 of 1 account(s); 3 other key(s) wait until you confirm.');
    expect(h.stdout()).to.contain(`zivver-keytool apply --plan ${h.planFile} --canary-ok   (writes the other 3)`);

    // --yes does not confirm a canary; not at a terminal nothing asks: refused, nothing written.
    await rejects(applyAndReport({ ...h.args, yes: true }, h.ctx, h.client), UsageError, /canary \(user2@example\.nl, written .*\) is not confirmed\.\n {2}Nothing was written/);
    const no = tty('no\n');
    await rejects(applyAndReport(h.args, { ...h.ctx, stdin: no.stdin, stderr: no.stderr }, h.client), UsageError, /cancelled; nothing was written\. If a canary login failed, undo the canary: zivver-keytool rollback/);
    expect(no.err()).to.match(/Did the SSO login to Zivver work for each of them\? Only 'yes' writes the rest of the plan\./);
    expect(h.client.puts).to.have.length(1);

    const yes = tty('yes\n');
    expect(await applyAndReport(h.args, { ...h.ctx, stdin: yes.stdin, stderr: yes.stderr }, h.client)).to.equal(0);
    // Confirmed once: not asked again by the general "Write N keys?" question either.
    expect(yes.err()).to.not.match(/Write \d+ key/);
    expect(h.client.puts).to.have.length(4);
    const journal = await readJournal(h.planFile + '.results.jsonl');
    expect(journal!.headers.map((x) => [x.canary ?? null, x.canaryOk ?? false])).to.deep.equal([
      [['user2@example.nl'], false],
      [null, true],
    ]);
  });

  it('--canary naming no set row, or a canary not finished, is refused before anything is written', async () => {
    const h = await harness(3);
    await rejects(applyAndReport({ ...h.args, canary: ['user9@example.nl'] }, h.ctx, h.client), UsageError, /--canary: user9@example\.nl is not in the plan/);
    expect(h.client.stats.requests).to.equal(0);
    h.client.putFaults.set(setRowId(1), 'reject');
    expect(await applyAndReport({ ...h.args, canary: ['user1@example.nl'] }, h.ctx, h.client)).to.equal(1);
    await rejects(applyAndReport({ ...h.args, canaryOk: true }, h.ctx, h.client), UsageError, /canary \(user1@example\.nl\) is not complete: user1@example\.nl not updated yet/);
  });

  it('a journal of another plan that recorded no row is simply replaced', async () => {
    const h = await harness(2);
    await fs.writeFile(
      h.planFile + '.results.jsonl',
      JSON.stringify({ kind: 'zivver-keyresults', v: 1, runId: 'r0', planSha256: 'f'.repeat(64), plan: 'plan.json', zivverUrl: URL, started: 'x', whatIf: false }) + '\n',
    );
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(0);
    expect((await fs.readdir(h.dir)).filter((f) => f.includes('.results.'))).to.deep.equal(['plan.json.results.jsonl']);
    expect((await readJournal(h.planFile + '.results.jsonl'))!.rows).to.have.length(2);
  });

  it('refuses to share a journal with a run in progress', async () => {
    const h = await harness(2);
    await fs.writeFile(h.planFile + '.results.jsonl.lock', JSON.stringify({ pid: process.pid, host: os.hostname(), started: 'now' }));
    await rejects(applyAndReport(h.args, h.ctx, h.client), UsageError, /another apply is using the results journal/);
    // a lock left by a dead process is taken over
    await fs.writeFile(h.planFile + '.results.jsonl.lock', JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: 'then' }));
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(0);
  });

  it('stdin plans journal to a file in the working directory named after the plan', async () => {
    const h = await harness(1);
    await applyAndReport({ ...h.args, planFile: null, planName: 'stdin', output: 'jsonl' }, h.ctx, h.client);
    const files = await fs.readdir(h.dir);
    expect(files.some((f) => /^zivver-keytool-[0-9a-f]{12}\.results\.jsonl$/.test(f))).to.equal(true);
    const row = JSON.parse(h.stdout().trim().split('\n')[0]);
    expect(row).to.include({ status: 'updated', zivverId: setRow(1).zivverId, httpStatus: 200, error: null });
  });

  it('exit 1 when rows drift; interruption throws InterruptedError after the summary', async () => {
    const h = await harness(3);
    h.client.users.delete(setRow(3).zivverId);
    expect(await applyAndReport(h.args, h.ctx, h.client)).to.equal(1);
    const h2 = await harness(10);
    h2.client.putDelayMs = 5;
    h2.client.beforePut = () => h2.controller.abort();
    await rejects(applyAndReport({ ...h2.args, concurrency: 1 }, h2.ctx, h2.client), InterruptedError, /run the same command again to resume/);
    expect(h2.stdout()).to.match(/Apply interrupted: 1 updated, 0 drifted, 0 failed, 0 skipped, 9 not started\.\n$/);
  });
});
