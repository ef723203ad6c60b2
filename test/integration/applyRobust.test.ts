/**
 * apply against the real emulator: what happens while Zivver makes us wait (429 Retry-After,
 * 5xx), when the tool is interrupted then, and when local files cannot be written.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { applyAndReport } from '../../src/cli/applyReport.js';
import type { EmulatorHandle } from '../../src/emulator/index.js';
import { readJournal } from '../../src/store/journal.js';
import { BIN, runCli } from '../helpers/cli.js';
import { API_KEY, applyClient, applyEmulator, applySetup, ZIV } from './applyFixtures.js';

const emulator = applyEmulator;
const client = applyClient;
const setup = (emu: EmulatorHandle, pick = (_n: number) => true) => applySetup(emu, pick, 1);

/** Calls fn once, as soon as the emulator has answered a 429. */
function onFirst429(emu: EmulatorHandle, fn: () => void): () => void {
  const timer = setInterval(() => {
    if (emu.stats.throttled > 0) {
      clearInterval(timer);
      fn();
    }
  }, 5);
  return () => clearInterval(timer);
}

describe('integration: apply while Zivver makes us wait', function () {
  this.timeout(30_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('a PUT retried after a long 429 wait is rebuilt from a new read: an alias added meanwhile survives', async () => {
    emu = await emulator();
    const s = await setup(emu, (i) => i === 1);
    const id = s.plan.rows[0].zivverId;
    emu.setFaults([{ method: 'PUT', status: 429, headers: { 'Retry-After': '1' }, times: 1 }]);
    // Another admin adds an alias while our write waits out the Retry-After.
    const stop = onFirst429(emu, () => {
      const u = emu!.getUser(id)!;
      const z = u[ZIV] as { aliases?: string[] };
      z.aliases = [...(z.aliases ?? []), 'added.meanwhile@zorg-1.nl'];
      emu!.addUsers([u]);
    });
    try {
      // A body may be at most 300 ms old when sent: the 1 s wait outlives it.
      expect(await applyAndReport({ ...s.args, maxWriteAgeMs: 300 }, s.ctx, client(emu))).to.equal(0);
    } finally {
      stop();
    }
    const after = emu.getUser(id)!;
    expect((after[ZIV] as { aliases: string[] }).aliases).to.include('added.meanwhile@zorg-1.nl');
    expect(emu.getKey(id)).to.equal(s.plan.rows[0].newKey);
    expect(emu.stats.byMethod.GET).to.equal(2); // read, then read again after the wait
    const j = await readJournal(s.planFile + '.results.jsonl');
    expect(j!.rows.map((r) => r.status)).to.deep.equal(['updated']);
  });
});

describe('integration: Ctrl-C while apply waits', function () {
  this.timeout(40_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('SIGINT during a 429 Retry-After 120 wait exits 4 within seconds; the rerun completes', async () => {
    emu = await emulator();
    const s = await setup(emu);
    emu.setFaults([{ method: 'PUT', status: 429, headers: { 'Retry-After': '120' } }]);
    const argv = [BIN, 'apply', '--plan', 'plan.json', '--zivver-url', emu.url, '--rate-limit', '1000/1', '--ledger', 'l.jsonl', '--yes'];
    const child = spawn(process.execPath, argv, { cwd: s.dir, env: { PATH: process.env.PATH, ZIVVER_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 400 && emu.stats.throttled === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(emu.stats.throttled, stderr).to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).to.equal(4);
    expect(Date.now() - t0).to.be.below(5000);
    expect(stdout).to.match(/Apply interrupted: 0 updated, 0 drifted, 0 failed, 0 skipped, 4 not started\./);
    expect(stderr.match(/run the same command again/g)).to.have.length(1);
    emu.setFaults([]);
    const rerun = await runCli(argv.slice(1), { cwd: s.dir, env: { ZIVVER_API_KEY: API_KEY } });
    expect(rerun.code, rerun.stderr).to.equal(0);
    for (const r of s.plan.rows) expect(emu.getKey(r.zivverId)).to.equal(r.newKey);
  });
});
