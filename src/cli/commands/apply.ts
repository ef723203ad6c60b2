import type { Argv } from 'yargs';
import type { KeytoolCommand } from '../command.js';
import {
  resolveApplyOptions,
  resolveApplyReporting,
  resolveCanary,
  resolveLedgerFile,
  resolveZivverConnection,
  withApplyOptions,
  withApplyReadOptions,
  withCanaryOptions,
  withCommonOptions,
  withLedgerOption,
  withOutputOptions,
  withReportOption,
  type ApplyOptionArgs,
  type ApplyReadArgs,
  type CanaryArgs,
  type CommonArgs,
  type LedgerArgs,
  type OutputOptionArgs,
  type ReportArgs,
} from '../options.js';
import { readPlanDetailed } from '../../store/planRead.js';
import { maxInputBytes } from '../../util/boundedRead.js';
import { applyAndReport } from '../applyReport.js';

export type ApplyCommandArgs = CommonArgs &
  ApplyOptionArgs &
  OutputOptionArgs &
  ApplyReadArgs &
  LedgerArgs &
  Partial<CanaryArgs> &
  ReportArgs & {
    plan: string;
  };

export const applyCommand: KeytoolCommand<ApplyCommandArgs> = {
  command: 'apply',
  describe: 'Carry out the set rows of a plan',
  builder: (y) =>
    withLedgerOption(
      withReportOption(withCanaryOptions(withApplyReadOptions(withOutputOptions(withApplyOptions(withCommonOptions(y)))))).option('plan', {
        alias: 'p',
        type: 'string',
        demandOption: true,
        // nargs 1: take the next word as the value even when it is "-" (stdin).
        nargs: 1,
        describe: 'Plan to apply: .json document, .csv rows (Excel-edited is fine), JSON lines, or - for stdin',
        group: 'Apply:',
      }),
    )
      .example('$0 apply --plan plan.json --what-if', 'Show what would be written')
      .example('$0 apply --plan plan.json --max-changes 500', 'Write the keys (refuse if more than 500)')
      .example('$0 apply --plan plan.json --max-changes 500 --report results.html', 'The same, and the results as one page for the change board')
      .example('$0 apply --plan plan.json', 'Run again after a failure or Ctrl-C: resumes from plan.json.results.jsonl')
      .example('$0 apply --plan plan.json --canary "a@org.nl;b@org.nl"', 'Write two accounts first, then test their SSO login')
      .example('$0 apply --plan plan.json --canary-ok', 'Their logins worked: write the rest') as unknown as Argv<ApplyCommandArgs>,
  run: async (args, ctx) => {
    // Output names are checked before the plan is read: a typo costs nothing.
    const reporting = resolveApplyReporting(args);
    const read = await readPlanDetailed(args.plan, { stdin: ctx.stdin, cwd: ctx.cwd, maxBytes: maxInputBytes(args.maxInputSize), signal: ctx.signal });
    for (const w of read.warnings) ctx.logger.warn(w);
    const options = resolveApplyOptions(args);
    const canary = resolveCanary(args);
    return applyAndReport(
      {
        plan: read.plan,
        planName: read.name,
        planFile: read.file,
        zivver: resolveZivverConnection(args, ctx.env),
        ledgerFile: resolveLedgerFile(args, ctx),
        ...options,
        ...canary,
        ...reporting,
      },
      ctx,
    );
  },
};
