/**
 * One apply run as `apply` and `sync` perform it: the checks that refuse before anything is written
 * (stale URL, --max-changes, another plan's journal, a journal in use, --out naming a file of the
 * run), then the engine with the journal and the ledger. Takes settings, never flags; prints
 * nothing: the caller reports the returned run (src/cli/applyReport.ts) and picks the exit code.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { PlanDocument } from '../core/types.js';
import { StalePlanError, UsageError } from '../errors.js';
import { LedgerWriter, readLedgerKnowledge } from '../store/ledger.js';
import {
  JournalWriter,
  checkJournalPlan,
  defaultJournalPath,
  journalBelongs,
  defaultStdinJournalPath,
  planIdentity,
  readJournal,
  updatedRows,
  type ResultRow,
} from '../store/journal.js';
import type { RunContext } from '../util/runContext.js';
import { connectZivver, connectionUrl, type ZivverConnection } from '../zivver/connection.js';
import type { ScimClient } from '../zivver/types.js';
import { baseUrlString, validateZivverUrl } from '../zivver/url.js';
import { runApplyEngine, rowsToWrite, type ApplyOutcome, type ReadMode } from './engine.js';

/** How to apply (the apply options, resolved by src/cli/options.ts resolveApplyOptions). */
export interface ApplyOptions {
  /** --results: the journal the user named (checked to be this plan's); default beside the plan. */
  results?: string;
  whatIf: boolean;
  maxChanges?: number;
  concurrency: number;
  read: ReadMode;
  /** Seconds. */
  maxReadAge: number;
  allowOtherUrl: boolean;
}

export interface ApplySettings extends ApplyOptions {
  plan: PlanDocument;
  /** How to name the plan in messages ("stdin" for -). */
  planName: string;
  /** The plan's absolute path, or null when read from stdin. */
  planFile: string | null;
  zivver: ZivverConnection;
  /** The ledger, absolute (resolveLedgerFile). */
  ledgerFile: string;
  /** Files the caller will write the results to: refused when one is a file this run reads or appends. */
  outFiles?: readonly string[];
  /** Fresh reads: how old (ms) a PUT body may get before it is read again (tests; default 15 s). */
  maxWriteAgeMs?: number;
}

export interface ApplyHooks {
  /** The client to use (sync reuses plan's and its rate budget); else one is made from settings.zivver. */
  client?: ScimClient;
  /**
   * Asked once, after every refusal check and before the first write, when there is something to
   * write (not with --what-if): false cancels the run (nothing written).
   */
  confirm?: (count: number, url: string) => Promise<boolean>;
  /** Each row as it finishes (after the journal has it). */
  onResult?: (row: ResultRow) => void;
}

/** What a run did, for the report. */
export interface ApplyRun {
  outcome: ApplyOutcome;
  runId: string;
  planSha256: string;
  /** The Zivver base URL written to. */
  url: string;
  whatIf: boolean;
  /** The results journal written, or null with --what-if. */
  journalFile: string | null;
  stats: {
    seconds: number;
    requests: number;
    throttled: number;
    readMode: ReadMode;
    listings: number;
    maxReadAgeSeconds: number;
  };
}

