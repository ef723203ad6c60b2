/**
 * `zivver-keytool plan`: read users (files or Microsoft Graph) and Zivver's accounts, and decide
 * which account gets which key. Never writes to Zivver.
 */
import type { Argv } from 'yargs';
import { ExitCode } from '../../errors.js';
import { planSummaryLine } from '../../core/plan.js';
import type { PlanDocument, PlanRow } from '../../core/types.js';
import { buildPlan, guardPlanReads } from '../../plan/build.js';
import { FileGuard } from '../../store/fileGuard.js';
import { outputKind } from '../../store/outputFile.js';
import { planJsonlPieces, planJsonPieces, writePieces, writePlanOutputs } from '../../store/planWrite.js';
import { planRowContext } from '../../core/planDocument.js';
import { connectZivver } from '../../zivver/connection.js';
import type { KeytoolCommand } from '../command.js';
import { planReportRenderer } from '../reports.js';
import type { CommandContext } from '../context.js';
import {
  resolvePlanSettings,
  resolveZivverConnection,
  withCommonOptions,
  withGraphOptions,
  withOutputOptions,
  withPlanOptions,
  withSsoSafetyOptions,
  type CommonArgs,
  type GraphOptionArgs,
  type OutputOptionArgs,
  type PlanOptionArgs,
  type SsoSafetyArgs,
} from '../options.js';
import { renderTable, terminalWidth } from '../render.js';

export type PlanCommandArgs = CommonArgs &
  PlanOptionArgs &
  GraphOptionArgs &
  OutputOptionArgs &
  Partial<SsoSafetyArgs> & {
    detailedExitcode?: boolean;
  };

const PLAN_TABLE_COLUMNS = [
  { header: 'Line', value: (r: PlanRow) => String(r.line) },
  { header: 'Email', value: (r: PlanRow) => r.email, max: 40 },
  { header: 'Action', value: (r: PlanRow) => r.action },
  { header: 'New key', value: (r: PlanRow) => r.newKey, max: 38 },
  { header: 'Reason', value: (r: PlanRow) => r.reason, max: 90 },
];

/** Prints a plan on stdout in the chosen form; the summary line is the last line for people. */
export async function printPlan(plan: PlanDocument, output: OutputOptionArgs['output'], ctx: CommandContext, filteredOut: ReadonlySet<PlanRow> = new Set()): Promise<void> {
  const summary = planSummaryLine(plan.summary);
  if (output === 'json' || output === 'jsonl') {
    // In pieces of a hundred rows: neither one 50 MB string nor 100,000 separate writes.
    await writePieces(ctx.stdout, output === 'json' ? planJsonPieces(plan) : planJsonlPieces(plan.rows, planRowContext(plan)));
    ctx.logger.info(summary);
    return;
  }
  // People: every row that needs attention or action. Unchanged rows and rows the admin's own
  // filters left out are only counted: listing 300 "not in --include-emails" rows would bury the two that matter.
  const shown = plan.rows.filter((r) => r.action !== 'unchanged' && !filteredOut.has(r));
  if (shown.length) ctx.stdout.write(renderTable(shown, PLAN_TABLE_COLUMNS, { width: terminalWidth(ctx.stdout as { isTTY?: boolean; columns?: number }) }) + '\n');
  const hidden: string[] = [];
  if (plan.summary.unchanged) hidden.push(`${plan.summary.unchanged} unchanged`);
  const filtered = plan.rows.filter((r) => filteredOut.has(r)).length;
  if (filtered) hidden.push(`${filtered} filtered out`);
  if (hidden.length && plan.rows.length) ctx.stdout.write(`(${hidden.join(' and ')} rows not shown; --output json or --out plan.csv has them all)\n`);
  ctx.stdout.write(summary + '\n');
}

