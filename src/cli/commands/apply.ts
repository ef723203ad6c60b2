import type { Argv } from 'yargs';
import type { KeytoolCommand } from '../command.js';
import {
  withApplyOptions,
  withCommonOptions,
  withOutputOptions,
  type ApplyOptionArgs,
  type CommonArgs,
  type OutputOptionArgs,
} from '../options.js';
import { readPlanDetailed } from '../../store/planRead.js';
import { runApply, type ApplyRunArgs } from '../../apply/run.js';
import type { ReadMode } from '../../apply/engine.js';

/** Options apply and sync share beyond src/cli/options.ts: how accounts are read, and the URL guard. */
export function withApplyReadOptions<T>(y: Argv<T>) {
  return y
    .option('read', {
      choices: ['fresh', 'listing'] as const,
      default: 'fresh' as const,
      describe:
        'How each account is read before its write: fresh = GET per account (2 requests per row, safest); ' +
        'listing = from a listing at most --max-read-age old (~1 request per row, twice as fast)',
      group: 'Apply:',
    })
    .option('max-read-age', {
      type: 'number',
      default: 30,
      describe: 'With --read listing: the oldest (seconds) a listing may be when its data is written back',
      group: 'Apply:',
    })
    .option('allow-other-url', {
      type: 'boolean',
      default: false,
      describe: 'Apply a plan made against another --zivver-url (the same tenant reached by another URL)',
      group: 'Apply:',
    });
}
export type ApplyReadArgs = { read: ReadMode; maxReadAge: number; allowOtherUrl: boolean };

/** The apply settings `apply` and `sync` share: everything but the plan and the ledger. */
export function applySettingsFrom(
  args: Omit<ApplyCommandArgs, 'plan' | 'ledger'>,
): Omit<ApplyRunArgs, 'plan' | 'planName' | 'planFile' | 'ledger'> {
  return {
    zivverUrl: args.zivverUrl,
    apiKeyFile: args.apiKeyFile,
    rateLimit: args.rateLimit,
    proxy: args.proxy,
    results: args.results,
    whatIf: args.whatIf,
    maxChanges: args.maxChanges,
    yes: args.yes,
    concurrency: args.concurrency,
    read: args.read,
    maxReadAge: args.maxReadAge,
    allowOtherUrl: args.allowOtherUrl,
    out: args.out,
    output: args.output,
    csvDelimiter: args.csvDelimiter,
    csvBom: args.csvBom,
  };
}

export type ApplyCommandArgs = CommonArgs &
  ApplyOptionArgs &
  OutputOptionArgs &
  ApplyReadArgs & {
    plan: string;
    ledger?: string;
  };

export const applyCommand: KeytoolCommand<ApplyCommandArgs> = {
  command: 'apply',
  describe: 'Carry out the set rows of a plan',
  builder: (y) =>
    withApplyReadOptions(withOutputOptions(withApplyOptions(withCommonOptions(y))))
      .option('plan', {
        alias: 'p',
        type: 'string',
        demandOption: true,
        // nargs 1: take the next word as the value even when it is "-" (stdin).
        nargs: 1,
        describe: 'Plan to apply: .json document, .csv rows (Excel-edited is fine), JSON lines, or - for stdin',
        group: 'Apply:',
      })
      .option('ledger', { type: 'string', describe: 'Ledger file (default in the application-data folder)', group: 'Files:' })
      .example('$0 apply --plan plan.json --what-if', 'Show what would be written')
      .example('$0 apply --plan plan.json --max-changes 500', 'Write the keys (refuse if more than 500)')
      .example('$0 apply --plan plan.json', 'Run again after a failure or Ctrl-C: resumes from plan.json.results.jsonl') as unknown as Argv<ApplyCommandArgs>,
  run: async (args, ctx) => {
    const read = await readPlanDetailed(args.plan, { stdin: ctx.stdin, cwd: ctx.cwd });
    for (const w of read.warnings) ctx.logger.warn(w);
    return runApply({ plan: read.plan, planName: read.name, planFile: read.file, ledger: args.ledger, ...applySettingsFrom(args) }, ctx);
  },
};
