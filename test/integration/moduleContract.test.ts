/**
 * What the PowerShell module relies on from the exe, run as a real process against the emulator:
 * - a UTF-8 BOM on standard input is ignored by `plan --input -` and `apply --plan -` (Windows
 *   PowerShell 5.1 on .NET Framework writes one to a child's stdin when the console input code
 *   page is 65001, and .NET Framework has no ProcessStartInfo.StandardInputEncoding to prevent it);
 * - plan rows piped back as JSON lines carry the plan's key source and input, which apply records
 *   in the ledger; apply names the journal (in --results-dir) after the plan;
 * - --stop-file stops apply as Ctrl-C does (no new row, rows in flight journaled, exit 4), without
 *   any console signal.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSampleTenant } from '../../src/emulator/index.js';
import { readJournal } from '../../src/store/journal.js';
import { readLedgerEntries } from '../../src/store/ledger.js';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const withBom = (text: string) => Buffer.concat([BOM, Buffer.from(text, 'utf8')]);
const parseLines = (text: string) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('integration: the exe as the PowerShell module drives it (real process)', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let dir: string;
  let mailboxLines: string;
  const tenant = generateSampleTenant({ count: 14, seed: 11 });

  before(async () => {
    emu = await startTestEmulator({ users: tenant.users });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-module-'));
    // What Get-ZivverKeyPlan sends: one JSON line per piped object; ObjectGUID as Get-ADUser adds it.
    mailboxLines = tenant.mailboxes.map((m) => JSON.stringify({ ...m, ObjectGUID: randomUUID() })).join('\n') + '\n';
  });
  after(async () => {
    await emu?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const planArgs = (ledger: string, ...more: string[]) => [
    'plan', '--input-format', 'jsonl', '--output', 'jsonl', '--key-source', 'objectGuid', '--zivver-url', emu.url, '--ledger', ledger, ...more,
  ];

  it('plan --input - reads the same users whether or not standard input starts with a UTF-8 BOM', async () => {
    const ledger = path.join(dir, 'bom-plan-ledger.jsonl');
    const plain = await runCli(planArgs(ledger, '--input', '-'), { env: emu.env, stdin: mailboxLines });
    const bom = await runCli(planArgs(ledger, '--input', '-'), { env: emu.env, stdin: withBom(mailboxLines) });
    expect(plain.code, plain.stderr).to.equal(0);
    expect(bom.code, bom.stderr).to.equal(0);
    expect(parseLines(bom.stdout)).to.deep.equal(parseLines(plain.stdout));
    expect(parseLines(bom.stdout).filter((r) => r.action === 'set').length).to.be.greaterThan(5);
    // The format found by content, too (auto), and a BOM before a CSV.
    const auto = await runCli(['plan', '--input', '-', '--output', 'jsonl', '--zivver-url', emu.url, '--ledger', ledger], { env: emu.env, stdin: withBom(mailboxLines) });
    expect(auto.code, auto.stderr).to.equal(0);
    expect(parseLines(auto.stdout)).to.have.length(tenant.mailboxes.length);
  });

  it('apply --plan - reads plan rows (JSON lines) and a plan document whether or not stdin starts with a UTF-8 BOM', async () => {
    const ledger = path.join(dir, 'bom-apply-ledger.jsonl');
    const planned = await runCli(planArgs(ledger, '--input', '-', '--out', path.join(dir, 'bom-plan.json')), { env: emu.env, stdin: mailboxLines });
    expect(planned.code, planned.stderr).to.equal(0);
    const sets = parseLines(planned.stdout).filter((r) => r.action === 'set').length;
    const doc = await fs.readFile(path.join(dir, 'bom-plan.json'), 'utf8');
    for (const stdin of [withBom(planned.stdout), withBom(doc)]) {
      const r = await runCli(['apply', '--plan', '-', '--what-if', '--output', 'jsonl', '--zivver-url', emu.url, '--ledger', ledger], { env: emu.env, stdin, cwd: dir });
      expect(r.code, r.stderr).to.equal(0);
      expect(parseLines(r.stdout).filter((x) => x.status === 'would-update')).to.have.length(sets);
    }
  });

  it('records the plan rows\' real key source and input in the ledger, and names the journal in --results-dir', async () => {
    const ledger = path.join(dir, 'owner-ledger.jsonl');
    const input = path.join(dir, 'mailboxes.jsonl');
    await fs.writeFile(input, mailboxLines);
    const planned = await runCli(planArgs(ledger, '--input', input), { env: emu.env });
    expect(planned.code, planned.stderr).to.equal(0);
    const rows = parseLines(planned.stdout);
    expect(rows[0]).to.include({ keySource: 'objectGuid', keyFormat: 'guid', zivverUrl: emu.url.replace(/\/$/, '') });
    const sets = rows.filter((r) => r.action === 'set');
    const resultsDir = path.join(dir, 'results');
    const applyArgs = ['apply', '--plan', '-', '--output', 'jsonl', '--zivver-url', emu.url, '--ledger', ledger, '--results-dir', resultsDir];
    const applied = await runCli(applyArgs, { env: emu.env, stdin: planned.stdout, cwd: dir });
    expect(applied.code, applied.stderr).to.equal(0);
    const journals = (await fs.readdir(resultsDir)).filter((f) => f.endsWith('.results.jsonl'));
    expect(journals).to.have.length(1);
    expect(journals[0]).to.match(/^zivver-keytool-[0-9a-f]{12}\.results\.jsonl$/);
    expect((await readJournal(path.join(resultsDir, journals[0])))!.rows.filter((r) => r.status === 'updated')).to.have.length(sets.length);
    const entries = (await readLedgerEntries(ledger)).entries;
    expect(entries).to.have.length(sets.length);
    for (const e of entries) expect(e.source).to.equal(`objectGuid from ${input}`);
    // The same rows again resume from the journal the exe named: nothing is written twice.
    const again = await runCli(applyArgs, { env: emu.env, stdin: planned.stdout, cwd: dir });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/already done|already updated/);
    expect((await readLedgerEntries(ledger)).entries).to.have.length(sets.length);
  });

  it('--stop-file stops apply gracefully, without a console signal: no new row, rows in flight journaled, exit 4', async () => {
    const slow = await startTestEmulator({ users: generateSampleTenant({ count: 40, seed: 5 }).users, latencyMs: 150 });
    try {
      const mbx = generateSampleTenant({ count: 40, seed: 5 }).mailboxes;
      const ledger = path.join(dir, 'stop-ledger.jsonl');
      const planFile = path.join(dir, 'stop-plan.json');
      const planned = await runCli(['plan', '--input', '-', '--input-format', 'jsonl', '--zivver-url', slow.url, '--ledger', ledger, '--out', planFile, '--output', 'jsonl'], {
        env: slow.env,
        stdin: mbx.map((m) => JSON.stringify(m)).join('\n'),
      });
      expect(planned.code, planned.stderr).to.equal(0);
      const sets = parseLines(planned.stdout).filter((r) => r.action === 'set').length;
      expect(sets).to.be.greaterThan(20);
      const stopFile = path.join(dir, `stop-${randomUUID()}`);
      const journal = `${planFile}.results.jsonl`;
      const child = spawn(process.execPath, [BIN, 'apply', '--plan', planFile, '--zivver-url', slow.url, '--ledger', ledger, '--concurrency', '2', '--stop-file', stopFile, '--progress', 'json'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...slow.env },
        // No stdin and its own process group: no console signal can reach it.
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<{ code: number | null }>((resolve) => child.on('close', (code) => resolve({ code })));
      // Stop once a few rows are done.
      while (((await readJournal(journal))?.rows.length ?? 0) < 3) await new Promise((r) => setTimeout(r, 50));
      const putsAtStop = slow.stats.byMethod.PUT ?? 0;
      await fs.writeFile(stopFile, '');
      // The module gives the exe 2 s after creating the stop file before it ends it the hard way:
      // this is that contract (a deadline, not a speed measurement).
      const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), 2000).unref());
      const first = await Promise.race([exited, deadline]);
      if (first === 'deadline') child.kill('SIGKILL');
      expect(first, `still running 2 s after the stop file appeared; stderr:\n${stderr}`).to.not.equal('deadline');
      const { code } = await exited;
      expect(code, stderr).to.equal(4);
      expect(stderr).to.match(/Stop requested/);
      const rows = (await readJournal(journal))!.rows;
      const updated = rows.filter((r) => r.status === 'updated').length;
      // Every write that reached Zivver is journaled (rows in flight finished and were recorded),
      // and at most the rows in flight (concurrency 2) were written after the stop.
      expect(slow.stats.byMethod.PUT).to.equal(updated);
      expect(updated - putsAtStop).to.be.at.most(2);
      expect(updated).to.be.lessThan(sets);
      // Resumable: the same command finishes the rest.
      const rest = await runCli(['apply', '--plan', planFile, '--zivver-url', slow.url, '--ledger', ledger, '--output', 'jsonl'], { env: slow.env });
      expect(rest.code, rest.stderr).to.equal(0);
      expect(slow.stats.byMethod.PUT).to.equal(sets);
    } finally {
      await slow.close();
    }
  });

  it('refuses a --stop-file that exists already (exit 2), before doing anything', async () => {
    const stopFile = path.join(dir, 'already-there');
    await fs.writeFile(stopFile, '');
    const r = await runCli(['test-connection', '--zivver-url', emu.url, '--stop-file', stopFile], { env: emu.env });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--stop-file .*already-there exists already/);
    expect(existsSync(stopFile)).to.equal(true);
  });
});
