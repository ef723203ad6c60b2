/**
 * One apply run as `apply` and `sync` perform it: checks that refuse before anything is written
 * (stale URL, --max-changes, another plan's journal, a journal in use), then the engine with the
 * journal and ledger, then reporting (stdout as rows finish, --out files, the summary line) and
 * the exit code. Commands parse flags; this file decides.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { PlanDocument } from '../core/types.js';
import type { CommandContext } from '../cli/context.js';
import { ExitCode, InterruptedError, RecordError, StalePlanError, UsageError } from '../errors.js';
import { LedgerWriter, defaultLedgerPath, readLedgerKnowledge } from '../store/ledger.js';
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
import type { ScimClient } from '../zivver/types.js';
import { resolveProxyConfig } from '../util/proxy.js';
import { createScimClient } from '../zivver/client.js';
import { resolveApiKey } from '../zivver/apiKey.js';
import { parseRateLimit } from '../zivver/rateLimit.js';
import { baseUrlString, validateZivverUrl } from '../zivver/url.js';
import { runApplyEngine, rowsToWrite, type ApplyOutcome, type ReadMode } from './engine.js';
import { renderResultsTable, resultsOutputKind, summaryLine, writeResultOutputs } from './output.js';

export interface ApplyRunArgs {
  plan: PlanDocument;
  /** How to name the plan in messages ("stdin" for -). */
  planName: string;
  /** The plan's absolute path, or null when read from stdin. */
  planFile: string | null;
  zivverUrl: string;
  apiKeyFile?: string;
  rateLimit: string;
  /** --proxy (else HTTPS_PROXY ... from ctx.env). */
  proxy?: string;
  results?: string;
  whatIf: boolean;
  maxChanges?: number;
  /** --yes / --auto-approve: never ask for confirmation. */
  yes?: boolean;
  concurrency: number;
  read: ReadMode;
  /** Seconds. */
  maxReadAge: number;
  ledger?: string;
  allowOtherUrl: boolean;
  out?: string[];
  output: 'table' | 'json' | 'jsonl';
  csvDelimiter: string;
  csvBom: boolean;
  /** Fresh reads: how old (ms) a PUT body may get before it is read again (tests; default 15 s). */
  maxWriteAgeMs?: number;
}

