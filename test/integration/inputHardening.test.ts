/**
 * Input that could hang or mislead the tool, through the CLI against the emulator: inputs that are
 * no regular file, a size bound, SIGTERM while standard input is still being read, a pasted API
 * key, a property named twice, and keys that look like Excel formulas through plan CSV → apply.
 */
import { expect } from 'chai';
import { spawn, execFileSync } from 'node:child_process';
import { openSync } from 'node:fs';
import * as p from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import type { EmulatorHandle } from '../../src/emulator/types.js';
import { BIN, runInProcess } from '../helpers/cli.js';
import { zivverAccount, zivverId } from '../helpers/accounts.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('input-key');
const id = zivverId;
const user = (n: number) => zivverAccount(n);

describe('integration: input that cannot crash, hang or mislead', function () {
  this.timeout(90_000);
  let dir: string;
  let emu: EmulatorHandle;
  const env = () => ({ ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') });
  const plan = (args: string[]) => runInProcess(['plan', ...args, '--zivver-url', emu.url, '--progress', 'none'], { env: env(), cwd: dir });

  beforeEach(async () => {
    dir = await p.mkdtemp(path.join(os.tmpdir(), 'keytool-input-'));
    emu = await startEmulator({ apiKey: API_KEY, users: [1, 2, 3, 4].map(user), rateLimit: null });
  });
  afterEach(async () => {
    await emu.close();
    await p.rm(dir, { recursive: true, force: true });
  });

  function expectRefused(r: { code: number; stderr: string }, message: RegExp) {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(message);
    expect(r.stderr.match(/^error:/gm), r.stderr).to.have.length(1);
    expect(emu.stats.requests, 'requests sent to Zivver').to.equal(0);
  }

  it('an input that is a FIFO, a device or a folder is refused at once (exit 2)', async () => {
    execFileSync('mkfifo', [path.join(dir, 'users.csv')]);
    expectRefused(await plan(['--input', 'users.csv']), /users\.csv: this is a named pipe \(FIFO\), not a file/);
    expectRefused(await plan(['--input', '/dev/zero']), /\/dev\/zero: this is a device, not a file/);
    expectRefused(await plan(['--input', '/dev/urandom']), /\/dev\/urandom: this is a device, not a file/);
    await p.mkdir(path.join(dir, 'folder.csv'));
    expectRefused(await plan(['--input', 'folder.csv']), /folder\.csv: this is a folder, not a file/);
    // The plan, the journal and the ledger are read the same way.
    expectRefused(await runInProcess(['apply', '--plan', '/dev/zero', '--zivver-url', emu.url], { env: env(), cwd: dir }), /\/dev\/zero: this is a device/);
    await p.writeFile(path.join(dir, 'u.csv'), `Mail,Id\na@org.nl,${id(1)}\n`);
    expectRefused(await plan(['--input', 'u.csv', '--ledger', '/dev/zero']), /the ledger \/dev\/zero: this is a device/);
  });

  it('an input larger than --max-input-size is refused, from a file and from endless standard input', async () => {
    await p.writeFile(path.join(dir, 'big.csv'), 'Mail,Id\n' + `a@org.nl,${id(1)}\n`.repeat(50_000));
    expectRefused(await plan(['--input', 'big.csv', '--max-input-size', '1MiB']), /big\.csv: larger than 1 MiB, the most zivver-keytool reads/);
    expectRefused(await plan(['--input', 'big.csv', '--max-input-size', 'lots']), /--max-input-size "lots" is not a size/);
    // stdin from /dev/zero: a real process, which must end (it used to grow without bound).
    const child = spawn(process.execPath, [BIN, 'plan', '--input', '-', '--max-input-size', '4MiB', '--zivver-url', emu.url], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env() },
      stdio: [openSync('/dev/zero', 'r'), 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).to.equal(2);
    expect(stderr).to.match(/\(stdin\): larger than 4 MiB/);
    expect(emu.stats.requests).to.equal(0);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} (${signal === 'SIGINT' ? 'Ctrl-C' : 'a service stop'}) ends a run still reading standard input at once, with nothing written`, async () => {
      const child = spawn(process.execPath, [BIN, 'plan', '--input', '-', '--out', 'p.json', '-v', '--zivver-url', emu.url], {
        cwd: dir,
        env: { PATH: process.env.PATH, ...env() },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.resume();
      // Some input, then nothing more: the writer keeps the pipe open and never ends it.
      child.stdin.write('PrimarySmtpAddress,ExternalDirectoryObjectId\n');
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Signal only once it is reading (it says so with -v): before, Node's default would end it.
      for (let i = 0; i < 600 && !/Reading users from standard input/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).to.match(/Reading users from standard input/);
      await new Promise((r) => setTimeout(r, 200));
      child.kill(signal);
      // A liveness bound, not a timing assertion: a run that ignores the signal never gets here.
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(code, stderr).to.equal(4);
      expect(stderr).to.match(/interrupted while reading \(stdin\); nothing was written/);
      expect(await p.readdir(dir)).to.deep.equal([]);
      expect(emu.stats.requests).to.equal(0);
      child.stdin.destroy();
    });
  }

  it('--api-key-file with a value that is no existing path (a pasted key) never repeats it', async () => {
    const pasted = testSecret('pasted-key');
    await p.writeFile(path.join(dir, 'u.csv'), `Mail,Id\na@org.nl,${id(1)}\n`);
    const r = await runInProcess(['plan', '--input', 'u.csv', '--api-key-file', pasted, '--zivver-url', emu.url, '--debug', '--log-file', 'run.log'], { env: {}, cwd: dir });
    expectRefused(r, /--api-key-file names no existing file \(the value given is not repeated here/);
    expect(r.stderr + r.stdout).to.not.contain(pasted);
    expect(await p.readFile(path.join(dir, 'run.log'), 'utf8')).to.not.contain(pasted);
  });

  it('a JSON object naming a property twice with different values is refused before anything is sent', async () => {
    // The second PrimarySmtpAddress would have given user1 the key of the row planned for user2.
    await p.writeFile(
      path.join(dir, 'm.json'),
      `[\n {"PrimarySmtpAddress": "user1@org.nl", "ExternalDirectoryObjectId": "e17a0000-0000-4000-8000-000000000001"},\n` +
        ` {"PrimarySmtpAddress": "user2@org.nl", "ExternalDirectoryObjectId": "e17a0000-0000-4000-8000-000000000002", "primarysmtpaddress": "user1@org.nl"}\n]\n`,
    );
    expectRefused(await plan(['--input', 'm.json']), /m\.json:3: property "primarysmtpaddress" appears twice in one object \(also as "PrimarySmtpAddress"/);
  });

  it('a plan of 130,000 input rows (past the 125,000 where the table for people overflowed the stack) ends with every file written', async function () {
    this.timeout(300_000);
    const lines = ['PrimarySmtpAddress,ExternalDirectoryObjectId'];
    // Four of them are Zivver accounts; the rest are not found, and every one of those is a row of the table.
    for (let i = 1; i <= 130_000; i++) lines.push(`user${i}@org.nl,e17a0000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    await p.writeFile(path.join(dir, 'big.csv'), lines.join('\n') + '\n');
    const r = await plan(['--input', 'big.csv', '--out', 'big.plan.csv', '--out', 'big.plan.json', '--out', 'big.plan.html']);
    expect(r.code, r.stderr.slice(0, 2000)).to.equal(0);
    expect(r.stderr).to.not.match(/Maximum call stack|bug in zivver-keytool/);
    expect(r.stdout.split('\n').filter((l) => /not-found/.test(l))).to.have.length(129_996);
    expect(r.stdout).to.match(/4 to set, .*129996 not found/s);
    expect((await p.readFile(path.join(dir, 'big.plan.csv'), 'utf8')).split('\r\n')).to.have.length(130_002);
    expect(JSON.parse(await p.readFile(path.join(dir, 'big.plan.json'), 'utf8')).rows).to.have.length(130_000);
    expect(await p.readFile(path.join(dir, 'big.plan.html'), 'utf8')).to.include('130,000');
  });

  it('keys that look like formulas are neutralised in the plan CSV and applied exactly as planned', async () => {
    const keys = ['=1+1', '+31612345678', '-5', '@SUM(A1)'];
    await p.writeFile(path.join(dir, 'k.csv'), 'PrimarySmtpAddress,Key\n' + keys.map((k, i) => `user${i + 1}@org.nl,"${k}"`).join('\n') + '\n');
    const made = await plan(['--input', 'k.csv', '--key-source', 'column:Key', '--out', 'plan.csv']);
    expect(made.code, made.stderr).to.equal(0);
    const csv = await p.readFile(path.join(dir, 'plan.csv'), 'utf8');
    for (const k of keys) expect(csv).to.contain(`'${k}`);
    const applied = await runInProcess(['apply', '--plan', 'plan.csv', '--zivver-url', emu.url, '--yes', '--progress', 'none'], { env: env(), cwd: dir });
    expect(applied.code, applied.stderr).to.equal(0);
    keys.forEach((k, i) => expect(emu.getKey(id(i + 1)), `user${i + 1}`).to.equal(k));
  });
});