export async function runApply(a: ApplySettings, ctx: RunContext, hooks: ApplyHooks = {}): Promise<ApplyRun> {
  const { logger } = ctx;
  // ---- refuse bad requests before reading or writing anything
  const url = connectionUrl(a.zivver);
  checkPlanUrl(a.plan, url, a.allowOtherUrl);

  const planSha256 = planIdentity(a.plan);
  const journalFile = path.resolve(
    ctx.cwd,
    a.results ?? (a.planFile ? defaultJournalPath(a.planFile) : defaultStdinJournalPath(ctx.cwd, planSha256)),
  );
  const ledgerFile = a.ledgerFile;
  checkOutPaths(a.outFiles ?? [], ctx.cwd, [
    [journalFile, 'the results journal'],
    [`${journalFile}.lock`, "the results journal's lock"],
    [ledgerFile, 'the ledger'],
    ...(a.planFile ? [[a.planFile, 'the plan'] as [string, string]] : []),
  ]);
  const planCreatedAt = a.plan.createdAt || undefined;
  const found = await readJournal(journalFile);
  // A journal named with --results must be this plan's; the default one of a plan made again
  // under the same name is moved aside when this run opens it (not with --what-if).
  if (found && a.results !== undefined) checkJournalPlan(found, journalFile, planSha256, planCreatedAt);
  const foreign = found !== null && !journalBelongs(found, planSha256, planCreatedAt);
  if (foreign && !found.headers.length && found.rows.length) checkJournalPlan(found, journalFile, planSha256, planCreatedAt);
  const previous = foreign ? null : found;
  for (const s of previous?.skipped ?? []) logger.warn(`results journal ${journalFile}:${s.line}: ignored (${s.reason})`);
  const toWrite = rowsToWrite(a.plan.rows, updatedRows(previous));
  const setRows = a.plan.rows.filter((r) => r.action === 'set').length;
  if (a.maxChanges !== undefined && toWrite.length > a.maxChanges) {
    throw new UsageError(
      `the plan would write ${toWrite.length} key(s)${setRows !== toWrite.length ? ` (${setRows - toWrite.length} of its ${setRows} set rows are already done)` : ''}, more than --max-changes ${a.maxChanges}.\n` +
        `  Nothing was written. Review the plan (${a.planFile ?? a.planName}); if it is right, run again with a higher --max-changes.`,
    );
  }

  const ledgerKnowledge = await readLedgerKnowledge(ledgerFile, { logger, zivverUrl: url });
  const client = hooks.client ?? (await connectZivver(a.zivver, ctx));

  if (!a.whatIf && toWrite.length && hooks.confirm && !(await hooks.confirm(toWrite.length, url))) {
    throw new UsageError('apply cancelled; nothing was written.');
  }

  // ---- from here on, files are written
  const runId = randomUUID();
  const journal = a.whatIf
    ? null
    : await JournalWriter.open(journalFile, {
        planSha256,
        ...(planCreatedAt ? { planCreatedAt } : {}),
        foreign: a.results !== undefined ? 'refuse' : 'move-aside',
        planName: a.planFile ?? a.planName,
        zivverUrl: url,
        runId,
      });
  if (journal?.movedAside) {
    logger.warn(`The results journal ${journalFile} belonged to another plan (made earlier under the same name); moved it to ${journal.movedAside}. This plan starts a new journal.`);
  } else if (foreign && journal) {
    logger.info(`The results journal ${journalFile} belonged to another plan and recorded no row; replaced it.`);
  } else if (foreign && a.whatIf) {
    logger.info(`The results journal ${journalFile} belongs to another plan (made earlier under the same name); apply will move it aside.`);
  }
  let ledger: LedgerWriter | null = null;
  let outcome: ApplyOutcome;
  const started = Date.now();
  const requestsBefore = client.stats.requests;
  const throttledBefore = client.stats.throttled;
  try {
    // Rows done between our first look and taking the lock (another run just finished) count too.
    const done = journal ? journal.done : updatedRows(previous);
    if (!a.whatIf) ledger = await LedgerWriter.open(ledgerFile);
    if (toWrite.length) {
      logger.info(
        `${a.whatIf ? 'What-if: checking' : 'Setting'} ${toWrite.length} key(s) at ${url}` +
          (a.read === 'listing' ? ` (reads from a listing at most ${a.maxReadAge} s old)` : '') +
          (journal ? `; results journal ${journalFile}` : '; nothing will be written'),
      );
    }
    if (setRows > toWrite.length) logger.info(`Resuming: ${setRows - toWrite.length} row(s) already updated according to ${journalFile}.`);
    outcome = await runApplyEngine(
      a.plan.rows,
      {
        client,
        journal,
        done,
        ledger,
        ledgerKnowledge,
        signal: ctx.signal,
        progress: ctx.progress,
        logger,
        ...(hooks.onResult ? { onResult: hooks.onResult } : {}),
      },
      {
        concurrency: a.concurrency,
        whatIf: a.whatIf,
        readMode: a.read,
        maxReadAgeMs: a.maxReadAge * 1000,
        ...(a.maxWriteAgeMs !== undefined ? { maxWriteAgeMs: a.maxWriteAgeMs } : {}),
        runId,
        zivverUrl: url,
        source: ledgerSource(a.plan, a.planName),
        ...(a.plan.previousKeySource ? { previousKeySource: a.plan.previousKeySource } : {}),
      },
    );
  } finally {
    await journal?.close();
    await ledger?.close();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    outcome,
    runId,
    planSha256,
    url,
    whatIf: a.whatIf,
    journalFile: journal ? journalFile : null,
    stats: {
      seconds: Math.round(seconds * 10) / 10,
      requests: client.stats.requests - requestsBefore,
      throttled: client.stats.throttled - throttledBefore,
      readMode: outcome.readMode,
      listings: outcome.listings,
      maxReadAgeSeconds: Math.round(outcome.maxReadAgeUsedMs / 100) / 10,
    },
  };
}

/** --out must not overwrite the files this run reads or appends to. */
function checkOutPaths(outs: readonly string[], cwd: string, taken: [string, string][]): void {
  const norm = (f: string) => {
    const p = path.resolve(cwd, f);
    return process.platform === 'win32' || process.platform === 'darwin' ? p.toLowerCase() : p;
  };
  for (const o of outs) {
    const hit = taken.find(([f]) => norm(f) === norm(o));
    if (hit) throw new UsageError(`--out ${o} is ${hit[1]} (${path.resolve(cwd, hit[0])}); nothing was written. Give --out another file name.`);
  }
}

/** Terraform's rule: a plan is applied to what it was planned against, or explicitly elsewhere. */
export function checkPlanUrl(plan: PlanDocument, url: string, allowOther: boolean): void {
  if (!plan.zivverUrl) return; // CSV and bare rows carry no URL: drift checks still protect each row
  let planned: string;
  try {
    planned = baseUrlString(validateZivverUrl(plan.zivverUrl));
  } catch {
    planned = plan.zivverUrl;
  }
  if (planned.toLowerCase() === url.toLowerCase() || allowOther) return;
  throw new StalePlanError(
    `the plan was made against ${planned}, but --zivver-url is ${url}.\n` +
      `  Nothing was written. Pass --zivver-url ${planned} to apply it where it was planned, or --allow-other-url if the same tenant is reached by another URL.`,
  );
}

function ledgerSource(plan: PlanDocument, planName: string): string {
  const inputs = plan.inputs.map((i) => i.name).filter(Boolean);
  return `${plan.keySource || 'key'} from ${inputs.length ? inputs.join(', ') : planName}`;
}

