/**
 * The HTML reports as the commands write them: `plan --out plan.html` (and `rollback --out`),
 * `apply --report results.html` (and `sync --report`). src/report renders; this adds who ran the
 * command, the tool's version, and the rollback commands for the run.
 */
import os from 'node:os';
import type { ApplyRun } from '../apply/run.js';
import type { RowDetailsLookup } from '../core/rowDetails.js';
import type { PlanDocument } from '../core/types.js';
import { renderPlanReport } from '../report/planReport.js';
import { renderResultsReport, rollbackCommand } from '../report/resultsReport.js';
import { toolVersion } from './version.js';

/** "jdoe on ADMIN-PC": who ran the command, for the record on the page. */
export function whoRuns(env: NodeJS.ProcessEnv): string {
  let user = env.USERNAME ?? env.USER ?? '';
  try {
    user = os.userInfo().username || user;
  } catch {
    // No passwd entry (a container's odd uid): the environment's name, or none.
  }
  const host = os.hostname();
  return [user, host].filter(Boolean).join(' on ') || 'unknown';
}

/** The plan report renderer writePlanOutputs calls for a .html --out. */
export function planReportRenderer(plan: PlanDocument, env: NodeJS.ProcessEnv, details?: RowDetailsLookup): (otherFiles: string[]) => string {
  return (otherFiles) => renderPlanReport({ plan, ...(details ? { details } : {}), madeBy: whoRuns(env), toolVersion: toolVersion(), otherFiles });
}

/** The results page of one apply run. */
export function resultsReportHtml(run: ApplyRun, a: { planName: string; planFile: string | null; ledgerFile: string }, env: NodeJS.ProcessEnv, finished = new Date()): string {
  const { outcome } = run;
  const undo = !run.whatIf && run.journalFile && outcome.counts.updated > 0;
  return renderResultsReport({
    results: outcome.results,
    counts: outcome.counts,
    whatIf: run.whatIf,
    zivverUrl: run.url,
    plan: a.planFile ?? a.planName,
    planSha256: run.planSha256,
    runId: run.runId,
    journal: run.journalFile,
    started: run.startedAt,
    finished: finished.toISOString(),
    figures: { requests: run.stats.requests, throttled: run.stats.throttled, seconds: run.stats.seconds, readMode: run.stats.readMode, listings: run.stats.listings },
    alreadyDone: outcome.alreadyDone,
    notStarted: outcome.notStarted,
    interrupted: outcome.interrupted,
    // The ledger is named even when it is the default: another admin's default is another file.
    rollback: undo ? rollbackCommand({ zivverUrl: run.url, journal: run.journalFile!, ledger: a.ledgerFile }) : null,
    madeBy: whoRuns(env),
    toolVersion: toolVersion(),
  });
}
