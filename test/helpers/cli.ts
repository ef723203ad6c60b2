/**
 * Helpers to run the CLI: in-process (fast, for option and error tests) and as a real process
 * (end-to-end: exit code, stdout and stderr exactly as an admin sees them).
 */
import { PassThrough, Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { runNode, type ChildResult } from './child.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'zivver-keytool.js');

export type RunResult = ChildResult;

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
  // A clean environment: only what the test gives, plus what Node needs to run.
  return runNode([BIN, ...argv], { cwd: opts.cwd ?? REPO_ROOT, env: opts.env, stdin: opts.stdin ?? '', timeoutMs: opts.timeoutMs ?? 120_000 });
}