export async function runApply(a: ApplyRunArgs, ctx: CommandContext, givenClient?: ScimClient): Promise<number> {
  const { logger } = ctx;
  // ---- refuse bad requests before reading or writing anything
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64; got ${a.concurrency}`);
  }
  if (a.maxChanges !== undefined && (!Number.isInteger(a.maxChanges) || a.maxChanges < 0)) {
    throw new UsageError(`--max-changes must be a whole number of 0 or more; got ${a.maxChanges}`);
  }
  if (!(a.maxReadAge > 0) || a.maxReadAge > 3600) throw new UsageError(`--max-read-age must be more than 0 and at most 3600 seconds; got ${a.maxReadAge}`);
  for (const f of a.out ?? []) resultsOutputKind(f);
  const url = baseUrlString(validateZivverUrl(a.zivverUrl));
  checkPlanUrl(a.plan, url, a.allowOtherUrl);
  const rateLimit = parseRateLimit(a.rateLimit);
  const proxy = resolveProxyConfig(a.proxy, ctx.env);

  const planSha256 = planIdentity(a.plan);
  const journalFile = path.resolve(
    ctx.cwd,
    a.results ?? (a.planFile ? defaultJournalPath(a.planFile) : defaultStdinJournalPath(ctx.cwd, planSha256)),
  );
  const ledgerFile = path.resolve(ctx.cwd, a.ledger ?? defaultLedgerPath(ctx.env));
  checkOutPaths(a.out ?? [], ctx.cwd, [
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
  const client =
    givenClient ??
    createScimClient({
      baseUrl: url,
      apiKey: await resolveApiKey({ apiKeyFile: a.apiKeyFile, env: ctx.env, cwd: ctx.cwd }),
      rateLimit,
      logger,
      proxy,
      // Ctrl-C cancels waits (budget, Retry-After, backoff), never a write already sent.
      signal: ctx.signal,
    });

  // Like Terraform: a person at a terminal who gave neither --yes nor --max-changes confirms.
  if (!a.whatIf && !a.yes && a.maxChanges === undefined && toWrite.length && isTty(ctx.stdin) && isTty(ctx.stderr)) {
    const answer = await ask(
      ctx,
      `\nWrite ${toWrite.length} key(s) to ${url}?\n` +
        `  Each account's SSO key (SsoAccountKey) is replaced; users whose IdP does not send the new key cannot log in.\n` +
        `  Only 'yes' will be accepted to approve.\n\n  Enter a value: `,
    );
    if (answer.trim() !== 'yes') throw new UsageError('apply cancelled; nothing was written.');
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
        onResult: (row) => {
          if (a.output === 'jsonl') ctx.stdout.write(JSON.stringify(row) + '\n');
        },
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

  // ---- report
  const seconds = (Date.now() - started) / 1000;
  const requests = client.stats.requests - requestsBefore;
  const writes = outcome.counts.updated + outcome.counts['would-update'];
  const stats = {
    seconds: Math.round(seconds * 10) / 10,
    requests,
    throttled: client.stats.throttled - throttledBefore,
    readMode: outcome.readMode,
    listings: outcome.listings,
    maxReadAgeSeconds: Math.round(outcome.maxReadAgeUsedMs / 100) / 10,
  };
  if (a.out?.length) {
    await writeResultOutputs(a.out, ctx.cwd, outcome.results, { csvDelimiter: a.csvDelimiter, csvBom: a.csvBom }, {
      planSha256,
      plan: a.planFile ?? a.planName,
      zivverUrl: url,
      runId,
      whatIf: a.whatIf,
      counts: outcome.counts,
      journal: journal ? journalFile : null,
    });
  }
  if (a.output === 'json') {
    ctx.stdout.write(JSON.stringify({ kind: 'zivver-keyresults', runId, whatIf: a.whatIf, counts: outcome.counts, stats, results: outcome.results }, null, 2) + '\n');
  } else if (a.output === 'table') {
    const shown = outcome.results.filter((r) => r.status !== 'skipped');
    if (shown.length) ctx.stdout.write(renderResultsTable(shown));
  }
  logger.info(
    `${requests} request(s) in ${stats.seconds} s` +
      (writes ? `, ${(requests / writes).toFixed(2)} per ${a.whatIf ? 'row' : 'update'}` : '') +
      `, ${stats.throttled} throttled (429)` +
      (outcome.readMode === 'listing' || outcome.listings ? `; ${outcome.listings} listing(s), oldest read written back ${stats.maxReadAgeSeconds} s old` : ''),
  );
  if (outcome.counts.failed) {
    const maybe = outcome.results.filter((r) => r.mayHaveBeenApplied).length;
    logger.warn(
      `${outcome.counts.failed} row(s) failed` +
        (maybe ? ` (${maybe} of them may have been applied anyway)` : '') +
        `; run the same command again to retry them${journal ? ` (journal: ${journalFile})` : ''}.`,
    );
  }
  // When interrupted, the InterruptedError below gives the advice (once).
  if (outcome.notStarted && !outcome.interrupted) {
    logger.warn(`${outcome.notStarted} row(s) were not started; run the same command again to do them.`);
  }
  const line = summaryLine(outcome.counts, a.whatIf, {
    alreadyDone: outcome.alreadyDone,
    notStarted: outcome.notStarted,
    interrupted: outcome.interrupted,
  });
  // The summary is the last line for people; with --output json/jsonl stdout is for programs only.
  if (a.output === 'table') ctx.stdout.write(line + '\n');
  else logger.info(line);

  if (outcome.interrupted) {
    throw new InterruptedError(
      `interrupted: ${outcome.notStarted} row(s) not started${journal ? `; run the same command again to resume (journal: ${journalFile})` : ''}`,
    );
  }
  if (outcome.fatal) {
    // A journal or ledger that cannot be written stops the run, whatever Zivver did.
    if (outcome.fatal instanceof RecordError) throw outcome.fatal;
    // Nothing written at all: the key or the connection is the problem (exit 3); else a partial run.
    if (outcome.counts.updated === 0) throw outcome.fatal;
    logger.error(outcome.fatal.message);
    return ExitCode.Partial;
  }
  return outcome.counts.failed || outcome.counts.drifted ? ExitCode.Partial : ExitCode.Ok;
}

function isTty(stream: unknown): boolean {
  return Boolean(stream && (stream as { isTTY?: boolean }).isTTY);
}

/** Asks on stderr and reads one line from stdin ('' at end of input). */
async function ask(ctx: CommandContext, question: string): Promise<string> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: false });
  try {
    ctx.stderr.write(question);
    const lines = rl[Symbol.asyncIterator]();
    const onAbort = () => rl.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const first = await lines.next();
      return first.done ? '' : String(first.value);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    rl.close();
  }
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

export type { ResultRow };
