/**
 * `zivver-keytool plan`: read users (files or Microsoft Graph) and Zivver's accounts, and decide
 * which account gets which key. Never writes to Zivver.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { defaultKeyFormat, formatKeySource, parseKeySource } from '../../core/keys.js';
import { planKeyChanges, planSummaryLine } from '../../core/plan.js';
import { assemblePlanDocument } from '../../core/planDocument.js';
import { splitList } from '../../core/filters.js';
import type { KeySource, LedgerKnowledge, PlanDocument, PlanFilters, PlanRow, SourceUser } from '../../core/types.js';
import { UsageError } from '../../errors.js';
import { readInput } from '../../sources/index.js';
import { defaultLedgerPath, readLedgerKnowledge } from '../../store/ledger.js';
import { writePlanOutputs } from '../../store/planWrite.js';
import { createScimClient, parseRateLimit, resolveApiKey, toZivverAccount, validateZivverUrl } from '../../zivver/index.js';
import type { ScimClient } from '../../zivver/types.js';
import { resolveProxyConfig } from '../../util/proxy.js';
import type { KeytoolCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import {
  withCommonOptions,
  withGraphOptions,
  withOutputOptions,
  withPlanOptions,
  type CommonArgs,
  type GraphOptionArgs,
  type OutputOptionArgs,
  type PlanOptionArgs,
} from '../options.js';
import { renderTable, terminalWidth } from '../render.js';

export type PlanCommandArgs = CommonArgs &
  PlanOptionArgs &
  GraphOptionArgs &
  OutputOptionArgs & {
    detailedExitcode?: boolean;
  };

export interface BuiltPlan {
  plan: PlanDocument;
  /** The client the plan was read with (sync reuses it and its rate budget). */
  client: ScimClient;
  /** Where the ledger is (resolved), for apply. */
  ledgerPath: string;
}

export function planFiltersFromArgs(args: Pick<PlanOptionArgs, 'includeEmails' | 'excludeEmails' | 'includeDomains' | 'excludeDomains'>): PlanFilters {
  return {
    includeEmails: splitList(args.includeEmails),
    excludeEmails: splitList(args.excludeEmails),
    includeDomains: splitList(args.includeDomains),
    excludeDomains: splitList(args.excludeDomains),
  };
}

/**
 * Reads everything and plans. Order matters: every local check (flags, inputs, API key) happens
 * before the first request, so bad input exits 2 with nothing sent anywhere.
 */
