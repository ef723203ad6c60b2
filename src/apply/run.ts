/**
 * One apply run as `apply` and `sync` perform it: the checks that refuse before anything is written
 * (stale URL, every file of the run together in the file guard, --max-changes, another plan's
 * journal, a journal in use), then the engine with the journal and the ledger. Takes settings, never flags; prints
 * nothing: the caller reports the returned run (src/cli/applyReport.ts) and picks the exit code.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { selectCanaryRows } from '../core/canary.js';
import type { PlanDocument, PlanRow } from '../core/types.js';
import { StalePlanError, UsageError } from '../errors.js';
import { LedgerWriter, readLedgerKnowledge } from '../store/ledger.js';
import {
  JournalWriter,
  checkJournalPlan,
  defaultJournalPath,
  journalBelongs,
  defaultStdinJournalPath,
  pendingCanary,
  planIdentity,
  readJournal,
  rowKey,
  updatedRows,
  type ResultRow,
} from '../store/journal.js';
import { FileGuard } from '../store/fileGuard.js';
import type { RunContext } from '../util/runContext.js';
import { connectZivver, connectionUrl, type ZivverConnection } from '../zivver/connection.js';
import type { ScimClient } from '../zivver/types.js';
import { baseUrlString, validateZivverUrl } from '../zivver/url.js';
import { runApplyEngine, rowsToWrite, type ApplyOutcome, type ReadMode } from './engine.js';

/** How to apply (the apply options, resolved by src/cli/options.ts resolveApplyOptions). */
export interface ApplyOptions {
  /** --results: the journal the user named (checked to be this plan's); default beside the plan. */
  results?: string;
  /** --results-dir: the folder of the default journal (named after the plan file, or the plan's identity). */
  resultsDir?: string;
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
  /** Replace read-only --out files (--force). */
  force?: boolean;
  /** --report: the HTML page of the results (written by the caller), guarded with the other files. */
  reportFile?: string;
  /** Fresh reads: how old (ms) a PUT body may get before it is read again (tests; default 15 s). */
  maxWriteAgeMs?: number;
  /** apply --canary: write only the set rows of these addresses (parsed, lower-case). */
  canary?: string[];
  /** apply --canary-ok: the canary's SSO logins worked; write the rest. */
  canaryOk?: boolean;
}

export interface ApplyHooks {
  /** The client to use (sync reuses plan's and its rate budget); else one is made from settings.zivver. */
  client?: ScimClient;
  /**
   * Asked once, after every refusal check and before the first write, when there is something to
   * write (not with --what-if): false cancels the run (nothing written).
   */
  confirm?: (count: number, url: string) => Promise<boolean>;
  /** Each row as it finishes (after the journal has it); a promise returned holds the next row back. */
  onResult?: (row: ResultRow) => unknown;
  /**
   * Asked when this plan has a canary that is not confirmed and --canary-ok was not given (a person
   * at a console): true confirms it, false cancels (nothing written). Without it such a run refuses.
   */
  confirmCanary?: (canary: PendingCanary) => Promise<boolean>;
}

/** A canary written earlier for this plan and not confirmed yet. */
export interface PendingCanary {
  addresses: string[];
  /** When the (first) canary run started. */
  started: string;
  planRef: string;
  journalFile: string;
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
  /** apply --canary: the canary rows, and how many set rows wait for --canary-ok. */
  canary?: { rows: PlanRow[]; waiting: number };
  /** When the run started writing (or checking, with --what-if), ISO. */
  startedAt: string;
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
  const canary = a.canary ? canaryRows(a.plan, a.canary) : null;

  const planSha256 = planIdentity(a.plan);
  const journalFile = path.resolve(ctx.cwd, a.results ?? defaultJournalFor(a.planFile, a.resultsDir ? path.resolve(ctx.cwd, a.resultsDir) : undefined, ctx.cwd, planSha256));
  const ledgerFile = a.ledgerFile;
  // Every file this run reads, appends to or writes, checked together before anything is sent.
  const files = FileGuard.forRun(ctx, a.force);
  // Named as given (the plan's name resolves to its file; the journal as --results gave it).
  files.reads(a.planFile ? a.planName : null, { option: '--plan', what: 'the plan' });
  const journalRole = a.results !== undefined ? { option: '--results', what: 'the results journal' } : { what: 'the results journal' };
  const ledgerRole = { what: 'the ledger' };
  if (a.whatIf) {
    files.reads(a.results ?? journalFile, journalRole).reads(ledgerFile, ledgerRole);
  } else {
    files.appends(a.results ?? journalFile, journalRole, 'journal').appends(ledgerFile, ledgerRole, 'ledger');
    files.keeps(`${journalFile}.lock`, { what: "the results journal's lock" });
  }
  files.reads(a.zivver.apiKeyFile, { what: 'the API key file' });
  for (const o of a.outFiles ?? []) files.replaces(o, { option: '--out', what: 'an output' });
  files.replaces(a.reportFile, { option: '--report', what: 'the HTML report' });
  await files.check();
  const planCreatedAt = a.plan.createdAt || undefined;
  const found = await readJournal(journalFile);
  // A journal named with --results must be this plan's; the default one of a plan made again
  // under the same name is moved aside when this run opens it (not with --what-if).
  if (found && a.results !== undefined) checkJournalPlan(found, journalFile, planSha256, planCreatedAt);
  const foreign = found !== null && !journalBelongs(found, planSha256, planCreatedAt);
  if (foreign && !found.headers.length && found.rows.length) checkJournalPlan(found, journalFile, planSha256, planCreatedAt);
  const previous = foreign ? null : found;
  for (const s of previous?.skipped ?? []) logger.warn(`results journal ${journalFile}:${s.line}: ignored (${s.reason})`);
  const canaryKeys = canary ? new Set(canary.map(rowKey)) : null;
  const toWrite = rowsToWrite(a.plan.rows, updatedRows(previous)).filter((r) => !canaryKeys || canaryKeys.has(rowKey(r)));
  const setRows = canary ? canary.length : a.plan.rows.filter((r) => r.action === 'set').length;
  // A canary written earlier and not confirmed: nothing more is written until it is.
  const pending = canary ? null : pendingCanary(previous);
  let canaryOk = false;
  if (pending && !a.whatIf) {
    canaryOk = await confirmCanary(a, { ...pending, planRef: a.planFile ?? a.planName, journalFile }, updatedRows(previous), hooks);
  } else if (pending) {
    logger.warn(`This plan's canary (${pending.addresses.join(', ')}) is not confirmed yet; apply will refuse to write more until --canary-ok.`);
  } else if (a.canaryOk) {
    logger.warn(`--canary-ok: no unconfirmed canary is recorded in ${journalFile}; going on as a normal apply.`);
  }
  if (a.maxChanges !== undefined && toWrite.length > a.maxChanges) {
    throw new UsageError(
      `the plan would write ${toWrite.length} key(s)${setRows !== toWrite.length ? ` (${setRows - toWrite.length} of its ${setRows} set rows are already done)` : ''}, more than --max-changes ${a.maxChanges}.\n` +
        `  Nothing was written. Review the plan (${a.planFile ?? a.planName}); if it is right, run again with a higher --max-changes.`,
    );
  }

