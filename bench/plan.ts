/**
 * Plan at scale: 104,000 source users (a Get-EXOMailbox export as JSON lines) against 100,000
 * emulated Zivver accounts returned all at once, as Zivver does, with the 50/10 s budget on.
 *
 * Beside the CLI's wall time it measures, in the same run, the floor no plan can beat: a child
 * process that downloads the listing and JSON.parses it, then reads the input file and parses
 * every line (what any plan must at least do). Prints the plan's time as a multiple of that floor
 * (goal: at most 1.5x), the CLI's peak memory (goal: under 400 MiB, for `sync` too), and how long
 * the emulator takes to serve the listing, saying so when the emulator is the slowest part.
 * Floor and plan run alternately BENCH_PLAN_RUNS times (default 3); the best of each counts (the
 * machine is shared, and noise only ever adds time). BENCH_PLAN_USERS overrides the size.
 * `--profile` writes CPU and heap profiles of the last plan run to bench/profiles/.
 */
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { generateSampleTenant } from '../src/emulator/sampleTenant.js';
import { fmt, PROFILE_DIR, runCliMeasured, runScriptMeasured, type ChildFigures } from './util.js';
import { testSecret } from '../test/helpers/secrets.js';

const MEMORY_GOAL_MIB = 400;
const TIME_GOAL = 1.5;

/** The floor: download + JSON.parse the listing, read + parse the input; times from inside the child. */
const FLOOR_SCRIPT = `
import { readFileSync } from 'node:fs';
const t0 = performance.now();
const res = await fetch(process.env.BENCH_URL + '/Users?startIndex=1&count=1000', {
  headers: { Authorization: 'Bearer ' + process.env.ZIVVER_API_KEY, Accept: 'application/scim+json' },
});
const bytes = Buffer.from(await res.arrayBuffer());
const t1 = performance.now();
const accounts = JSON.parse(bytes.toString('utf8')).Resources.length;
const t2 = performance.now();
let users = 0;
for (const line of readFileSync(process.env.BENCH_INPUT, 'utf8').split('\\n')) if (line.trim()) { JSON.parse(line); users++; }
const t3 = performance.now();
console.log(JSON.stringify({ download: t1 - t0, parse: t2 - t1, input: t3 - t2, bytes: bytes.length, accounts, users }));
`;

/** Only the download (the emulator's part): bytes received and dropped. */
const DOWNLOAD_SCRIPT = `
const t0 = performance.now();
const res = await fetch(process.env.BENCH_URL + '/Users?startIndex=1&count=1000', {
  headers: { Authorization: 'Bearer ' + process.env.ZIVVER_API_KEY, Accept: 'application/scim+json' },
});
let bytes = 0;
for await (const chunk of res.body) bytes += chunk.length;
console.log(JSON.stringify({ download: performance.now() - t0, bytes }));
`;

interface FloorFigures {
  wallMs: number;
  download: number;
  parse: number;
  input: number;
  bytes: number;
  accounts: number;
  users: number;
}

