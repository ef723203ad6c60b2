/**
 * bench section `exe`: the packaged zivver-keytool.exe under Wine next to `node bin/zivver-keytool.js`.
 *   - exe size, SEA blob size, build time (from the stamp build:exe leaves beside the exe)
 *   - start-up of `--version`: the first run with no wineserver up (cold Wine), then the median of
 *     warm runs; the same through node
 *   - a 100-row plan against the emulator, median of a few runs, exe and node
 *   - SEA variants (BENCH_EXE_VARIANTS=0 to leave out): without and with useCodeCache (blob written
 *     by node.exe under Wine), and useSnapshot, built into build/out/variants/, same figures
 * Needs Wine and builds the exe when it is missing or stale. Prints figures; asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, ROOT } from './util.js';
import { testSecret } from '../test/helpers/secrets.js';

const EXE = path.join(ROOT, 'build', 'out', 'zivver-keytool.exe');
const BIN = path.join(ROOT, 'bin', 'zivver-keytool.js');
const API_KEY = testSecret('bench-exe-key');

interface Run {
  code: number;
  ms: number;
  stdout: string;
  stderr: string;
}

function wineEnv(): NodeJS.ProcessEnv {
  const home = process.env.HOME ?? os.homedir();
  return {
    PATH: process.env.PATH,
    HOME: home,
    WINEPREFIX: process.env.WINEPREFIX ?? path.join(home, '.wine-zivver-keytool'),
    WINEDEBUG: process.env.WINEDEBUG ?? '-all',
    WINEDLLOVERRIDES: process.env.WINEDLLOVERRIDES ?? 'mscoree,mshtml=',
  };
}

function findWine(): string | undefined {
  for (const w of ['wine', 'wine64']) if (spawnSync(w, ['--version'], { env: wineEnv() }).status === 0) return w;
  return undefined;
}

/** Runs a command with stdout/stderr to files (Wine 8 cannot give node.exe a pipe) and times it. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  const io = mkdtempSync(path.join(os.tmpdir(), 'keytool-bench-io-'));
  const out = path.join(io, 'out');
  const err = path.join(io, 'err');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('sh', ['-c', 'exec "$0" "$@" </dev/null >"$KT_OUT" 2>"$KT_ERR"', cmd, ...args], {
      cwd,
      env: { ...env, KT_OUT: out, KT_ERR: err },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const r = { code: code ?? -1, ms, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
      rmSync(io, { recursive: true, force: true });
      resolve(r);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function killWineserver(): void {
  spawnSync('wineserver', ['-k'], { env: wineEnv() });
  spawnSync('wineserver', ['-w'], { env: wineEnv() });
}

async function series(label: string, run: () => Promise<Run>, n: number): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) runs.push(await run());
  const ok = runs.filter((r) => r.code === 0);
  const ms = runs.map((r) => r.ms);
  const note = ok.length === runs.length ? '' : `  (${runs.length - ok.length} failed: exit ${runs.find((r) => r.code !== 0)?.code}, ${runs.find((r) => r.code !== 0)?.stderr.trim().split('\n')[0]})`;
  console.log(`  ${label.padEnd(46)} median ${fmt(median(ms), 0).padStart(6)} ms   min ${fmt(Math.min(...ms), 0).padStart(6)} ms   (n=${n})${note}`);
  return runs;
}

function buildVariant(name: string, env: Record<string, string>): { exe?: string; error?: string; seconds: number } {
  const dir = path.join(ROOT, 'build', 'out', 'variants');
  mkdirSync(dir, { recursive: true });
  const exe = path.join(dir, `${name}.exe`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'build', 'exe.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, KEYTOOL_EXE_OUT: exe },
    encoding: 'utf8',
  });
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) {
    const lines = (r.stderr + r.stdout).split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /Assertion failed|refused|rejected|Invalid/i.test(l)) ?? lines.find((l) => /failed/i.test(l)) ?? `exit ${r.status}`;
    return { error: why.slice(0, 300), seconds };
  }
  return { exe, seconds };
}

export async function run(): Promise<void> {
  const wine = findWine();
  if (!wine) {
    console.log('exe: skipped: wine not found (.ci/install-10-wine.sh)');
    return;
  }
  const b = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'build', 'exe.ts'), '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build:exe failed: ${b.stderr || b.stdout}`);
  const stamp = JSON.parse(readFileSync(EXE + '.stamp.json', 'utf8')) as {
    node: string;
    commit: string;
    buildSeconds: number;
    sea: unknown;
    blobBytes?: number;
    bundleBytes?: number;
  };
  console.log(`exe: ${path.relative(ROOT, EXE)} ${fmt(statSync(EXE).size / 1024 / 1024)} MiB (node ${stamp.node}, commit ${stamp.commit}, SEA ${JSON.stringify(stamp.sea)})`);
  console.log(
    `  bundle ${fmt((stamp.bundleBytes ?? NaN) / 1024, 0)} KiB, SEA blob ${fmt((stamp.blobBytes ?? NaN) / 1024, 0)} KiB; last full build:exe ${fmt(stamp.buildSeconds)} s`,
  );
  console.log(`  host node for comparison: ${process.version}; wine: ${spawnSync(wine, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);

  const env = wineEnv();
  const exeRun = (exe: string, args: string[], extra: NodeJS.ProcessEnv = {}, cwd = ROOT) => timed(wine, [exe, ...args], { ...env, ...extra }, cwd);
  const nodeRun = (args: string[], extra: NodeJS.ProcessEnv = {}, cwd = ROOT) =>
    timed(process.execPath, [BIN, ...args], { PATH: process.env.PATH, HOME: process.env.HOME, ...extra }, cwd);

  console.log('\n--version');
  killWineserver();
  const cold = await exeRun(EXE, ['--version']);
  console.log(`  exe under Wine, cold (no wineserver running)     ${fmt(cold.ms, 0).padStart(6)} ms   → ${cold.stdout.trim() || cold.stderr.trim().split('\n')[0]}`);
  await series('exe under Wine, warm', () => exeRun(EXE, ['--version']), 7);
  await series('node bin/zivver-keytool.js', () => nodeRun(['--version']), 7);

  // 100-row plan against the emulator (in this process), exe and node, same input.
  console.log('\nplan, 100 mailboxes against the emulator');
  const { generateSampleTenant, startEmulator } = await import('../src/emulator/index.js');
  const tenant = generateSampleTenant({ count: 100, seed: 3 });
  const emu = await startEmulator({ apiKey: API_KEY, users: tenant.users });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keytool-bench-exe-'));
  try {
    writeFileSync(path.join(dir, 'mailboxes.json'), JSON.stringify(tenant.mailboxes.slice(0, 100)));
    const argv = ['plan', '--zivver-url', emu.url, '--input', 'mailboxes.json', '--out', 'plan.json', '--ignore-ledger'];
    const keyEnv = { ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: 'ledger.jsonl' };
    const e = await series('exe under Wine', () => exeRun(EXE, argv, keyEnv, dir), 5);
    const n = await series('node bin/zivver-keytool.js', () => nodeRun(argv, keyEnv, dir), 5);
    const last = (r: Run[]) => r.at(-1)!.stdout.trim().split('\n').at(-1);
    if (e.at(-1)?.code === 0) console.log(`  exe: ${last(e)}\n  node: ${last(n)}`);

    if (process.env.BENCH_EXE_VARIANTS !== '0') {
      console.log('\nSEA variants (start-up, warm Wine)');
      const built: Array<{ name: string; exe: string }> = [];
      for (const [name, vars] of [
        ['no-code-cache', { KEYTOOL_SEA_CODE_CACHE: '0', KEYTOOL_SEA_SNAPSHOT: '0' }],
        ['code-cache', { KEYTOOL_SEA_CODE_CACHE: '1', KEYTOOL_SEA_SNAPSHOT: '0' }],
        ['snapshot', { KEYTOOL_SEA_CODE_CACHE: '0', KEYTOOL_SEA_SNAPSHOT: '1' }],
      ] as const) {
        const v = buildVariant(name, vars);
        if (!v.exe) {
          console.log(`  ${name}: build failed (${fmt(v.seconds)} s): ${v.error}`);
          continue;
        }
        const first = await exeRun(v.exe, ['--version']);
        const broken = first.code !== 0 || first.stderr !== '';
        console.log(
          `  ${name}: ${fmt(statSync(v.exe).size / 1024 / 1024)} MiB, built in ${fmt(v.seconds)} s` +
            (broken ? `; --version exit ${first.code}, stderr: ${first.stderr.trim().split('\n')[0]}` : ''),
        );
        if (!broken) built.push({ name, exe: v.exe });
      }
      // Round-robin, so load from elsewhere on the machine falls on every variant alike.
      for (const [what, args, extra, cwd, n] of [
        ['--version', ['--version'], {}, ROOT, 9],
        ['--help', ['--help'], {}, ROOT, 9],
        ['plan (100)', argv, keyEnv, dir, 5],
      ] as const) {
        const ms = new Map<string, number[]>(built.map((v) => [v.name, []]));
        for (let i = 0; i < n; i++) {
          for (const v of built) ms.get(v.name)!.push((await exeRun(v.exe, [...args], extra, cwd)).ms);
        }
        for (const v of built) {
          const xs = ms.get(v.name)!;
          console.log(`  ${`${v.name} ${what}`.padEnd(46)} median ${fmt(median(xs), 0).padStart(6)} ms   min ${fmt(Math.min(...xs), 0).padStart(6)} ms   (n=${n})`);
        }
      }
    }
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
