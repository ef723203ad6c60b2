/**
 * The COM bridge (com/) for real: both DLLs are built with mingw-w64, a fresh Wine prefix is made,
 * the x64 DLL is registered machine-wide (`regsvr32 /n /i:machine`: Wine 8 ignores per-user classes),
 * and VBScript and JScript files run under `wine cscript //nologo` against the real exe
 * (build/out/zivver-keytool.exe) and the Zivver emulator on 127.0.0.1, plus a stand-in exe that echoes
 * its command line (quoting; the API key never on it). Each script prints `N passed, N failed`, which
 * is checked here along with the exit code. Finally the DLL is unregistered and CreateObject must fail.
 *
 * Its own prefix: other suites run the exe under the shared WINEPREFIX at the same time, and
 * registering a COM class there would change what they run in.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BRIDGE_DLL_X64, BRIDGE_DLL_X86, buildCom, buildTestExe, comToolchainMissing } from '../../build/com.js';
import { packageVersion } from '../../build/bundle.js';
import { OUT_DIR, REPO_ROOT } from '../../build/config.js';
import { generateSampleTenant, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { exportMailboxCsv } from '../helpers/mailboxCsv.js';
import { testSecret } from '../helpers/secrets.js';
import { findWine, requireOrSkip, wineBaseEnv, winPath } from '../helpers/wine.js';

const CLSID = '{F6CF21EF-3750-4B45-A698-C6D79339D0DA}';
const ECHO_EXE = path.join(OUT_DIR, 'com', 'argv-echo.exe');
const HERE = path.join(REPO_ROOT, 'test', 'com');

interface WineRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Windows program under Wine in `prefix`; output through files (see test/helpers/wine.ts). */
function wineIn(prefix: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<WineRun> {
  const wine = findWine()!;
  const io = mkdtempSync(path.join(os.tmpdir(), 'keytool-com-io-'));
  const [outFile, errFile] = ['stdout', 'stderr'].map((n) => path.join(io, n));
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exec "$0" "$@" </dev/null >"$KT_OUT" 2>"$KT_ERR"', wine, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      // A UTF-8 locale: Wine turns Windows file names into Unix ones through it (without it, "é" is no file).
      env: { ...wineBaseEnv(), LANG: 'C.UTF-8', WINEPREFIX: prefix, KT_OUT: outFile, KT_ERR: errFile },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 5 * 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const read = (f: string) => (existsSync(f) ? readFileSync(f, 'latin1') : '');
      resolve({ code: code ?? (signal ? 128 : -1), stdout: read(outFile), stderr: read(errFile) });
      rmSync(io, { recursive: true, force: true });
    });
  });
}

/** `N passed, N failed` from a script's output (the last such line). */
function tally(out: string): { passed: number; failed: number } | undefined {
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed\s*$/gm)].at(-1);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

