/**
 * Helpers to run the CLI: in-process (fast, for option and error tests) and as a real process
 * (end-to-end: exit code, stdout and stderr exactly as an admin sees them).
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'zivver-keytool.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main() in this process with captured streams. */
export async function runInProcess(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): Promise<RunResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(argv, {
    stdout: out,
    stderr: err,
    stdin: Readable.from([opts.stdin ?? '']),
    env: { ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Runs `node bin/zivver-keytool.js` as a child process (needs `npm run build` first). */
export function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string | Buffer; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: opts.cwd ?? REPO_ROOT,
      // A clean environment: only what the test gives, plus what Node needs to run.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SYSTEMROOT: process.env.SYSTEMROOT, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