export async function buildPlan(args: PlanCommandArgs, ctx: CommandContext): Promise<BuiltPlan> {
  const { logger } = ctx;
  const url = validateZivverUrl(args.zivverUrl);
  const keySource = parseKeySource(args.keySource);
  if (!keySource) {
    throw new UsageError(
      `--key-source "${args.keySource}" is not one of objectId, objectGuid, immutableId or column:<Name>`,
    );
  }
  const keyFormat = args.keyFormat ?? defaultKeyFormat(keySource);
  let previousKeySource: KeySource | undefined;
  if (args.previousKeySource !== undefined) {
    previousKeySource = parseKeySource(args.previousKeySource) ?? undefined;
    if (!previousKeySource) {
      throw new UsageError(
        `--previous-key-source "${args.previousKeySource}" is not one of objectId, objectGuid, immutableId or column:<Name>`,
      );
    }
  } else if (args.previousKeyFormat !== undefined) {
    throw new UsageError('--previous-key-format needs --previous-key-source: say where the keys Zivver holds now come from');
  }
  const previousKeyFormat = previousKeySource ? (args.previousKeyFormat ?? defaultKeyFormat(previousKeySource)) : undefined;
  const rateLimit = parseRateLimit(args.rateLimit);
  const proxy = resolveProxyConfig(args.proxy, ctx.env);
  const filters = planFiltersFromArgs(args);
  const inputs = args.input ?? [];
  if (args.source === 'graph' && inputs.length) throw new UsageError('--input and --source graph exclude each other: read users from files or from Graph, not both');
  if (args.source !== 'graph' && inputs.length === 0) {
    throw new UsageError('Say where the users come from: --input <file.csv|file.json|-> (repeatable), or --source graph');
  }
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('--input - (standard input) can be given only once');

  const apiKey = await resolveApiKey({ apiKeyFile: args.apiKeyFile, env: ctx.env, cwd: ctx.cwd });

  const users: SourceUser[] = [];
  const planInputs: { name: string; sha256: string }[] = [];
  const readerWarnings: string[] = [];
  for (const spec of inputs) {
    const result = await readInput(spec, { format: args.inputFormat, keySource, stdin: ctx.stdin, cwd: ctx.cwd });
    logger.verbose(`Read ${result.users.length} users from ${result.name}`);
    for (const u of result.users) users.push(u);
    planInputs.push({ name: result.name, sha256: result.sha256 });
    readerWarnings.push(...result.warnings);
  }

  const ledgerPath = args.ledger ? path.resolve(ctx.cwd, args.ledger) : defaultLedgerPath(ctx.env);
  const ledger: LedgerKnowledge = args.ignoreLedger ? { lastKeyById: new Map() } : await readLedgerKnowledge(ledgerPath, { zivverUrl: url.href });
  logger.verbose(args.ignoreLedger ? 'Ledger ignored (--ignore-ledger)' : `Ledger: ${ledgerPath} (${ledger.lastKeyById.size} accounts known)`);

  if (args.source === 'graph') {
    // Loaded only when asked for: msal-node and the Graph client are large, and most runs read files.
    const { graphOptionsFromArgs, readGraphSource } = await import('../../sources/graph/index.js');
    const graph = await readGraphSource(graphOptionsFromArgs(args), { logger, env: ctx.env, stderr: ctx.stderr, cwd: ctx.cwd, proxy });
    logger.verbose(`Read ${graph.users.length} users from ${graph.name}`);
    users.push(...graph.users);
    planInputs.push({ name: graph.name, sha256: graph.sha256 });
    readerWarnings.push(...graph.warnings);
  }

  const client = createScimClient({ baseUrl: url.href, apiKey, rateLimit, logger, signal: ctx.signal, proxy });
  ctx.progress.start('Reading Zivver accounts', 0);
  // Any failure here is a typed Zivver error (exit 3): without a complete listing there is no plan.
  const scimUsers = await client.listUsers((received, total) => ctx.progress.update(received, total ? `${received} of ${total}` : undefined));
  ctx.progress.end();
  const accounts = scimUsers.map(toZivverAccount);
  logger.verbose(`Read ${accounts.length} Zivver accounts with ${client.stats.requests} request(s)`);

  const result = planKeyChanges(users, accounts, ledger, { keySource, keyFormat, filters, previousKeySource, previousKeyFormat, summarizeUserWarnings: false });
  const warnings = [...new Set([...readerWarnings, ...result.warnings])];
  if (previousKeySource) {
    // The readers check the columns of the main key source only; for the previous key a missing
    // column is not an error (the plan is still good), but nobody should believe rollback is covered.
    const writable = result.rows.filter((r) => r.action === 'set' || r.action === 'unchanged');
    if (writable.length && !writable.some((r) => r.previousKey !== undefined)) {
      warnings.push(
        `--previous-key-source ${formatKeySource(previousKeySource)}: no row has a previous key; the inputs seem to have no ` +
          `${previousKeyColumns(previousKeySource)} values. The plan does not record the current keys, so rollback cannot restore them.`,
      );
    }
  }
  const plan = assemblePlanDocument({
    createdAt: new Date().toISOString(),
    zivverUrl: url.href.replace(/\/$/, ''),
    keySource: formatKeySource(keySource),
    keyFormat,
    ...(previousKeySource ? { previousKeySource: formatKeySource(previousKeySource), previousKeyFormat } : {}),
    inputs: planInputs,
    summary: result.summary,
    rows: result.rows,
    warnings,
    filters,
  });
  return { plan, client, ledgerPath };
}