describe('COM bridge: ZivverKeytool.Bridge under Wine (VBScript, JScript)', function () {
  this.timeout(10 * 60_000);
  let prefix = '';
  let work = '';
  const emus: EmulatorHandle[] = [];
  let vbsEmu: EmulatorHandle;
  let vbsSet = 0;
  const apiKey = testSecret('com-bridge-key');

  async function script(file: string): Promise<WineRun & { tally: { passed: number; failed: number } }> {
    const r = await wineIn(prefix, ['cscript', '//nologo', winPath(path.join(HERE, file)), winPath(work)], { timeoutMs: 8 * 60_000 });
    const t = tally(r.stdout);
    const failures = r.stdout.split(/\r?\n/).filter((l) => l.startsWith('FAIL'));
    expect(t, `no "N passed, N failed" line from ${file}:\n${r.stdout}\n${r.stderr}`).to.not.equal(undefined);
    expect(failures, `${file}:\n${failures.join('\n')}`).to.deep.equal([]);
    expect(r.stdout + r.stderr, 'the API key must never be printed').not.to.include(apiKey);
    return { ...r, tally: t! };
  }

  const createObject = async () => {
    writeFileSync(path.join(work, 'create.vbs'), 'On Error Resume Next\r\nSet o = CreateObject("ZivverKeytool.Bridge")\r\nWScript.Echo "number=" & Err.Number\r\n');
    const r = await wineIn(prefix, ['cscript', '//nologo', winPath(path.join(work, 'create.vbs'))]);
    return /number=(-?\d+)/.exec(r.stdout)?.[1];
  };
  const regQuery = (key: string) => wineIn(prefix, ['reg', 'query', key, '/s']);

  before(async function () {
    this.timeout(30 * 60_000);
    requireOrSkip(this, 'wine', 'exe');
    const missing = comToolchainMissing();
    if (missing) {
      if (process.env.KEYTOOL_REQUIRE_ALL === '1') throw new Error(`needs ${missing} — KEYTOOL_REQUIRE_ALL=1, so this is a failure, not a skip`);
      process.stderr.write(`      [skipped] COM bridge: ${missing}\n`);
      this.skip();
    }
    buildCom(() => undefined);
    buildTestExe([path.join(HERE, 'argv-echo.c')], ECHO_EXE);

    // A fresh prefix that reports Windows 10 (Node refuses older versions), as .ci/install-10-wine.sh makes one.
    prefix = mkdtempSync(path.join(os.tmpdir(), 'keytool-com-wine-'));
    await wineIn(prefix, ['wineboot', '--init']);
    await wineIn(prefix, ['winecfg', '-v', 'win10']);
    spawnSync('wineserver', ['-w'], { env: { ...wineBaseEnv(), WINEPREFIX: prefix }, timeout: 120_000 });
    expect(readFileSync(path.join(prefix, 'system.reg'), 'utf8')).to.include('"ProductName"="Microsoft Windows 10"');

    work = mkdtempSync(path.join(os.tmpdir(), 'keytool-com-work-'));
    const small = generateSampleTenant({ count: 24, seed: 12 });
    const large = generateSampleTenant({ count: 3000, seed: 1212 });
    vbsEmu = await startEmulator({ apiKey, users: small.users, host: '127.0.0.1', port: 0 });
    const jsEmu = await startEmulator({ apiKey, users: small.users, host: '127.0.0.1', port: 0 });
    const largeEmu = await startEmulator({ apiKey, users: large.users, host: '127.0.0.1', port: 0 });
    emus.push(vbsEmu, jsEmu, largeEmu);

    const csv = exportMailboxCsv(small.mailboxes);
    const unicodeDir = path.join(work, '日本 Zoë ✓ 😀');
    const cafe = path.join(work, 'café');
    for (const d of [unicodeDir, cafe]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(work, 'mailboxes.csv'), csv);
    writeFileSync(path.join(cafe, 'mailboxes.csv'), csv);
    writeFileSync(path.join(unicodeDir, 'mailboxes é.csv'), csv);
    writeFileSync(path.join(work, 'large.csv'), exportMailboxCsv(large.mailboxes));
    // No address column at all: the reader refuses it (exit 2) before anything is sent.
    writeFileSync(path.join(work, 'bad.csv'), 'Name,Department\r\nA,B\r\n');
    writeFileSync(path.join(work, 'key.txt'), apiKey);

    // What the plans must hold, from the node entry (the scripts compare the exe's answers with these).
    const rowsOf = async (url: string, file: string) => {
      const r = await runCli(['plan', '--zivver-url', url, '--input', file, '--output', 'json', '--ignore-ledger', '--rate-limit', '1000/1'], {
        cwd: work,
        env: { ZIVVER_API_KEY: apiKey, ZIVVER_KEYTOOL_LEDGER: path.join(work, 'node-ledger.jsonl') },
      });
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as { rows: unknown[]; summary: { set: number } };
    };
    const smallPlan = await rowsOf(vbsEmu.url, 'mailboxes.csv');
    vbsSet = smallPlan.summary.set;
    const largePlan = await rowsOf(largeEmu.url, 'large.csv');
    vbsEmu.stats.writes = 0;
    writeFileSync(
      path.join(work, 'config.txt'),
      [
        `version=${packageVersion()}`,
        `echoExe=${winPath(ECHO_EXE)}`,
        `url=${vbsEmu.url}`,
        `jsUrl=${jsEmu.url}`,
        `largeUrl=${largeEmu.url}`,
        `rows=${smallPlan.rows.length}`,
        `accounts=${small.users.length}`,
        `largeRows=${largePlan.rows.length}`,
      ].join('\r\n') + '\r\n',
    );
    const reg = await wineIn(prefix, ['regsvr32', '/n', '/i:machine', winPath(BRIDGE_DLL_X64)]);
    expect(reg.code, `regsvr32 /n /i:machine: ${reg.stdout}${reg.stderr}`).to.equal(0);
  });

  after(async () => {
    for (const e of emus) await e.close();
    if (prefix) {
      spawnSync('wineserver', ['-k'], { env: { ...wineBaseEnv(), WINEPREFIX: prefix }, timeout: 60_000 });
      rmSync(prefix, { recursive: true, force: true });
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('regsvr32 /n /i:machine writes the class, ProgID, type library and interface under HKLM\\Software\\Classes', async () => {
    const dll = winPath(BRIDGE_DLL_X64);
    const clsid = await regQuery(`HKLM\\Software\\Classes\\CLSID\\${CLSID}`);
    expect(clsid.code, clsid.stderr).to.equal(0);
    expect(clsid.stdout).to.include(dll).and.to.include('Apartment').and.to.include('ZivverKeytool.Bridge.1');
    const progid = await regQuery('HKLM\\Software\\Classes\\ZivverKeytool.Bridge');
    expect(progid.stdout).to.include(CLSID).and.to.include('ZivverKeytool.Bridge.1');
    const tlb = await regQuery('HKLM\\Software\\Classes\\TypeLib\\{161376FD-45CF-4067-98A0-7EC2C65025F4}');
    expect(tlb.stdout).to.match(/win64/).and.to.include(dll);
    const itf = await regQuery('HKLM\\Software\\Classes\\Interface\\{62327F12-83A4-4C23-ACB4-146E44912801}');
    expect(itf.stdout).to.include('{00020424-0000-0000-C000-000000000046}');
  });

  it('VBScript: plan, apply --what-if and real, plan again, sync, rollback, bad input, a code-page path, a large plan', async () => {
    const r = await script('bridge.test.vbs');
    expect(r.code, r.stdout).to.equal(0);
    expect(r.tally.failed).to.equal(0);
    expect(r.tally.passed).to.be.greaterThan(40);
    // What the script's apply reported happened in Zivver: every set row written once (nothing by --what-if).
    expect(vbsSet).to.be.greaterThan(0);
    expect(vbsEmu.stats.writes).to.equal(vbsSet);
  });

  it('JScript: quoting, the API key only in the environment, errors, timeouts, 100,000 rows, full Unicode paths', async () => {
    const r = await script('bridge.test.js');
    expect(r.code, r.stdout).to.equal(0);
    expect(r.tally.failed).to.equal(0);
    expect(r.tally.passed).to.be.greaterThan(50);
  });

  it('per-user registration (regsvr32 without /i) writes HKCU\\Software\\Classes; regsvr32 /u removes all of it', async () => {
    const dll = winPath(BRIDGE_DLL_X64);
    const reg = await wineIn(prefix, ['regsvr32', '/s', dll]);
    expect(reg.code).to.equal(0);
    const user = await regQuery(`HKCU\\Software\\Classes\\CLSID\\${CLSID}`);
    expect(user.stdout).to.include(dll);
    expect((await regQuery('HKCU\\Software\\Classes\\ZivverKeytool.Bridge')).stdout).to.include(CLSID);
    const unreg = await wineIn(prefix, ['regsvr32', '/s', '/u', dll]);
    expect(unreg.code).to.equal(0);
    for (const key of [`CLSID\\${CLSID}`, 'ZivverKeytool.Bridge', 'ZivverKeytool.Bridge.1', 'TypeLib\\{161376FD-45CF-4067-98A0-7EC2C65025F4}', 'Interface\\{62327F12-83A4-4C23-ACB4-146E44912801}']) {
      const q = await regQuery(`HKCU\\Software\\Classes\\${key}`);
      expect(q.code, `HKCU\\Software\\Classes\\${key} is still there:\n${q.stdout}`).to.not.equal(0);
    }
    // the machine-wide registration is untouched
    expect((await regQuery(`HKLM\\Software\\Classes\\CLSID\\${CLSID}`)).code).to.equal(0);
  });

  it('regsvr32 /n /u /i:machine removes everything it wrote; CreateObject then fails', async () => {
    expect(await createObject(), 'CreateObject works while registered').to.equal('0');
    const unreg = await wineIn(prefix, ['regsvr32', '/n', '/u', '/i:machine', winPath(BRIDGE_DLL_X64)]);
    expect(unreg.code, unreg.stdout + unreg.stderr).to.equal(0);
    for (const key of [`CLSID\\${CLSID}`, 'ZivverKeytool.Bridge', 'ZivverKeytool.Bridge.1', 'TypeLib\\{161376FD-45CF-4067-98A0-7EC2C65025F4}', 'Interface\\{62327F12-83A4-4C23-ACB4-146E44912801}']) {
      const q = await regQuery(`HKLM\\Software\\Classes\\${key}`);
      expect(q.code, `HKLM\\Software\\Classes\\${key} is still there:\n${q.stdout}`).to.not.equal(0);
    }
    // 429: "ActiveX component can't create object"
    expect(await createObject()).to.equal('429');
  });

  it('the x86 build (for 32-bit hosts) is a PE32 i386 DLL with the five exports, only system imports, and its own type library', () => {
    const dump = spawnSync('i686-w64-mingw32-objdump', ['-p', BRIDGE_DLL_X86], { encoding: 'utf8' });
    expect(dump.status, dump.stderr).to.equal(0);
    expect(dump.stdout).to.match(/Magic\s+010b\s+\(PE32\)/);
    const head = spawnSync('i686-w64-mingw32-objdump', ['-f', BRIDGE_DLL_X86], { encoding: 'utf8' }).stdout;
    expect(head).to.match(/architecture: i386/);
    const exports = [...dump.stdout.matchAll(/^\s+\[\s*\d+\]\s+(Dll\w+)$/gm)].map((m) => m[1]).sort();
    expect(exports).to.deep.equal(['DllCanUnloadNow', 'DllGetClassObject', 'DllInstall', 'DllRegisterServer', 'DllUnregisterServer']);
    const imports = [...dump.stdout.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!.toUpperCase()).sort();
    expect(imports).to.deep.equal(['ADVAPI32.DLL', 'KERNEL32.DLL', 'MSVCRT.DLL', 'OLEAUT32.DLL']);
    // The embedded type library is the 32-bit one (SYS_WIN32 = 1 in its header): 64-bit hosts get the x64 DLL's.
    const bytes = readFileSync(BRIDGE_DLL_X86);
    const at = bytes.indexOf(Buffer.from('MSFT'));
    expect(at, 'an MSFT type library in the DLL').to.be.greaterThan(0);
    expect(bytes.readUInt32LE(at + 0x14) & 0xf, 'syskind').to.equal(1);
    const x64 = readFileSync(BRIDGE_DLL_X64);
    expect(x64.readUInt32LE(x64.indexOf(Buffer.from('MSFT')) + 0x14) & 0xf, 'x64 syskind').to.equal(3);
  });
});
