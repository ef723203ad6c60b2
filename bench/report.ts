/**
 * HTML reports at scale: the plan report of a 100,000-row plan (made by the real CLI against the
 * emulator) and the results report of 100,000 result rows; render time, file size and the time
 * headless Chromium takes to open the plan report (when chromium is installed).
 * BENCH_REPORT_USERS overrides the size.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PlanDocument } from '../src/core/types.js';
import { startEmulator } from '../src/emulator/index.js';
import { generateSampleTenant } from '../src/emulator/sampleTenant.js';
import { renderPlanReport } from '../src/report/planReport.js';
import { renderResultsReport, rollbackCommand } from '../src/report/resultsReport.js';
import type { ResultRow, ResultStatus } from '../src/store/journal.js';
import { findChromium, loadPage } from '../test/helpers/chromium.js';
import { testSecret } from '../test/helpers/secrets.js';
import { fmt, runCliMeasured } from './util.js';

export async function run(): Promise<void> {
  const count = Number(process.env.BENCH_REPORT_USERS ?? 100_000);
  const apiKey = testSecret('bench-report-key');
  const tenant = generateSampleTenant({ count, seed: 42 });
  const emulator = await startEmulator({ apiKey, users: tenant.users, paging: 'all' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-bench-report-'));
  try {
    const input = path.join(dir, 'mailboxes.jsonl');
    await writeFile(input, tenant.mailboxes.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const out = path.join(dir, 'plan.json');
    const r = await runCliMeasured(['plan', '--zivver-url', emulator.url, '--input', input, '--out', out, '--ignore-ledger', '--progress', 'none', '--quiet'], {
      ZIVVER_API_KEY: apiKey,
    });
    if (r.code !== 0) throw new Error(`plan exited ${r.code}: ${r.stderr}`);
    const plan = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;

    let t = performance.now();
    const planHtml = renderPlanReport({ plan, toolVersion: 'bench', otherFiles: ['plan.json'] });
    const planMs = performance.now() - t;
    const planFile = path.join(dir, 'plan.html');
    await writeFile(planFile, planHtml);
    console.log(`plan report: ${fmt(plan.rows.length, 0)} rows (${JSON.stringify(plan.summary)})`);
    console.log(`  render            ${fmt(planMs, 0)} ms`);
    console.log(`  file              ${fmt(Buffer.byteLength(planHtml) / 1024 / 1024, 1)} MiB`);

    const t0 = Date.parse('2026-11-30T06:00:00Z');
    const counts: Record<ResultStatus, number> = { updated: 0, 'would-update': 0, drifted: 0, failed: 0, skipped: 0 };
    const results: ResultRow[] = plan.rows.map((row, i) => {
      const status: ResultStatus = row.action !== 'set' ? 'skipped' : i % 500 === 7 ? 'failed' : i % 700 === 3 ? 'drifted' : 'updated';
      counts[status]++;
      return {
        email: row.email,
        zivverId: row.zivverId,
        newKey: row.newKey,
        status,
        httpStatus: status === 'failed' ? 400 : status === 'skipped' ? null : 200,
        error: status === 'failed' ? 'Invalid division: /x' : status === 'skipped' ? `not a set row (plan action: ${row.action})` : null,
        at: new Date(t0 + i * 400).toISOString(),
        userName: row.userName,
        line: row.line,
        runId: 'bench',
      };
    });
    t = performance.now();
    const resultsHtml = renderResultsReport({
      results,
      counts,
      whatIf: false,
      zivverUrl: plan.zivverUrl,
      plan: out,
      planSha256: '0'.repeat(64),
      runId: 'bench',
      journal: `${out}.results.jsonl`,
      started: new Date(t0).toISOString(),
      finished: new Date(t0 + results.length * 400).toISOString(),
      figures: { requests: counts.updated * 2, throttled: 0, seconds: results.length * 0.4, readMode: 'fresh', listings: 0 },
      rollback: rollbackCommand({ zivverUrl: plan.zivverUrl, journal: `${out}.results.jsonl` }),
      toolVersion: 'bench',
    });
    const resultsMs = performance.now() - t;
    console.log(`results report: ${fmt(results.length, 0)} result rows`);
    console.log(`  render            ${fmt(resultsMs, 0)} ms`);
    console.log(`  file              ${fmt(Buffer.byteLength(resultsHtml) / 1024 / 1024, 1)} MiB`);

    if (findChromium()) {
      t = performance.now();
      const loaded = await loadPage(planFile, dir);
      console.log(`  chromium opens the plan report (--dump-dom, start and exit included): ${fmt((performance.now() - t) / 1000, 1)} s, ${loaded.pageRequests.length} page requests`);
    } else {
      console.log('  (chromium not installed: no browser figure)');
    }
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}