function parseChild<T>(r: ChildFigures, what: string): T {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

const s = (ms: number) => `${fmt(ms / 1000, 2)} s`;

export async function run(): Promise<void> {
  const count = Number(process.env.BENCH_PLAN_USERS ?? 100_000);
  const runs = Math.max(1, Number(process.env.BENCH_PLAN_RUNS ?? 3));
  const apiKey = testSecret('bench-plan-key');
  const t0 = Date.now();
  const tenant = generateSampleTenant({ count, seed: 42 });
  const emulator = await startEmulator({ apiKey, users: tenant.users, paging: 'all', rateLimit: { budget: 50, windowSeconds: 10 } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-bench-plan-'));
  try {
    const input = path.join(dir, 'mailboxes.jsonl');
    await writeFile(input, tenant.mailboxes.map((m) => JSON.stringify(m)).join('\n') + '\n');
    console.log(`setup: ${fmt(tenant.users.length, 0)} accounts, ${fmt(tenant.mailboxes.length, 0)} mailbox rows (${fmt((Date.now() - t0) / 1000)} s)`);
    const env = { ZIVVER_API_KEY: apiKey, BENCH_URL: emulator.url, BENCH_INPUT: input };

    // The first listing renders every user; later ones send what the emulator keeps ready.
    const cold = parseChild<{ download: number; bytes: number }>(await runScriptMeasured(DOWNLOAD_SCRIPT, env), 'download');

    const floors: FloorFigures[] = [];
    const plans: ChildFigures[] = [];
    const out = path.join(dir, 'plan.json');
    const planArgv = ['plan', '--zivver-url', emulator.url, '--input', input, '--out', out, '--output', 'jsonl', '--ignore-ledger', '--progress', 'none'];
    for (let i = 0; i < runs; i++) {
      const f = await runScriptMeasured(FLOOR_SCRIPT, env);
      floors.push({ wallMs: f.wallMs, ...parseChild<Omit<FloorFigures, 'wallMs'>>(f, 'floor') });
      emulator.resetStats();
      const profile = PROFILE_DIR && i === runs - 1 ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--heap-prof', '--heap-prof-dir', PROFILE_DIR] : [];
      const r = await runCliMeasured(planArgv, { ZIVVER_API_KEY: apiKey }, undefined, profile);
      if (r.code !== 0) throw new Error(`plan exited ${r.code}: ${r.stderr}`);
      plans.push(r);
    }
    const stats = emulator.stats;
    const plan = JSON.parse(await readFile(out, 'utf8')) as { summary: Record<string, number> };
    const floor = floors.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const best = plans.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const peak = Math.max(...plans.map((p) => p.peakRssMiB));
    const ratio = best.wallMs / floor.wallMs;
    const download = Math.min(...floors.map((f) => f.download));
    const share = download / best.wallMs;

    console.log(`plan: ${fmt(tenant.mailboxes.length, 0)} users vs ${fmt(tenant.users.length, 0)} accounts (${fmt(floor.bytes / 2 ** 20, 0)} MiB listing; best of ${runs})`);
    console.log(
      `  floor             ${s(floor.wallMs)} (a node process: download the listing ${s(floor.download)} + JSON.parse ${s(floor.parse)}, ` +
        `read + parse the input ${s(floor.input)})`,
    );
    console.log(`  wall time         ${s(best.wallMs)} = ${fmt(ratio, 2)}x the floor (goal at most ${TIME_GOAL}x: ${ratio <= TIME_GOAL ? 'met' : 'NOT MET'}); runs: ${plans.map((p) => s(p.wallMs)).join(', ')}`);
    console.log(`  peak memory (CLI) ${fmt(peak, 0)} MiB (goal under ${MEMORY_GOAL_MIB} MiB: ${peak < MEMORY_GOAL_MIB ? 'met' : 'NOT MET'})`);
    // The stats were reset before each plan run: they are the last run's.
    console.log(`  requests to Zivver ${stats.requests} per plan (${fmt(stats.requests / tenant.mailboxes.length, 5)} per user), 429s: ${stats.throttled}`);
    console.log(
      `  emulator          serves the listing in ${s(download)} (the first time, rendering every user: ${s(cold.download)}); ` +
        `${fmt(share * 100, 0)}% of the plan's wall time: ` +
        (share >= 0.5 ? 'THE EMULATOR IS THE BOTTLENECK of this benchmark' : 'not the bottleneck'),
    );
    console.log(`  summary           ${JSON.stringify(plan.summary)}`);
    if (PROFILE_DIR) console.log(`  profiles          ${PROFILE_DIR} (open the .cpuprofile and .heapprofile files in Chrome DevTools)`);

    await benchSync(tenant, emulator.url, apiKey, dir, input);
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `sync` on the same data, writing 10 keys (--include-emails): the memory of a daily run. */
async function benchSync(tenant: ReturnType<typeof generateSampleTenant>, url: string, apiKey: string, dir: string, input: string): Promise<void> {
  const missing = new Set(tenant.facts.missingInZivver);
  const picked = tenant.mailboxes
    .filter((m) => m.RecipientTypeDetails === 'UserMailbox' && !missing.has(m.PrimarySmtpAddress))
    .slice(0, 10)
    .map((m) => m.PrimarySmtpAddress);
  const argv = [
    'sync', '--zivver-url', url, '--input', input, '--include-emails', picked.join(';'), '--max-changes', String(picked.length),
    '--ledger', path.join(dir, 'ledger.jsonl'), '--out-dir', path.join(dir, 'runs'), '--output', 'jsonl', '--progress', 'none',
  ];
  const r = await runCliMeasured(argv, { ZIVVER_API_KEY: apiKey });
  const updated = r.stdout.split('\n').filter((l) => l.includes('"updated"')).length;
  console.log(
    `sync: the same ${fmt(tenant.mailboxes.length, 0)} users, ${updated} of ${picked.length} keys written (exit ${r.code}) in ${s(r.wallMs)}; ` +
      `peak memory (CLI) ${fmt(r.peakRssMiB, 0)} MiB (goal under ${MEMORY_GOAL_MIB} MiB: ${r.peakRssMiB < MEMORY_GOAL_MIB ? 'met' : 'NOT MET'})`,
  );
  if (r.code !== 0) console.log(r.stderr.split('\n').slice(-5).join('\n'));
}
