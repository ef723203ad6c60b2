/** Shared bench helpers: run the CLI as a child and report its wall time and peak memory. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '../test/helpers/child.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildFigures {
  code: number;
  wallMs: number;
  /** Peak resident set size of the child, in MiB. */
  peakRssMiB: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs dist/cli/main.js in a child that reports its own peak RSS (process.resourceUsage) on exit,
 * so the figure is the CLI's alone, not the emulator's.
 */
export async function runCliMeasured(argv: string[], env: NodeJS.ProcessEnv, cwd = ROOT, nodeArgs: string[] = []): Promise<ChildFigures> {
  const script = `
    const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'main.js'))});
    const code = await main(JSON.parse(process.env.BENCH_ARGV));
    process.stderr.write('\\nBENCH_RSS ' + process.resourceUsage().maxRSS + '\\n');
    process.exitCode = code;`;
  const started = process.hrtime.bigint();
  const r = await runNode([...nodeArgs, '--input-type=module', '-e', script], { cwd, env: { ...env, BENCH_ARGV: JSON.stringify(argv) } });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const m = /BENCH_RSS (\d+)/.exec(r.stderr);
  return { code: r.code, wallMs, peakRssMiB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout, stderr: r.stderr.replace(/\nBENCH_RSS \d+\n/, '') };
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `npm run bench -- --long`: the long variants (the 2,000-row apply). */
export const LONG = process.argv.includes('--long');

/** `npm run bench -- plan --profile`: CPU and heap profiles of the measured CLI runs, written here. */
export const PROFILE_DIR = process.argv.includes('--profile') ? path.join(ROOT, 'bench', 'profiles') : undefined;

/** Runs `node -e <script>` (an ES module) as a child and reports its wall time and peak memory. */
export async function runScriptMeasured(script: string, env: NodeJS.ProcessEnv, cwd = ROOT): Promise<ChildFigures> {
  const started = process.hrtime.bigint();
  const r = await runNode(['--input-type=module', '-e', `${script}\nprocess.stderr.write('\\nBENCH_RSS ' + process.resourceUsage().maxRSS + '\\n');`], { cwd, env });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const m = /BENCH_RSS (\d+)/.exec(r.stderr);
  return { code: r.code, wallMs, peakRssMiB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout, stderr: r.stderr.replace(/\nBENCH_RSS \d+\n/, '') };
}
