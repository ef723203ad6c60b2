/**
 * Runs build/out/zivver-keytool.exe under Wine, the way CI proves the shipped exe works.
 *
 * With Wine 8, Node's stdout/stderr to a pipe fail (EBADF), so the exe's stdout and stderr go to
 * files (through `sh -c '... >out 2>err'`) and are read back. Secrets (ZIVVER_API_KEY, ...) reach the
 * exe through its environment only, never its command line. A test that needs Wine or the exe calls
 * `requireOrSkip(this, ...)`: skipped by name when missing, a failure when KEYTOOL_REQUIRE_ALL=1 (CI).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';
import { skipOrFail } from './skip.js';

export const EXE = path.join(REPO_ROOT, 'build', 'out', 'zivver-keytool.exe');
export const STAMP = EXE + '.stamp.json';

export interface ExeResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds, Wine start-up included. */
  ms: number;
}

/** The Wine environment .ci/env.sh sets up, with the same defaults when it was not sourced. */
export function wineBaseEnv(): NodeJS.ProcessEnv {
  const home = process.env.HOME ?? os.homedir();
  return {
    PATH: process.env.PATH,
    HOME: home,
    USER: process.env.USER,
    WINEPREFIX: process.env.WINEPREFIX ?? path.join(home, '.wine-zivver-keytool'),
    WINEDEBUG: process.env.WINEDEBUG ?? '-all',
    WINEDLLOVERRIDES: process.env.WINEDLLOVERRIDES ?? 'mscoree,mshtml=',
    WINEARCH: process.env.WINEARCH ?? 'win64',
  };
}

let wineCache: string | null | undefined;
/** `wine` (or `wine64`) from PATH, or undefined. */
export function findWine(): string | undefined {
  if (wineCache !== undefined) return wineCache ?? undefined;
  wineCache = null;
  for (const name of [process.env.KEYTOOL_WINE, 'wine', 'wine64'].filter(Boolean) as string[]) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8', env: wineBaseEnv(), timeout: 60_000 });
    if (r.status === 0 && /wine/i.test(r.stdout)) {
      wineCache = name;
      break;
    }
  }
  return wineCache ?? undefined;
}

/** A Unix path as the Windows process sees it (Wine maps / to drive Z:). */
export function winPath(p: string): string {
  return 'Z:' + path.resolve(p).split('/').join('\\');
}

/**
 * Runs the exe under Wine with `args`; `env` is added to a clean Wine environment (nothing else
 * from this process leaks in, so a missing ZIVVER_API_KEY is really missing).
 */
export function runExe(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string | Buffer; timeoutMs?: number; exe?: string } = {},
): Promise<ExeResult> {
  const wine = findWine();
  if (!wine) return Promise.reject(new Error('wine not found'));
  const io = mkdtempSync(path.join(os.tmpdir(), 'keytool-wine-io-'));
  const [inFile, outFile, errFile] = ['stdin', 'stdout', 'stderr'].map((n) => path.join(io, n));
  writeFileSync(inFile, opts.stdin ?? '');
  const started = Date.now();
  return new Promise<ExeResult>((resolve, reject) => {
    // $0 = wine, $1.. = exe and args: passed as arguments, never interpolated into the script.
    const child = spawn('sh', ['-c', 'exec "$0" "$@" <"$KT_IN" >"$KT_OUT" 2>"$KT_ERR"', wine, opts.exe ?? EXE, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...wineBaseEnv(), ...opts.env, KT_IN: inFile, KT_OUT: outFile, KT_ERR: errFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let shErr = '';
    child.stderr.on('data', (d) => (shErr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      rmSync(io, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      const result = {
        code: code ?? (signal ? 128 : -1),
        stdout: read(outFile),
        stderr: read(errFile) + shErr,
        ms: Date.now() - started,
      };
      rmSync(io, { recursive: true, force: true });
      resolve(result);
    });
  });
}

let exeState: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Builds the exe when it is missing or stale (`build/exe.ts --if-stale`: compares a hash of its
 * inputs with the stamp the last build left), once per test run. Needs dist/ (npm run build).
 */
export function ensureExe(): { ok: true } | { ok: false; reason: string } {
  if (exeState) return exeState;
  if (process.env.KEYTOOL_EXE_NO_BUILD === '1') {
    exeState = existsSync(EXE) ? { ok: true } : { ok: false, reason: `${path.relative(REPO_ROOT, EXE)} is missing (KEYTOOL_EXE_NO_BUILD=1)` };
    return exeState;
  }
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'build', 'exe.ts'), '--if-stale'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status === 0 && existsSync(EXE)) {
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    process.stderr.write(`      [exe] ${last} (${secs}s)\n`);
    exeState = { ok: true };
  } else {
    exeState = { ok: false, reason: `npm run build:exe failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(-2000)}` };
  }
  return exeState;
}

export type Need = 'wine' | 'exe';

/**
 * Skips the current test (or a `before` hook's suite) when Wine or the exe is missing, saying
 * what is missing in the test's title; fails instead when KEYTOOL_REQUIRE_ALL=1, so CI cannot pass
 * without running the exe.
 */
export function requireOrSkip(ctx: Mocha.Context, ...needs: Need[]): void {
  const want = needs.length ? needs : (['wine', 'exe'] as Need[]);
  const missing: string[] = [];
  if (want.includes('wine') && !findWine()) missing.push('wine not found (install it with .ci/install-10-wine.sh)');
  if (!missing.length && want.includes('exe')) {
    const s = ensureExe();
    if (!s.ok) missing.push(s.reason);
  }
  if (!missing.length) return;
  skipOrFail(ctx, missing.join('; '));
}
