/**
 * The file guard through the commands (in process, against the emulator over HTTP): an output onto
 * anything the run reads or keeps is exit 2 naming both roles, with nothing written and no request
 * sent to Zivver; folders, read-only files, missing folders and unwritable places.
 */
import { expect } from 'chai';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { runInProcess } from '../helpers/cli.js';
import { entraId, zivverAccount } from '../helpers/accounts.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('guard-key');
const user = (n: number) => zivverAccount(n);

const INPUT = ['PrimarySmtpAddress,ExternalDirectoryObjectId', ...[1, 2, 3].map((n) => `user${n}@org.nl,${entraId(n)}`)].join('\n') + '\n';
const LEDGER_LINE = JSON.stringify({ kind: 'zivver-keyledger', v: 1, at: '2026-01-01T00:00:00Z', zivverId: user(1).id, userName: 'user1@org.nl', key: entraId(1), previousKey: null, source: 't', runId: 'r0' }) + '\n';

describe('integration: one guard for every file the tool writes', function () {
  this.timeout(60_000);
  let dir: string;
  let emu: EmulatorHandle;
  const env = () => ({ ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'default-ledger.jsonl') });
  const run = (args: string[], cwd = dir) => runInProcess([...args, '--zivver-url', emu.url, '--progress', 'none'], { env: env(), cwd });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-guard-'));
    emu = await startEmulator({ apiKey: API_KEY, users: [1, 2, 3].map(user), rateLimit: null });
    await writeFile(path.join(dir, 'm.csv'), INPUT);
    await writeFile(path.join(dir, 'l.jsonl'), LEDGER_LINE);
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function expectRefused(args: string[], message: RegExp, unchanged: Record<string, string> = {}, cwd = dir) {
    const before = Object.fromEntries(await Promise.all(Object.keys(unchanged).map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')])));
    const r = await run(args, cwd);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(message);
    expect(r.stderr.match(/^error:/gm), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(/Nothing was written/);
    expect(emu.stats.requests, 'requests sent to Zivver').to.equal(0);
    for (const f of Object.keys(unchanged)) expect(await readFile(path.join(dir, f), 'utf8'), f).to.equal(before[f]);
    const left = (await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.tmp'));
    expect(left, 'temporary files left').to.deep.equal([]);
    return r;
  }

  it('plan --out the input (as given, through ./ and ../, and through a hard link) is refused naming both roles', async () => {
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'm.csv'], /--out m\.csv is an input \(--input m\.csv\)/, { 'm.csv': INPUT });
    await expectRefused(['plan', '--input', 'm.csv', '--out', './m.csv'], /--out \.\/m\.csv is an input/, { 'm.csv': INPUT });
    await mkdir(path.join(dir, 'sub'));
    await expectRefused(['plan', '--input', '../m.csv', '--out', './../sub/../m.csv'], /--out \.\/\.\.\/sub\/\.\.\/m\.csv is an input \(--input \.\.\/m\.csv\)/, { 'm.csv': INPUT }, path.join(dir, 'sub'));
    await link(path.join(dir, 'm.csv'), path.join(dir, 'hard.csv'));
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'hard.csv'], /--out hard\.csv is an input \(--input m\.csv\)/, { 'm.csv': INPUT });
  });

  it('plan --out the ledger, a results journal, or the same --out twice is refused', async () => {
    await expectRefused(['plan', '--input', 'm.csv', '--ledger', 'l.jsonl', '--out', 'l.jsonl'], /--out l\.jsonl is the ledger: both name /, { 'l.jsonl': LEDGER_LINE });
    // Not named as the ledger of this run, but recognised as a ledger by its first line.
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'l.jsonl'], /--out l\.jsonl is a zivver-keytool ledger.*lose the record/s, { 'l.jsonl': LEDGER_LINE });
    const journal = JSON.stringify({ kind: 'zivver-keyresults', v: 1, runId: 'r', planSha256: 'x', plan: 'p.json', zivverUrl: emu.url, started: '', whatIf: false }) + '\n';
    await writeFile(path.join(dir, 'p.json.results.jsonl'), journal);
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'p.json.results.jsonl'], /is a zivver-keytool results journal/, { 'p.json.results.jsonl': journal });
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'x.json', '--out', 'x.json'], /--out x\.json is given twice/);
    expect(await readdir(dir)).to.not.include('x.json');
  });

  it('--log-file onto the ledger, the plan or an input is refused before a line is logged', async () => {
    await expectRefused(['plan', '--input', 'm.csv', '--log-file', 'l.jsonl'], /--log-file l\.jsonl is a zivver-keytool ledger, not a zivver-keytool log file/, { 'l.jsonl': LEDGER_LINE });
    await expectRefused(['plan', '--input', 'm.csv', '--log-file', 'm.csv'], /--log-file m\.csv is not a file of zivver-keytool/, { 'm.csv': INPUT });
    // A ledger that does not exist yet: the clash is found by name, and no log line creates it.
    await expectRefused(['plan', '--input', 'm.csv', '--ledger', 'new-ledger.jsonl', '--log-file', 'new-ledger.jsonl'], /--log-file new-ledger\.jsonl is the ledger: both name /);
    expect(await readdir(dir)).to.not.include('new-ledger.jsonl');
  });

  /** Plans m.csv into p.json (no ledger) and clears the emulator's counts; returns the plan's text. */
  async function planToP(): Promise<string> {
    const r = await run(['plan', '--input', 'm.csv', '--ignore-ledger', '--out', 'p.json']);
    expect(r.code, r.stderr).to.equal(0);
    emu.resetStats();
    return readFile(path.join(dir, 'p.json'), 'utf8');
  }

  describe('apply and rollback', () => {
    let planText: string;
    beforeEach(async () => {
      planText = await planToP();
    });

    it('apply --ledger <the plan> and --log-file <the plan> are refused', async () => {
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'p.json', '--yes'], /the ledger is the plan \(--plan p\.json\): both name /, { 'p.json': planText });
      await expectRefused(['apply', '--plan', 'p.json', '--log-file', 'p.json', '--yes'], /--log-file p\.json is a zivver-keytool plan, not a zivver-keytool log file/, { 'p.json': planText });
    });

    it("apply --out another plan's journal, and rollback --out the journal, the ledger or the plan it undoes are refused", async () => {
      const a = await run(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--yes']);
      expect(a.code, a.stderr).to.equal(0);
      const journal = await readFile(path.join(dir, 'p.json.results.jsonl'), 'utf8');
      const ledger = await readFile(path.join(dir, 'l.jsonl'), 'utf8');
      await writeFile(path.join(dir, 'q.json'), planText);
      emu.resetStats();
      await expectRefused(['apply', '--plan', 'q.json', '--ledger', 'l.jsonl', '--out', 'p.json.results.jsonl', '--yes'], /--out p\.json\.results\.jsonl is a zivver-keytool results journal/, {
        'p.json.results.jsonl': journal,
      });
      const rb = ['rollback', '--results', 'p.json.results.jsonl', '--ledger', 'l.jsonl'];
      await expectRefused([...rb, '--out', 'p.json.results.jsonl'], /--out p\.json\.results\.jsonl is the results journal \(--results/, { 'p.json.results.jsonl': journal });
      await expectRefused([...rb, '--out', 'l.jsonl'], /--out l\.jsonl is the ledger: both name /, { 'l.jsonl': ledger });
      await expectRefused([...rb, '--out', 'p.json'], /--out p\.json is the plan it undoes/, { 'p.json': planText });
      // Another name is fine (exit 1: the previous keys of these accounts are unknown).
      const ok = await run([...rb, '--out', 'undo.json']);
      expect(ok.code, ok.stderr).to.equal(1);
      expect(JSON.parse(await readFile(path.join(dir, 'undo.json'), 'utf8')).kind).to.equal('zivver-keyplan');
    });
  });

  describe('HTML reports, sync and the stop file: the same guard', () => {
    let planText: string;
    beforeEach(async () => {
      planText = await planToP();
    });

    it('apply --report onto the ledger, another output or the plan is refused naming both roles', async () => {
      await writeFile(path.join(dir, 'l.html'), LEDGER_LINE);
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'l.html', '--report', 'l.html', '--yes'], /--report l\.html is the ledger: both name /, { 'l.html': LEDGER_LINE });
      // --out takes no .html and --report nothing else: one file under two names (a symbolic link).
      await writeFile(path.join(dir, 'r.json'), '{}');
      await symlink(path.join(dir, 'r.json'), path.join(dir, 'r.html'));
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--out', 'r.json', '--report', 'r.html', '--yes'], /--report r\.html is an output \(--out r\.json\)/, { 'r.json': '{}' });
      await link(path.join(dir, 'p.json'), path.join(dir, 'p.html'));
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--report', 'p.html', '--yes'], /--report p\.html is the plan \(--plan p\.json\)/, { 'p.json': planText });
      // Nothing was written to Zivver, so no journal either.
      expect(await readdir(dir)).to.not.include('p.json.results.jsonl');
    });

    it('a read-only report is refused unless --force; a missing folder for it is created and announced', async () => {
      await writeFile(path.join(dir, 'ro.html'), 'old');
      await chmod(path.join(dir, 'ro.html'), 0o444);
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--what-if', '--report', 'ro.html'], /--report ro\.html is read-only.*--force/s, { 'ro.html': 'old' });
      const ok = await run(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--what-if', '--report', 'ro.html', '--force']);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(await readFile(path.join(dir, 'ro.html'), 'utf8')).to.match(/^<!DOCTYPE html>/i);
      const made = await run(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--what-if', '--report', 'reports/2026/run.html']);
      expect(made.code, made.stderr).to.equal(0);
      expect(made.stderr).to.include(`Created the folder ${path.join(dir, 'reports')}`);
      expect(await readFile(path.join(dir, 'reports', '2026', 'run.html'), 'utf8')).to.match(/^<!DOCTYPE html>/i);
    });

    it('plan --out x.html onto the input, and the same .html twice, are refused', async () => {
      await link(path.join(dir, 'm.csv'), path.join(dir, 'm.html'));
      await expectRefused(['plan', '--input', 'm.csv', '--out', 'm.html'], /--out m\.html is an input \(--input m\.csv\)/, { 'm.csv': INPUT });
      await expectRefused(['plan', '--input', 'm.csv', '--out', 'x.html', '--out', './x.html'], /--out \.\/x\.html is an output \(--out x\.html\)/);
      expect(await readdir(dir)).to.not.include('x.html');
    });

    it('rollback --out x.html onto the journal it undoes is refused', async () => {
      const a = await run(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--yes']);
      expect(a.code, a.stderr).to.equal(0);
      const journal = await readFile(path.join(dir, 'p.json.results.jsonl'), 'utf8');
      await symlink(path.join(dir, 'p.json.results.jsonl'), path.join(dir, 'undo.html'));
      emu.resetStats();
      await expectRefused(['rollback', '--results', 'p.json.results.jsonl', '--ledger', 'l.jsonl', '--out', 'undo.html'], /--out undo\.html is the results journal \(--results p\.json\.results\.jsonl\)/, {
        'p.json.results.jsonl': journal,
      });
    });

    it('sync --report onto an input or the ledger, and --out-dir that is a file, are refused before planning', async () => {
      await link(path.join(dir, 'm.csv'), path.join(dir, 'm.html'));
      const sync = ['sync', '--input', 'm.csv', '--ledger', 'l.jsonl', '--max-changes', '10', '--yes'];
      await expectRefused([...sync, '--report', 'm.html'], /--report m\.html is an input \(--input m\.csv\)/, { 'm.csv': INPUT });
      await link(path.join(dir, 'l.jsonl'), path.join(dir, 'l.html'));
      await expectRefused([...sync, '--report', 'l.html'], /--report l\.html is the ledger/, { 'l.jsonl': LEDGER_LINE });
      await expectRefused([...sync, '--out-dir', 'm.csv'], /this run's plan: .*m\.csv is a file, not a folder/, { 'm.csv': INPUT });
      // The sync that goes ahead writes its plan, journal and page.
      const ok = await run([...sync, '--out-dir', 'runs', '--report', 'sync.html']);
      expect(ok.code, ok.stderr).to.equal(0);
      expect((await readdir(path.join(dir, 'runs'))).sort().map((f) => f.replace(/sync-[^.]+/, 'sync-T'))).to.deep.equal(['sync-T.plan.json', 'sync-T.plan.json.results.jsonl']);
      expect(await readFile(path.join(dir, 'sync.html'), 'utf8')).to.match(/^<!DOCTYPE html>/i);
    });

    it('--stop-file may be no file the run writes', async () => {
      await expectRefused(['plan', '--input', 'm.csv', '--out', 'stop.json', '--stop-file', 'stop.json'], /--out stop\.json is the stop file \(--stop-file stop\.json\)/);
      await expectRefused(['apply', '--plan', 'p.json', '--ledger', 'l.jsonl', '--report', 'stop.html', '--stop-file', 'stop.html', '--yes'], /--report stop\.html is the stop file/);
      expect(await readdir(dir)).to.not.include('stop.json');
    });
  });

  it('an output that is a folder is "a folder", with no temporary file left', async () => {
    await mkdir(path.join(dir, 'd.json'));
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'd.json'], /--out d\.json is a folder, not a file/);
    expect((await stat(path.join(dir, 'd.json'))).isDirectory()).to.equal(true);
  });

  it('a read-only output is refused unless --force replaces it', async () => {
    const file = path.join(dir, 'ro.json');
    await writeFile(file, 'old');
    await chmod(file, 0o444);
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'ro.json'], /--out ro\.json is read-only.*--force/s, { 'ro.json': 'old' });
    const r = await run(['plan', '--input', 'm.csv', '--out', 'ro.json', '--force']);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(await readFile(file, 'utf8')).kind).to.equal('zivver-keyplan');
  });

  it('missing folders are created and announced', async () => {
    const r = await run(['plan', '--input', 'm.csv', '--out', 'a/b/p.csv']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`Created the folder ${path.join(dir, 'a')}`);
    expect(r.stderr).to.include(`Created the folder ${path.join(dir, 'a', 'b')}`);
    expect(await readFile(path.join(dir, 'a', 'b', 'p.csv'), 'utf8')).to.match(/^line,/);
  });

  it('a folder that is a file, or a place nothing can be written, is one clear message', async () => {
    await expectRefused(['plan', '--input', 'm.csv', '--out', 'm.csv/x.json'], /--out m\.csv\/x\.json: .*m\.csv is a file, not a folder/, { 'm.csv': INPUT });
    // sysfs refuses new files even to root, while access() says the folder is writable.
    const r = await run(['plan', '--input', 'm.csv', '--out', '/sys/keytool-guard-test.json']);
    expect(r.code, r.stderr).to.be.oneOf([1, 2]);
    expect(r.stderr.match(/^error:/gm)).to.have.length(1);
    expect(r.stderr).to.match(/--out \/sys\/keytool-guard-test\.json.*(permission denied|operation not permitted)/);
    expect(r.stderr).to.not.match(/EACCES|bug in zivver-keytool/);
  });
});