  const ledgerKnowledge = await readLedgerKnowledge(ledgerFile, { logger, zivverUrl: url });
  const client = hooks.client ?? (await connectZivver(a.zivver, ctx));

  // A confirmed canary was the test: the person confirmed what the rest does.
  if (!a.whatIf && toWrite.length && !canaryOk && hooks.confirm && !(await hooks.confirm(toWrite.length, url))) {
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
        ...(a.canary ? { canary: a.canary } : {}),
        ...(canaryOk ? { canaryOk: true } : {}),
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
        ...(canaryKeys
          ? { holdBack: (r: PlanRow) => (canaryKeys.has(rowKey(r)) ? null : 'not in the canary (--canary): written once the canary is confirmed with --canary-ok') }
          : {}),
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
    ...(canary ? { canary: { rows: canary, waiting: a.plan.rows.filter((r) => r.action === 'set' && !canaryKeys!.has(rowKey(r))).length } } : {}),
    startedAt: new Date(started).toISOString(),
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

/** The set rows a --canary names; UsageError (nothing written) for an address that names none. */
function canaryRows(plan: PlanDocument, addresses: readonly string[]): PlanRow[] {
  const sel = selectCanaryRows(plan.rows, addresses);
  if (sel.problems.length) {
    throw new UsageError(`--canary: ${sel.problems.join('; ')}.\n  Nothing was written. Name set rows of this plan (their email or Zivver userName).`);
  }
  return sel.rows;
}

/**
 * A plan whose canary is not confirmed: goes on with --canary-ok or when the person at the console
 * confirms (hooks.confirmCanary); otherwise refuses (exit 2, nothing written). Also refuses while
 * the canary's own rows are not all written.
 */
async function confirmCanary(a: ApplySettings, pending: PendingCanary, done: ReadonlyMap<string, ResultRow>, hooks: ApplyHooks): Promise<boolean> {
  const notDone = selectCanaryRows(a.plan.rows, pending.addresses).rows.filter((r) => !done.has(rowKey(r)));
  const list = pending.addresses.join(', ');
  if (notDone.length) {
    throw new UsageError(
      `this plan's canary (${list}) is not complete: ${notDone.map((r) => r.userName || r.email).join(', ')} not updated yet.\n` +
        `  Nothing was written. Run the canary again: zivver-keytool apply --plan ${pending.planRef} --canary "${pending.addresses.join(';')}"`,
    );
  }
  if (a.canaryOk) return true;
  const undo = `zivver-keytool rollback --results ${pending.journalFile} --out rollback.json, then zivver-keytool apply --plan rollback.json`;
  if (hooks.confirmCanary) {
    if (await hooks.confirmCanary(pending)) return true;
    throw new UsageError(`apply cancelled; nothing was written. If a canary login failed, undo the canary: ${undo}`);
  }
  throw new UsageError(
    `this plan's canary (${list}, written ${pending.started}) is not confirmed.\n` +
      `  Nothing was written. Test the SSO login for those accounts; if it works: zivver-keytool apply --plan ${pending.planRef} --canary-ok\n` +
      `  If a login failed: ${undo}`,
  );
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

/** The default journal: beside the plan file, or named after the plan's identity (stdin); in --results-dir when given. */
export function defaultJournalFor(planFile: string | null, dir: string | undefined, cwd: string, planSha256: string): string {
  if (!planFile) return defaultStdinJournalPath(dir ?? cwd, planSha256);
  const beside = defaultJournalPath(planFile);
  return dir ? path.join(dir, path.basename(beside)) : beside;
}

/** What the ledger records as a key's source: the plan's key source and the inputs its rows came from. */
function ledgerSource(plan: PlanDocument, planName: string): string {
  const inputs = plan.inputs.map((i) => i.name).filter(Boolean);
  return `${plan.keySource || 'key'} from ${inputs.length ? inputs.join(', ') : planName}`;
}