export const planCommand: KeytoolCommand<PlanCommandArgs> = {
  command: 'plan',
  describe: 'Build a plan: which Zivver account gets which new key (writes nothing to Zivver)',
  builder: (y: Argv) =>
    withSsoSafetyOptions(withOutputOptions(withGraphOptions(withPlanOptions(withCommonOptions(y)))))
      .option('detailed-exitcode', {
        type: 'boolean',
        default: false,
        describe: 'Exit 0 when nothing is to be set, 2 when something is, 1 on any error (Terraform\'s convention)',
        group: 'Output:',
      })
      .example('$0 plan --input mailboxes.csv --out plan.json --out plan.csv', 'Plan from a Get-EXOMailbox export')
      .example('$0 plan --input mailboxes.csv --out plan.json --out plan.html', 'The same, and one page for the change board to review')
      .example('$0 plan --input ad-users.csv --key-source objectGuid --include-emails "a@org.nl;b@org.nl"', 'Two users, keys from AD objectGUID')
      .example('$0 plan --input mailboxes.csv --previous-key-source objectGuid --out plan.json', 'First migration: record the objectGUIDs the Synctool set, so rollback can restore them')
      .example('$0 plan --source graph --tenant-id contoso.onmicrosoft.com --client-id <id> --certificate app.pfx --out plan.json', 'Users straight from Microsoft Graph')
      .example('$0 plan --input mailboxes.csv --key-source sso --verify-with-graph --tenant-id contoso.onmicrosoft.com --client-id <id> --certificate app.pfx --out plan.json', "Keys as the IdP sends them, each checked against Entra's user") as unknown as Argv<PlanCommandArgs>,
  run: async (args, ctx) => {
    const connection = resolveZivverConnection(args, ctx.env);
    const settings = resolvePlanSettings(args, ctx);
    for (const f of args.out ?? []) outputKind(f, { html: true });
    // Every file this run reads or writes, checked together before anything is read or sent.
    const files = guardPlanReads(FileGuard.forRun(ctx, args.force), settings, connection);
    for (const o of args.out ?? []) files.replaces(o, { option: '--out', what: 'an output' });
    await files.check();
    // The API key is read after every flag is checked and before any input is read.
    const client = await connectZivver(connection, ctx);
    // Display names and departments are kept only for an HTML report.
    const report = (args.out ?? []).some((f) => /\.html?$/i.test(f));
    const { plan, details, filteredOut } = await buildPlan(settings, { connection, client }, ctx, { details: report });
    for (const w of plan.warnings ?? []) ctx.logger.warn(w);
    if (args.out?.length) {
      const written = await writePlanOutputs(args.out, plan, { delimiter: args.csvDelimiter, bom: args.csvBom }, ctx.cwd, planReportRenderer(plan, ctx.env, details), {
        force: args.force,
        onFolderCreated: (dir) => ctx.logger.info(`Created the folder ${dir}`),
      });
      for (const f of written) ctx.logger.info(`Plan written to ${f}`);
    }
    await printPlan(plan, args.output, ctx, filteredOut);
    if (args.detailedExitcode) return plan.summary.set > 0 ? ExitCode.DetailedChanges : ExitCode.Ok;
    return ExitCode.Ok;
  },
  errorExitCode: (argv) => (detailedExitcodeAsked(argv) ? ExitCode.DetailedError : undefined),
};

/**
 * Whether a plan command line asks for --detailed-exitcode (the last word on it wins), read from
 * the raw argv so that it holds for command lines yargs refuses too: a script must never mistake
 * a typo for pending changes.
 */
export function detailedExitcodeAsked(argv: readonly string[]): boolean {
  let asked = false;
  argv.forEach((a, i) => {
    if (a === '--detailed-exitcode' || a === '--detailedExitcode') asked = argv[i + 1] !== 'false';
    else if (a === '--detailed-exitcode=true') asked = true;
    else if (a === '--no-detailed-exitcode' || a === '--detailed-exitcode=false') asked = false;
  });
  return asked;
}
