/**
 * apply against the real emulator over HTTP: the engine with the real SCIM client (in-process,
 * fast retries), and the CLI as a real process for exit codes, stdin, signals and kill -9.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { applyAndReport } from '../../src/cli/applyReport.js';
import type { EmulatorHandle, EmulatorOptions, PutMode } from '../../src/emulator/index.js';
import { readJournal } from '../../src/store/journal.js';
import { readLedgerEntries } from '../../src/store/ledger.js';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { API_KEY, applyClient, applyEmulator, applySetup, planFor, richUsers, testCtx, withoutKeys, ZIV } from './applyFixtures.js';

const emulator = (opts: Partial<EmulatorOptions> = {}): Promise<EmulatorHandle> => applyEmulator({ users: richUsers(12), ...opts });
const client = applyClient;
const setup = (emu: EmulatorHandle, pick = (n: number) => n % 3 !== 1) => applySetup(emu, pick, 4);

/** After apply: every planned key is set, and NOTHING else about ANY account differs. */
function expectOnlyKeysChanged(emu: EmulatorHandle, before: ReturnType<EmulatorHandle['users']>, expected: Map<string, string>) {
  const a = withoutKeys(before);
  const b = withoutKeys(emu.users());
  expect([...b.keys()].sort()).to.deep.equal([...a.keys()].sort());
  for (const [id, u] of a) expect(b.get(id), `account ${String(u.userName)}`).to.deep.equal(u);
  for (const u of before) {
    const want = expected.get(u.id) ?? (u[ZIV] as Record<string, unknown> | undefined)?.SsoAccountKey;
    expect(emu.getKey(u.id), `key of ${u.userName}`).to.equal(want);
  }
}

const keysOf = (plan: ReturnType<typeof planFor>) => new Map(plan.rows.map((r) => [r.zivverId, r.newKey]));

