import path from 'node:path';
import type { Argv } from 'yargs';
import type { KeytoolCommand } from '../command.js';
import {
  resolveApplyOptions,
  resolveApplyReporting,
  resolveLedgerFile,
  resolvePlanSettings,
  resolveZivverConnection,
  withApplyOptions,
  withApplyReadOptions,
  withCommonOptions,
  withGraphOptions,
  withOutputOptions,
  withPlanOptions,
  withSsoSafetyOptions,
  withReportOption,
  type ApplyOptionArgs,
  type ApplyReadArgs,
  type CommonArgs,
  type GraphOptionArgs,
  type OutputOptionArgs,
  type PlanOptionArgs,
  type SsoSafetyArgs,
  type ReportArgs,
} from '../options.js';
import { UsageError } from '../../errors.js';
import { planSummaryLine } from '../../core/plan.js';
import { buildPlan, guardPlanReads } from '../../plan/build.js';
import { FileGuard, writeOutputFile } from '../../store/fileGuard.js';
import { defaultJournalFor } from '../../apply/run.js';
import { planJsonPieces } from '../../store/planWrite.js';
import { connectZivver } from '../../zivver/connection.js';
import { applyAndReport } from '../applyReport.js';

export type SyncCommandArgs = CommonArgs & PlanOptionArgs & GraphOptionArgs & ApplyOptionArgs & OutputOptionArgs & ApplyReadArgs & Partial<SsoSafetyArgs> & ReportArgs & { outDir?: string };

/**
 * `sync`: plan, then apply that plan, in one run (scheduled tasks). `--max-changes` is required: an
 * unattended run must have a ceiling on what it may write. The plan and its results journal are
 * written beside each other in --out-dir (default: a `runs` folder beside the ledger, so a
 * scheduled task running in C:\Windows\System32 still has somewhere to write):
 *   <out-dir>/sync-<time>.plan.json  and  <out-dir>/sync-<time>.plan.json.results.jsonl
 * --out names files for the results (as with apply).
 */
export const syncCommand: KeytoolCommand<SyncCommandArgs> = {
  command: 'sync',
  describe: 'plan then apply in one run, for scheduled tasks',
  builder: (y) =>
    withReportOption(withSsoSafetyOptions(withApplyReadOptions(withOutputOptions(withApplyOptions(withGraphOptions(withPlanOptions(withCommonOptions(y))))))))
      .option('out-dir', { type: 'string', describe: 'Folder for the plan and its results journal (default: runs/ beside the ledger)', group: 'Files:' })
      .example('$0 sync --input mailboxes.csv --max-changes 50', 'Daily: write only keys that changed, at most 50')
      .example('$0 sync --input mailboxes.csv --max-changes 50 --report last-sync.html', 'The same, and what it did as one page for reviewers')
      .example('$0 sync --input mailboxes.csv --max-changes 50 --check-sso --tenant-id contoso.onmicrosoft.com --client-id <id> --certificate app.pfx', 'The same, refusing keys the IdP does not send') as unknown as Argv<SyncCommandArgs>,
  run: async (args, ctx) => {
    if (args.maxChanges === undefined) {
      throw new UsageError('sync needs --max-changes <N>: the most keys an unattended run may write (it refuses, writing nothing, when the plan has more).');
    }
    // Refuse a bad --out name before planning (planning reads the whole tenant).
    const reporting = resolveApplyReporting(args);
    const connection = resolveZivverConnection(args, ctx.env);
    const settings = resolvePlanSettings(args, ctx);
    const options = resolveApplyOptions(args);
    const ledgerFile = resolveLedgerFile(args, ctx);
    const outDir = path.resolve(ctx.cwd, args.outDir ?? path.join(path.dirname(ledgerFile), 'runs'));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const planFile = path.join(outDir, `sync-${stamp}.plan.json`);
    // The journal runApply will use (planSha256 only matters for a plan from stdin, never here).
    const journalFile = path.resolve(ctx.cwd, options.results ?? defaultJournalFor(planFile, options.resultsDir ? path.resolve(ctx.cwd, options.resultsDir) : undefined, ctx.cwd, ''));
    // The files of both halves, checked together before planning reads anything.
    const files = guardPlanReads(FileGuard.forRun(ctx, args.force), settings, connection)
      .replaces(planFile, { what: "this run's plan" })
      .appends(options.results ?? journalFile, options.results !== undefined ? { option: '--results', what: 'the results journal' } : { what: 'the results journal' }, 'journal')
      .keeps(`${journalFile}.lock`, { what: "the results journal's lock" })
      .appends(ledgerFile, { what: 'the ledger' }, 'ledger');
    for (const o of args.out ?? []) files.replaces(o, { option: '--out', what: 'an output' });
    files.replaces(reporting.report, { option: '--report', what: 'the HTML report' });
    await files.check();
    const client = await connectZivver(connection, ctx);
    const { plan } = await buildPlan(settings, { connection, client }, ctx);
    ctx.logger.info(planSummaryLine(plan.summary));
    await writeOutputFile(planFile, planJsonPieces(plan), {
      label: "this run's plan",
      onFolderCreated: (dir) => ctx.logger.info(`Created the folder ${dir}`),
    });
    ctx.logger.info(`Plan written to ${planFile}`);
    return applyAndReport(
      {
        plan,
        planName: planFile,
        planFile,
        zivver: connection,
        ledgerFile,
        ...options,
        ...reporting,
      },
      ctx,
      client,
    );
  },
};