function previousKeyColumns(source: KeySource): string {
  switch (source.kind) {
    case 'objectId':
      return 'ExternalDirectoryObjectId/Id/ObjectId';
    case 'objectGuid':
      return 'ObjectGUID/ImmutableId/OnPremisesImmutableId';
    case 'immutableId':
      return 'ImmutableId/OnPremisesImmutableId';
    case 'column':
      return `"${source.column}" column`;
  }
}

const PLAN_TABLE_COLUMNS = [
  { header: 'Line', value: (r: PlanRow) => String(r.line) },
  { header: 'Email', value: (r: PlanRow) => r.email, max: 40 },
  { header: 'Action', value: (r: PlanRow) => r.action },
  { header: 'New key', value: (r: PlanRow) => r.newKey, max: 38 },
  { header: 'Reason', value: (r: PlanRow) => r.reason, max: 90 },
];

/** Prints a plan on stdout in the chosen form; the summary line is the last line for people. */
export function printPlan(plan: PlanDocument, output: OutputOptionArgs['output'], ctx: CommandContext): void {
  const summary = planSummaryLine(plan.summary);
  if (output === 'json') {
    ctx.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    ctx.logger.info(summary);
    return;
  }
  if (output === 'jsonl') {
    for (const row of plan.rows) ctx.stdout.write(JSON.stringify(row) + '\n');
    ctx.logger.info(summary);
    return;
  }
  // People: every row that needs attention or action. Unchanged rows and rows the admin's own
  // filters left out are only counted: listing 300 "not in --include-emails" rows would bury the two that matter.
  const filteredOut = (r: PlanRow) => r.action === 'skipped' && /--(in|ex)clude-(emails|domains)/.test(r.reason);
  const shown = plan.rows.filter((r) => r.action !== 'unchanged' && !filteredOut(r));
  if (shown.length) ctx.stdout.write(renderTable(shown, PLAN_TABLE_COLUMNS, { width: terminalWidth(ctx.stdout as { isTTY?: boolean; columns?: number }) }) + '\n');
  const hidden: string[] = [];
  if (plan.summary.unchanged) hidden.push(`${plan.summary.unchanged} unchanged`);
  const filtered = plan.rows.filter(filteredOut).length;
  if (filtered) hidden.push(`${filtered} filtered out`);
  if (hidden.length && plan.rows.length) ctx.stdout.write(`(${hidden.join(' and ')} rows not shown; --output json or --out plan.csv has them all)\n`);
  ctx.stdout.write(summary + '\n');
}

export const planCommand: KeytoolCommand<PlanCommandArgs> = {
  command: 'plan',
  describe: 'Build a plan: which Zivver account gets which new key (writes nothing to Zivver)',
  builder: (y: Argv) =>
    withOutputOptions(withGraphOptions(withPlanOptions(withCommonOptions(y))))
      .option('detailed-exitcode', {
        type: 'boolean',
        default: false,
        describe: 'Exit 0 when nothing is to be set, 2 when something is',
        group: 'Output:',
      })
      .example('$0 plan --input mailboxes.csv --out plan.json --out plan.csv', 'Plan from a Get-EXOMailbox export')
      .example('$0 plan --input ad-users.csv --key-source objectGuid --include-emails "a@org.nl;b@org.nl"', 'Two users, keys from AD objectGUID')
      .example('$0 plan --input mailboxes.csv --previous-key-source objectGuid --out plan.json', 'First migration: record the objectGUIDs the Synctool set, so rollback can restore them')
      .example('$0 plan --source graph --tenant-id contoso.onmicrosoft.com --client-id <id> --certificate app.pfx --out plan.json', 'Users straight from Microsoft Graph') as unknown as Argv<PlanCommandArgs>,
  run: async (args, ctx) => {
    const { plan } = await buildPlan(args, ctx);
    for (const w of plan.warnings ?? []) ctx.logger.warn(w);
    if (args.out?.length) {
      const written = await writePlanOutputs(args.out, plan, { delimiter: args.csvDelimiter, bom: args.csvBom }, ctx.cwd);
      for (const f of written) ctx.logger.info(`Plan written to ${f}`);
    }
    printPlan(plan, args.output, ctx);
    if (args.detailedExitcode) return plan.summary.set > 0 ? 2 : 0;
    return 0;
  },
};
