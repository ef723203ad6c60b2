/**
 * Bench: apply N updates (BENCH_APPLY_ROWS; default 300, 2000 with `npm run bench -- --long`) against the emulator enforcing Zivver's
 * budget (50 requests / 10 s) with 20 ms latency, running the CLI as a real process. Prints
 * updates per second against the ceiling the budget allows for each read mode:
 *   --read listing: ~1 request per update → ceiling 5 updates/s
 *   --read fresh (default): GET + PUT per update → ceiling 2.5 updates/s
 * and requests per update, 429s received, failed rows. Speed is reported, never asserted.
 * BENCH_APPLY_MODES picks the modes (default "listing,fresh"); BENCH_APPLY_FRESH_ROWS sizes the
 * fresh run (default: a quarter of the rows, as it is twice as slow and proves the same ceiling).
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountFingerprint, rowCheck } from '../src/core/fingerprint.js';
import type { PlanDocument, PlanRow } from '../src/core/types.js';
import { startEmulator } from '../src/emulator/index.js';
import { LONG, runCliMeasured } from './util.js';
import { testSecret } from '../test/helpers/secrets.js';

const ZIV = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const API_KEY = testSecret('bench-apply-key');
const BUDGET = { budget: 50, windowSeconds: 10 };

function users(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    userName: `bench${i}@zorg.example`,
    name: { formatted: `Bench ${i}` },
    active: i % 10 !== 0,
    [ENT]: { division: '/' },
    [ZIV]: { SsoAccountKey: `old-${i}`, aliases: i % 3 ? [`b${i}@zorg.example`] : [], delegates: [] },
  }));
}

function plan(url: string, us: Array<{ id: string; userName: string }>): PlanDocument {
  const rows: PlanRow[] = us.map((u, i) => {
    const r: PlanRow = {
      line: i + 2, email: u.userName, zivverId: u.id, userName: u.userName, newKey: randomUUID(),
      action: 'set', reason: 'bench', fingerprint: accountFingerprint(u.id, u.userName),
    };
    return { ...r, check: rowCheck(r) };
  });
  return {
    kind: 'zivver-keyplan', formatVersion: 1, createdAt: new Date().toISOString(), zivverUrl: url, keySource: 'objectId',
    keyFormat: 'guid', inputs: [], summary: { set: rows.length, unchanged: 0, 'not-found': 0, ambiguous: 0, conflict: 0, invalid: 0, skipped: 0 }, rows,
  };
}

async function one(mode: 'listing' | 'fresh', rows: number): Promise<void> {
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, users: users(rows), rateLimit: BUDGET, latencyMs: 20 });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-bench-apply-'));
  try {
    const planFile = path.join(dir, 'plan.json');
    await fs.writeFile(planFile, JSON.stringify(plan(emu.url, emu.users())));
    emu.resetStats();
    const r = await runCliMeasured(
      ['apply', '--plan', planFile, '--zivver-url', emu.url, '--read', mode, '--ledger', path.join(dir, 'ledger.jsonl'), '--output', 'jsonl', '--progress', 'none'],
      { ZIVVER_API_KEY: API_KEY },
      dir,
    );
    const results = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string });
    const updated = results.filter((x) => x.status === 'updated').length;
    const failed = results.filter((x) => x.status === 'failed').length;
    const seconds = r.wallMs / 1000;
    const rate = updated / seconds;
    const perUpdate = emu.stats.requests / Math.max(1, updated);
    const ceiling = (BUDGET.budget / BUDGET.windowSeconds) / (mode === 'listing' ? 1 : 2);
    console.log(
      `apply --read ${mode.padEnd(7)} ${updated}/${rows} updated in ${seconds.toFixed(1)} s: ${rate.toFixed(2)} updates/s ` +
        `(ceiling ${ceiling} → ${((rate / ceiling) * 100).toFixed(0)}%), ${perUpdate.toFixed(3)} requests/update, ` +
        `${emu.stats.throttled} × 429, ${failed} failed, exit ${r.code}, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    if (r.code !== 0) console.log(r.stderr.split('\n').slice(-5).join('\n'));
  } finally {
    await emu.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  // 2,000 rows take ~7 minutes at Zivver's budget: only with --long, so the default bench stays short.
  const rows = Number(process.env.BENCH_APPLY_ROWS ?? (LONG ? 2000 : 300));
  const modes = (process.env.BENCH_APPLY_MODES ?? 'listing,fresh').split(',').map((m) => m.trim()) as Array<'listing' | 'fresh'>;
  const freshRows = Number(process.env.BENCH_APPLY_FRESH_ROWS ?? Math.max(1, Math.round(rows / 4)));
  console.log(`budget ${BUDGET.budget} requests / ${BUDGET.windowSeconds} s, 20 ms latency; the first ${BUDGET.budget} requests of a run are a burst, so small runs read above the ceiling`);
  for (const m of modes) await one(m, m === 'fresh' ? freshRows : rows);
}
