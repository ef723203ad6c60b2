/**
 * Plan at scale: 100,000 source users (a Get-EXOMailbox export as JSON lines) against 100,000
 * emulated Zivver accounts returned all at once, as Zivver does, with the 50/10 s budget on.
 * Prints wall time, requests sent and the CLI's peak memory. BENCH_PLAN_USERS overrides the size.
 */
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { generateSampleTenant } from '../src/emulator/sampleTenant.js';
import { fmt, runCliMeasured } from './util.js';
import { testSecret } from '../test/helpers/secrets.js';

export async function run(): Promise<void> {
  const count = Number(process.env.BENCH_PLAN_USERS ?? 100_000);
  const apiKey = testSecret('bench-plan-key');
  const t0 = Date.now();
  const tenant = generateSampleTenant({ count, seed: 42 });
  const emulator = await startEmulator({ apiKey, users: tenant.users, paging: 'all', rateLimit: { budget: 50, windowSeconds: 10 } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-bench-plan-'));
  try {
    const input = path.join(dir, 'mailboxes.jsonl');
    await writeFile(input, tenant.mailboxes.map((m) => JSON.stringify(m)).join('\n') + '\n');
    console.log(`setup: ${fmt(tenant.users.length, 0)} accounts, ${fmt(tenant.mailboxes.length, 0)} mailbox rows (${fmt((Date.now() - t0) / 1000)} s)`);
    emulator.resetStats();
    const out = path.join(dir, 'plan.json');
    const r = await runCliMeasured(
      ['plan', '--zivver-url', emulator.url, '--input', input, '--out', out, '--output', 'jsonl', '--ignore-ledger', '--progress', 'none'],
      { ZIVVER_API_KEY: apiKey },
    );
    if (r.code !== 0) throw new Error(`plan exited ${r.code}: ${r.stderr}`);
    const plan = JSON.parse(await readFile(out, 'utf8')) as { summary: Record<string, number> };
    const stats = emulator.stats;
    console.log(`plan: ${fmt(tenant.mailboxes.length, 0)} users vs ${fmt(tenant.users.length, 0)} accounts`);
    console.log(`  wall time         ${fmt(r.wallMs / 1000, 2)} s`);
    console.log(`  requests to Zivver ${stats.requests} (${fmt(stats.requests / tenant.mailboxes.length, 5)} per user), 429s: ${stats.throttled}`);
    console.log(`  peak memory (CLI) ${fmt(r.peakRssMiB, 0)} MiB`);
    console.log(`  summary           ${JSON.stringify(plan.summary)}`);
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}
