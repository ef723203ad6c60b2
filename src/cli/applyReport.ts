/**
 * `apply` and `sync` after their flags are resolved: asks at a terminal, runs src/apply/ and
 * reports what it did (stdout as rows finish, --out files, the table, the summary line last) and
 * the exit code.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runApply, type ApplySettings } from '../apply/run.js';
import { ExitCode, InterruptedError, RecordError } from '../errors.js';
import type { PlanRow } from '../core/types.js';
import type { ResultRow, ResultStatus } from '../core/records.js';
import { rowKey } from '../store/journal.js';
import { writeOutputFile } from '../store/fileGuard.js';
import { shown } from '../core/shown.js';
import { drained } from '../store/planWrite.js';
import { writeResultOutputs } from '../store/resultsWrite.js';
import type { ScimClient } from '../zivver/types.js';
import type { CommandContext } from './context.js';
import { resultsReportHtml } from './reports.js';
import { checkResultOutputs, type ApplyReporting } from './options.js';
import { renderTable } from './render.js';

export interface ApplyReportSettings extends ApplySettings, ApplyReporting {}

export async function applyAndReport(a: ApplyReportSettings, ctx: CommandContext, client?: ScimClient): Promise<number> {
  const { logger } = ctx;
  checkResultOutputs(a.out);
  // Like Terraform: a person at a terminal who gave neither --yes nor --max-changes confirms.
  const ask = !a.yes && a.maxChanges === undefined && isTty(ctx.stdin) && isTty(ctx.stderr);
  const run = await runApply({ ...a, outFiles: a.out ?? [], ...(a.report ? { reportFile: a.report } : {}) }, ctx, {
    ...(client ? { client } : {}),
    ...(ask
      ? {
          confirm: async (count: number, url: string) =>
            (
              await askLine(
                ctx,
                `\nWrite ${count} key(s) to ${url}?\n` +
                  `  Each account's SSO key (SsoAccountKey) is replaced; users whose IdP does not send the new key cannot log in.\n` +
                  `  Only 'yes' will be accepted to approve.\n\n  Enter a value: `,
              )
            ).trim() === 'yes',
        }
      : {}),
    // A canary is confirmed by --canary-ok, or by a person at the console (never by --yes).
    ...(!a.yes && isTty(ctx.stdin) && isTty(ctx.stderr)
      ? {
          confirmCanary: async (c) =>
            (
              await askLine(
                ctx,
                `\nThis plan's canary (${c.addresses.join(', ')}) was written ${c.started}.\n` +
                  `  Did the SSO login to Zivver work for each of them? Only 'yes' writes the rest of the plan.\n\n  Enter a value: `,
              )
            ).trim() === 'yes',
        }
      : {}),
    onResult: (row) => {
      // A pipe whose reader is slower than the run (PowerShell, a redirect) holds the next rows back:
      // 100,000 skipped rows are not queued in memory as one pile of pending writes.
      if (a.output === 'jsonl' && !ctx.stdout.write(JSON.stringify(row) + '\n')) return drained(ctx.stdout);
    },
  });

  // ---- report
  const { outcome, stats, journalFile } = run;
  const writes = outcome.counts.updated + outcome.counts['would-update'];
  if (a.out?.length) {
    await writeResultOutputs(a.out, ctx.cwd, outcome.results, { csvDelimiter: a.csvDelimiter, csvBom: a.csvBom }, {
      planSha256: run.planSha256,
      plan: a.planFile ?? a.planName,
      zivverUrl: run.url,
      runId: run.runId,
      whatIf: a.whatIf,
      counts: outcome.counts,
      journal: journalFile,
    }, { force: a.force, onFolderCreated: (dir) => logger.info(`Created the folder ${dir}`) });
  }
  if (a.report) {
    // Written for interrupted and partial runs too: that is when reviewers need it most.
    const reportFile = path.resolve(ctx.cwd, a.report);
    await writeOutputFile(reportFile, resultsReportHtml(run, a, ctx.env), {
      force: a.force,
      onFolderCreated: (dir) => logger.info(`Created the folder ${dir}`),
      label: `--report ${shown(a.report)}`,
    });
    logger.info(`Report written to ${reportFile}`);
  }
  if (a.output === 'json') {
    ctx.stdout.write(JSON.stringify({ kind: 'zivver-keyresults', runId: run.runId, whatIf: a.whatIf, counts: outcome.counts, stats, results: outcome.results }, null, 2) + '\n');
  } else if (a.output === 'table') {
    const listed = outcome.results.filter((r) => r.status !== 'skipped');
    if (listed.length) ctx.stdout.write(renderResultsTable(listed));
  }
  logger.info(
    `${stats.requests} request(s) in ${stats.seconds} s` +
      (writes ? `, ${(stats.requests / writes).toFixed(2)} per ${a.whatIf ? 'row' : 'update'}` : '') +
      `, ${stats.throttled} throttled (429)` +
      (outcome.readMode === 'listing' || outcome.listings ? `; ${outcome.listings} listing(s), oldest read written back ${stats.maxReadAgeSeconds} s old` : ''),
  );
  if (outcome.counts.failed) {
    const maybe = outcome.results.filter((r) => r.mayHaveBeenApplied).length;
    logger.warn(
      `${outcome.counts.failed} row(s) failed` +
        (maybe ? ` (${maybe} of them may have been applied anyway)` : '') +
        `; run the same command again to retry them${journalFile ? ` (journal: ${journalFile})` : ''}.`,
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
  if (run.canary && !a.whatIf && outcome.counts.updated > 0 && journalFile) {
    const text = canaryInstructions(run.canary.rows, outcome.results, { url: run.url, planRef: a.planFile ?? a.planName, journalFile, waiting: run.canary.waiting, fromStdin: a.planFile === null });
    // People read it on stdout; the PowerShell module (--output jsonl) shows warnings.
    if (a.output === 'table') ctx.stdout.write(text + '\n');
    else logger.warn(text);
  }
  // The summary is the last line for people; with --output json/jsonl stdout is for programs only.
  if (a.output === 'table') ctx.stdout.write(line + '\n');
  else logger.info(line);

  if (outcome.interrupted) {
    throw new InterruptedError(
      `interrupted: ${outcome.notStarted} row(s) not started${journalFile ? `; run the same command again to resume (journal: ${journalFile})` : ''}`,
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

/**
 * The line people (and scripts grepping logs) look for last. With --what-if the rows that would be
 * written are counted as "would update" and the line says nothing was written.
 */
