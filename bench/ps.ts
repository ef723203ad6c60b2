/**
 * Benchmark section: the PowerShell module. Pipes 20,000 Get-EXOMailbox-shaped objects into
 * Get-ZivverKeyPlan against the emulator (in real pwsh) and compares the wall time with running
 * the CLI on the same data as a file; prints how many keytool processes the pipeline started
 * (must be 1). Skipped with a note when pwsh is not installed (.ci/install-20-pwsh.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSampleTenant, startEmulator } from '../src/emulator/index.js';
import { testSecret } from '../test/helpers/secrets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COUNT = Number(process.env.BENCH_PS_COUNT ?? 20_000);

function findPwsh(): string | undefined {
  for (const c of [process.env.PWSH, 'pwsh', path.join(os.homedir(), '.dotnet', 'tools', 'pwsh')]) {
    if (!c) continue;
    const r = spawnSync(c, ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return undefined;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

export async function run(): Promise<void> {
  console.log(`\n== PowerShell module: mailboxes of a ${COUNT.toLocaleString("en")}-account sample tenant piped into Get-ZivverKeyPlan`);
  const pwsh = findPwsh();
  if (!pwsh) {
    console.log('   skipped: pwsh not found (install it with .ci/install-20-pwsh.sh)');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ps-'));
  const apiKey = testSecret('bench-ps-key');
  const tenant = generateSampleTenant({ count: COUNT, seed: 11 });
  const emu = await startEmulator({ apiKey, users: tenant.users });
  try {
    const mbxFile = path.join(dir, 'mailboxes.json');
    writeFileSync(mbxFile, JSON.stringify(tenant.mailboxes));
    const env = { ...process.env, ZIVVER_API_KEY: apiKey, ZIVVER_KEYTOOL_PATH: path.join(ROOT, 'bin', 'zivver-keytool.js') };

    // 1. The CLI on the same data, as a file.
    const cli = await exec(
      process.execPath,
      [path.join(ROOT, 'bin', 'zivver-keytool.js'), 'plan', '--input', mbxFile, '--zivver-url', emu.url, '--ledger', path.join(dir, 'ledger.jsonl'), '--output', 'jsonl', '--progress', 'none'],
      env,
    );
    if (cli.code !== 0) throw new Error(`CLI plan failed (exit ${cli.code}): ${cli.stderr.slice(0, 500)}`);
    const cliRows = cli.stdout.split('\n').filter((l) => l.trim()).length;

    // 2. The module: objects in memory (read before the clock starts), piped into Get-ZivverKeyPlan.
    const script = path.join(dir, 'bench.ps1');
    writeFileSync(
      script,
      [
        '$ErrorActionPreference = "Stop"',
        `Import-Module ${JSON.stringify(path.join(ROOT, 'ps', 'ZivverAccountKey.psd1'))}`,
        `$mailboxes = @(Get-Content -LiteralPath ${JSON.stringify(mbxFile)} -Raw | ConvertFrom-Json)`,
        '$sw = [System.Diagnostics.Stopwatch]::StartNew()',
        `$rows = $mailboxes | Get-ZivverKeyPlan -ZivverUrl ${JSON.stringify(emu.url)} -LedgerPath ${JSON.stringify(path.join(dir, 'ledger.jsonl'))} -WarningAction SilentlyContinue | Measure-Object`,
        '$sw.Stop()',
        '$started = & (Get-Module ZivverAccountKey) { $script:ProcessStartCount }',
        '@{ ms = $sw.Elapsed.TotalMilliseconds; rows = $rows.Count; objects = $mailboxes.Count; processes = $started; ps = $PSVersionTable.PSVersion.ToString() } | ConvertTo-Json -Compress',
      ].join('\n'),
    );
    const ps = await exec(pwsh, ['-NoProfile', '-NonInteractive', '-File', script], env);
    if (ps.code !== 0) throw new Error(`pwsh benchmark failed (exit ${ps.code}): ${(ps.stderr || ps.stdout).slice(0, 800)}`);
    const r = JSON.parse(ps.stdout.trim().split('\n').pop()!) as { ms: number; rows: number; objects: number; processes: number; ps: string };

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`   CLI, same data as a file:          ${s(cli.ms)} wall (process start to exit), ${cliRows} rows`);
    console.log(`   pwsh ${r.ps} | Get-ZivverKeyPlan:   ${s(r.ms)} wall for the pipeline, ${r.rows} rows from ${r.objects} objects`);
    console.log(`   overhead of the module:             ${s(r.ms - cli.ms)} (${(r.ms / cli.ms).toFixed(2)}x the CLI alone; ${((r.ms - cli.ms) / r.objects * 1000).toFixed(0)} µs per object)`);
    console.log(`   keytool processes started:          ${r.processes} ${r.processes === 1 ? '(one per pipeline, as required)' : '(EXPECTED 1)'}`);
    console.log(`   pwsh process total (incl. startup, module import, reading the JSON): ${s(ps.ms)}`);
    if (r.processes !== 1 || r.rows !== r.objects) process.exitCode = 1;
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run on its own: node --import tsx bench/ps.ts
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