describe('integration: apply against the emulator', function () {
  this.timeout(60_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  for (const putMode of ['zivver', 'strict'] as PutMode[]) {
    it(`changes nothing but the planned keys (putMode ${putMode}, both read modes, with latency)`, async () => {
      emu = await emulator({ putMode, latencyMs: 15 });
      const before = emu.users();
      const s = await setup(emu, (i) => i < 6);
      expect(await applyAndReport(s.args, s.ctx, client(emu))).to.equal(0);
      const s2 = await setup(emu, (i) => i >= 6);
      expect(await applyAndReport({ ...s2.args, read: 'listing' }, s2.ctx, client(emu))).to.equal(0);
      expectOnlyKeysChanged(emu, before, new Map([...keysOf(s.plan), ...keysOf(s2.plan)]));
      const rows = s.ctx.out().trim().split('\n').map((l) => JSON.parse(l));
      expect(rows.map((r) => r.status)).to.deep.equal(new Array(6).fill('updated'));
      expect(emu.stats.byMethod.PUT).to.equal(12);
    });
  }

  it('marks renamed and deleted accounts drifted and writes nothing to them', async () => {
    emu = await emulator();
    const s = await setup(emu, () => true);
    const [renamed, deleted] = [s.plan.rows[0].zivverId, s.plan.rows[1].zivverId];
    emu.renameUser(renamed, 'someone.new@zorg-0.nl');
    emu.deleteUser(deleted);
    const before = emu.users();
    expect(await applyAndReport(s.args, s.ctx, client(emu))).to.equal(1);
    const j = await readJournal(s.planFile + '.results.jsonl');
    const status = new Map(j!.rows.map((r) => [r.zivverId, r]));
    expect(status.get(renamed)).to.include({ status: 'drifted' });
    expect(status.get(renamed)!.error).to.match(/someone\.new@zorg-0\.nl/);
    expect(status.get(deleted)).to.include({ status: 'drifted' });
    const expected = keysOf(s.plan);
    expected.delete(renamed);
    expected.delete(deleted);
    expectOnlyKeysChanged(emu, before, expected);
  });

  it('rides out 429 storms (with and without Retry-After) and 5xx/resets on reads and writes', async () => {
    emu = await emulator({ rateLimit: { budget: 8, windowSeconds: 1 } });
    const before = emu.users();
    emu.setFaults([
      { method: 'GET', path: '/Users/', status: 503, times: 3 },
      { method: 'GET', path: '/Users/', reset: true, times: 2, skip: 3 },
      { method: 'PUT', status: 429, times: 3 },
      { method: 'PUT', status: 429, headers: { 'Retry-After': '1' }, times: 2, skip: 4 },
      { method: 'PUT', status: 502, times: 2, skip: 6 },
      { method: 'PUT', reset: true, times: 2, skip: 8 },
    ]);
    const s = await setup(emu, () => true);
    const c = client(emu, { maxRetries: 8 });
    expect(await applyAndReport(s.args, s.ctx, c)).to.equal(0);
    expect(emu.stats.throttled).to.be.greaterThan(0);
    expect(emu.stats.faultsFired).to.be.greaterThan(8);
    expectOnlyKeysChanged(emu, before, keysOf(s.plan));
    const ledger = await readLedgerEntries(s.args.ledgerFile);
    expect(ledger.entries).to.have.length(12);
  });

  it('an ambiguous write is failed (never updated), says it may have applied, and the rerun completes it', async () => {
    emu = await emulator();
    const before = emu.users();
    const s = await setup(emu, () => true);
    const victim = s.plan.rows[2].zivverId;
    emu.setFaults([{ method: 'PUT', path: victim, applyThenFail: true, reset: true, times: 1 }]);
    expect(await applyAndReport(s.args, s.ctx, client(emu, { maxRetries: 0 }))).to.equal(1);
    const j = await readJournal(s.planFile + '.results.jsonl');
    const row = j!.rows.find((r) => r.zivverId === victim)!;
    expect(row.status).to.equal('failed');
    expect(row.mayHaveBeenApplied).to.equal(true);
    expect(row.error).to.match(/may have been applied — rerun apply to retry/);
    expect(emu.getKey(victim)).to.equal(s.plan.rows[2].newKey); // it was applied
    const rerun = testCtx(s.dir);
    expect(await applyAndReport(s.args, rerun, client(emu))).to.equal(0);
    expect(emu.stats.byMethod.PUT).to.equal(13);
    expectOnlyKeysChanged(emu, before, keysOf(s.plan));
    // A PUT refused outright is failed with Zivver's words and status.
    const s2 = await setup(emu, (i) => i === 0);
    emu.setFaults([{ method: 'PUT', status: 400, body: 'Account is outside the organization', times: 1 }]);
    expect(await applyAndReport(s2.args, s2.ctx, client(emu))).to.equal(1);
    const r2 = JSON.parse(s2.ctx.out().trim());
    expect(r2).to.include({ status: 'failed', httpStatus: 400 });
    expect(r2.error).to.match(/Account is outside the organization/);
  });

  it('--what-if and a --max-changes refusal write nothing', async () => {
    emu = await emulator();
    const s = await setup(emu, () => true);
    expect(await applyAndReport({ ...s.args, whatIf: true }, s.ctx, client(emu))).to.equal(0);
    expect(emu.stats.byMethod.PUT ?? 0).to.equal(0);
    expect(emu.stats.writes).to.equal(0);
    emu.resetStats();
    await applyAndReport({ ...s.args, maxChanges: 11 }, s.ctx, client(emu)).then(
      () => expect.fail('should refuse'),
      (err) => expect(String(err)).to.match(/more than --max-changes 11/),
    );
    expect(emu.stats.requests).to.equal(0);
  });
});

describe('integration: zivver-keytool apply as a process', function () {
  this.timeout(90_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const env = () => ({ ZIVVER_API_KEY: API_KEY });

  it('accepts an Excel-edited plan CSV (; BOM, rows deleted) and refuses an altered one before any request', async () => {
    emu = await emulator();
    const s = await setup(emu, () => true);
    const cols = ['line', 'input', 'email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint', 'check'] as const;
    const csv = (rows: typeof s.plan.rows) =>
      '\uFEFF' + [cols.join(';'), ...rows.map((r) => cols.map((c) => `"${String(r[c] ?? '')}"`).join(';'))].join('\r\n') + '\r\n';
    const altered = s.plan.rows.slice(0, 3).map((r, i) => (i === 1 ? { ...r, newKey: r.newKey.toUpperCase() + 'X' } : r));
    await fs.writeFile(path.join(s.dir, 'bad.csv'), csv(altered));
    const bad = await runCli(['apply', '--plan', 'bad.csv', '--zivver-url', emu.url, '--ledger', 'l.jsonl'], { cwd: s.dir, env: env() });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/bad\.csv:3: .*changed after planning/);
    expect(bad.stderr).to.match(/Nothing was written/);
    expect(emu.stats.requests).to.equal(0);

    const kept = s.plan.rows.filter((_, i) => i % 2 === 0).reverse();
    await fs.writeFile(path.join(s.dir, 'plan.csv'), csv(kept));
    const ok = await runCli(['apply', '--plan', 'plan.csv', '--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'l.jsonl'], { cwd: s.dir, env: env() });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout.trimEnd().split('\n').at(-1)).to.equal('Apply complete: 6 updated, 0 drifted, 0 failed, 0 skipped.');
    for (const r of kept) expect(emu.getKey(r.zivverId)).to.equal(r.newKey);
  });

  it('reads plan rows from stdin and prints one JSON result per line (the PowerShell contract)', async () => {
    emu = await emulator();
    const s = await setup(emu, (i) => i < 3);
    const stdin = s.plan.rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const r = await runCli(['apply', '--plan', '-', '--output', 'jsonl', '--progress', 'json', '--zivver-url', emu.url, '--ledger', 'l.jsonl'], { cwd: s.dir, env: env(), stdin });
    expect(r.code, r.stderr).to.equal(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.status)).to.deep.equal(['updated', 'updated', 'updated']);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'progress')).to.equal(true);
    expect(events.some((e) => e.type === 'log' && /Apply complete: 3 updated/.test(e.message))).to.equal(true);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} mid-run loses no finished row; the rerun completes the plan`, async () => {
      emu = await emulator({ users: richUsers(24), latencyMs: 120 });
      const before = emu.users();
      const s = await setup(emu, () => true);
      const journal = s.planFile + '.results.jsonl';
      const argv = [BIN, 'apply', '--plan', 'plan.json', '--zivver-url', emu.url, '--rate-limit', '1000/1', '--concurrency', '2', '--ledger', 'l.jsonl'];
      const child = spawn(process.execPath, argv, { cwd: s.dir, env: { PATH: process.env.PATH, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Up to a minute for the first rows: a busy machine starts the child slowly.
      for (let i = 0; i < 2400; i++) {
        const j = await readJournal(journal).catch(() => null);
        if (j && j.rows.length >= 4) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill(signal);
      const code = await exited;
      if (signal === 'SIGTERM') {
        expect(code, stderr).to.equal(4);
        expect(stderr).to.match(/run the same command again to resume/);
      }
      const j1 = await readJournal(journal);
      const done = j1!.rows.filter((r) => r.status === 'updated');
      expect(done.length).to.be.within(4, 23);
      // Every row journaled updated was acknowledged: its key is in Zivver.
      for (const r of done) expect(emu.getKey(r.zivverId)).to.equal(r.newKey);
      const rerun = await runCli(argv.slice(1), { cwd: s.dir, env: env() });
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(rerun.stdout.trimEnd().split('\n').at(-1)).to.equal(`Apply complete: ${24 - done.length} updated, 0 drifted, 0 failed, 0 skipped, ${done.length} already done.`);
      expectOnlyKeysChanged(emu, before, keysOf(s.plan));
      // No account was given two different keys.
      const ledger = await readLedgerEntries(path.join(s.dir, 'l.jsonl'));
      const keys = new Map<string, Set<string>>();
      for (const e of ledger.entries) keys.set(e.zivverId, (keys.get(e.zivverId) ?? new Set()).add(e.key));
      for (const set of keys.values()) expect(set.size).to.equal(1);
      await fs.access(journal + '.lock').then(() => expect.fail('lock left behind'), () => {});
    });
  }

  it('rollback writes a plan restoring keys the ledger knows, which apply carries out', async () => {
    emu = await emulator({ users: richUsers(4) });
    const s = await setup(emu, () => true);
    expect(await applyAndReport(s.args, s.ctx, client(emu))).to.equal(0);
    const first = new Map(s.plan.rows.map((r) => [r.zivverId, r.newKey]));
    const plan2 = planFor(emu.url, emu.users(), (i) => `ffffffff-aaaa-4bbb-8ccc-${String(i).padStart(12, '0')}`);
    const p2 = path.join(s.dir, 'plan2.json');
    await fs.writeFile(p2, JSON.stringify(plan2));
    expect(await applyAndReport({ ...s.args, plan: plan2, planFile: p2 }, testCtx(s.dir), client(emu))).to.equal(0);
    const rb = await runCli(['rollback', '--results', 'plan2.json.results.jsonl', '--ledger', 'ledger.jsonl', '--out', 'rollback.json'], { cwd: s.dir, env: env() });
    expect(rb.code, rb.stderr).to.equal(0);
    expect(rb.stdout).to.match(/Rollback plan: 4 to restore, 0 cannot be restored/);
    const ap = await runCli(['apply', '--plan', 'rollback.json', '--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'ledger.jsonl'], { cwd: s.dir, env: env() });
    expect(ap.code, ap.stderr).to.equal(0);
    for (const [id, key] of first) expect(emu.getKey(id)).to.equal(key);
    // The first run's previous keys came from the Synctool: unknown to the ledger.
    const rb1 = await runCli(['rollback', '--results', 'plan.json.results.jsonl', '--ledger', 'ledger.jsonl', '--output', 'json'], { cwd: s.dir, env: env() });
    expect(rb1.code).to.equal(1);
    expect(JSON.parse(rb1.stdout).summary.invalid).to.equal(4);
    expect(rb1.stderr).to.match(/cannot restore 4 account\(s\): .* and 1 more — previous key unknown for 4/);
    expect(rb1.stderr.match(/cannot restore/g)).to.have.length(1);
  });
});

void REPO_ROOT;