export function summaryLine(
  c: Record<ResultStatus, number>,
  whatIf: boolean,
  more: { alreadyDone?: number; notStarted?: number; interrupted?: boolean } = {},
): string {
  // Rows an earlier run already did are `skipped` rows in the results, but counted apart here.
  const already = more.alreadyDone ?? 0;
  const tail =
    (more.interrupted ? `, ${more.notStarted ?? 0} not started` : '') + (already ? `, ${already} already done` : '') + '.';
  const rest = `${c.drifted} drifted, ${c.failed} failed, ${c.skipped - already} skipped${tail}`;
  const head = more.interrupted ? 'Apply interrupted' : 'Apply complete';
  return whatIf
    ? `${head} (what-if, nothing written): ${c['would-update']} would update, ${rest}`
    : `${head}: ${c.updated} updated, ${rest}`;
}

/** After a canary run: exactly how to test the SSO login for its accounts, and the two ways on. */
export function canaryInstructions(
  rows: readonly PlanRow[],
  results: readonly ResultRow[],
  o: { url: string; planRef: string; journalFile: string; waiting: number; fromStdin: boolean },
): string {
  const byKey = new Map(results.map((r) => [rowKey(r), r]));
  const written = rows.filter((r) => byKey.get(rowKey(r))?.status === 'updated').length;
  const lines = [
    '',
    `Canary written: ${written} of ${rows.length} account(s); ${o.waiting} other key(s) wait until you confirm.`,
    'Test the SSO login for each of them now, as that user (a private browser window, signed in to Entra ID as them):',
  ];
  for (const r of rows) {
    const res = byKey.get(rowKey(r));
    lines.push(`  - ${r.userName || r.email}: key ${r.newKey}${res && res.status !== 'updated' ? ` (NOT written: ${res.status}${res.error ? `, ${res.error}` : ''})` : ''}`);
  }
  lines.push(
    `  1. Open ${loginUrl(o.url)}, enter the address and sign in with SSO (or open Zivver from My Apps, https://myapps.microsoft.com).`,
    '  2. It works when Zivver opens the mailbox without asking for a Zivver password; an error that the account is unknown,',
    '     or a request to link the account, means the key now in Zivver is not what the IdP sends (see zivver-keytool sso-check).',
    `  All logins work:  zivver-keytool apply --plan ${o.fromStdin ? '<the same plan>' : o.planRef} --canary-ok   (writes the other ${o.waiting})`,
    `  A login fails:    zivver-keytool rollback --results ${o.journalFile} --out rollback.json`,
    "                    zivver-keytool apply --plan rollback.json   (restores the canary accounts' previous keys)",
  );
  return lines.join('\n');
}

/** Zivver's login page for a SCIM URL (https://app.zivver.com/api/scim/v2 → https://app.zivver.com/login). */
function loginUrl(scimUrl: string): string {
  try {
    return `${new URL(scimUrl).origin}/login`;
  } catch {
    return 'https://app.zivver.com/login';
  }
}

export function renderResultsTable(rows: readonly ResultRow[]): string {
  return renderTable(rows, [
    { header: 'STATUS', value: (r) => r.status },
    { header: 'USERNAME', value: (r) => r.userName || r.email, max: 40 },
    { header: 'NEW KEY', value: (r) => r.newKey, max: 38 },
    { header: 'HTTP', value: (r) => (r.httpStatus === null ? '' : String(r.httpStatus)) },
    { header: 'DETAIL', value: (r) => r.error ?? '', max: 100 },
  ]);
}


function isTty(stream: unknown): boolean {
  return Boolean(stream && (stream as { isTTY?: boolean }).isTTY);
}

/** Asks on stderr and reads one line from stdin ('' at end of input). */
async function askLine(ctx: CommandContext, question: string): Promise<string> {
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
