/**
 * Building a plan: read the sources (files or Microsoft Graph), the ledger and Zivver's accounts,
 * then planKeyChanges decides. Takes settings, never flags (src/cli/options.ts resolves those);
 * never writes to Zivver.
 */
import { formatKeySource } from '../core/keys.js';
import { quoted, shown } from '../core/shown.js';
import { planKeyChanges } from '../core/plan.js';
import { assemblePlanDocument } from '../core/planDocument.js';
import { DEPARTMENT_COLUMN, rowDetailsFromUsers, type RowDetailsLookup } from '../core/rowDetails.js';
import type { KeyFormat, KeySource, LedgerKnowledge, PlanDocument, PlanFilters, PlanRow, SourceUser } from '../core/types.js';
import type { GraphSourceOptions } from '../sources/graph/index.js';
import { readInput, type InputFormat } from '../sources/index.js';
import type { FileGuard } from '../store/fileGuard.js';
import { readLedgerKnowledge } from '../store/ledger.js';
import type { RunContext } from '../util/runContext.js';
import { ssoKeyChoice, verifyWithEntra, type SsoSafetySettings } from './sso.js';
import { toZivverAccount } from '../zivver/account.js';
import type { ZivverConnection } from '../zivver/connection.js';
import type { ScimClient } from '../zivver/types.js';

export interface PlanSettings {
  /** Input files ("-" for stdin); empty when the users come from Microsoft Graph. */
  inputs: readonly string[];
  inputFormat: InputFormat;
  /** Read the users from Microsoft Graph with these options (instead of inputs). */
  graph?: GraphSourceOptions;
  keySource: KeySource;
  keyFormat: KeyFormat;
  previousKeySource?: KeySource;
  previousKeyFormat?: KeyFormat;
  filters: PlanFilters;
  /** The ledger to read (absolute), or null to plan without it (--ignore-ledger). */
  ledgerFile: string | null;
  /** SSO safety: the key source from the IdP, or checked against it, and the keys against Entra's users. */
  sso?: SsoSafetySettings;
  /** Largest input read, in bytes (--max-input-size; default 2 GiB). */
  maxInputBytes?: number;
}

/** Where the plan is made: the connection's settings and the client made from them. */
export interface PlanZivver {
  connection: ZivverConnection;
  client: ScimClient;
}

/** A plan as built, with what only the one who built it needs to show it. */
export interface BuiltPlan {
  plan: PlanDocument;
  /** Display name and department of a row's source user, where the input has them (when asked for). */
  details: RowDetailsLookup;
  /** Rows of plan.rows the admin's filters left out (counted, not listed, for people). */
  filteredOut: ReadonlySet<PlanRow>;
}

/** What buildPlan keeps beyond the plan. */
export interface BuildPlanWants {
  /**
   * The rows' display names and departments, for an HTML report (default false: without a report
   * nobody reads them, and 100,000 users' details are 20 MB held to the end of the run).
   */
  details?: boolean;
}

/**
 * Names in the file guard what building this plan reads: the inputs, the ledger, the API key file
 * and the Graph certificate (the caller adds its outputs and the log file, then checks).
 */
export function guardPlanReads(files: FileGuard, settings: PlanSettings, connection: Pick<ZivverConnection, 'apiKeyFile'>): FileGuard {
  for (const i of settings.inputs) files.reads(i, { option: '--input', what: 'an input' });
  files.reads(settings.ledgerFile, { what: 'the ledger' });
  files.reads(connection.apiKeyFile, { what: 'the API key file' });
  files.reads(settings.graph?.certificatePath, { option: '--certificate', what: 'the certificate' });
  if (settings.sso && settings.sso.graph !== settings.graph) files.reads(settings.sso.graph.certificatePath, { option: '--certificate', what: 'the certificate' });
  return files;
}

/**
 * Reads everything and plans. Every local check (flags, API key) has been made by the caller;
 * the inputs are read before the first request, so bad input exits 2 with nothing sent anywhere.
 */
export async function buildPlan(settings: PlanSettings, zivver: PlanZivver, ctx: RunContext, wants: BuildPlanWants = {}): Promise<BuiltPlan> {
  const { logger } = ctx;
  const { connection, client } = zivver;
  const url = connection.url;
  const { previousKeySource, previousKeyFormat, filters } = settings;
  const graphDeps = { logger, env: ctx.env, stderr: ctx.stderr, cwd: ctx.cwd, proxy: connection.proxy };
  // Before the inputs are read: with --key-source sso they are read for the key source the IdP uses.
  const { keySource, keyFormat } = settings.sso ? await ssoKeyChoice(settings, settings.sso, graphDeps) : settings;

  const users: SourceUser[] = [];
  const planInputs: { name: string; sha256: string }[] = [];
  const readerWarnings: string[] = [];
  // Users keep only the columns a `column:` key source reads (not every column of every row), and
  // the department the HTML report counts by when there is one.
  const keyColumns = new Set([keySource, previousKeySource].flatMap((k) => (k?.kind === 'column' ? [k.column.toLowerCase()] : [])));
  if (wants.details) keyColumns.add(DEPARTMENT_COLUMN);
  const keepColumns = (lower: string) => keyColumns.has(lower);
  for (const spec of settings.inputs) {
    logger.verbose(spec === '-' ? 'Reading users from standard input' : `Reading users from ${shown(spec)}`);
    const result = await readInput(spec, { format: settings.inputFormat, keySource, stdin: ctx.stdin, cwd: ctx.cwd, keepColumns, maxBytes: settings.maxInputBytes, signal: ctx.signal });
    logger.verbose(`Read ${result.users.length} users from ${result.name}`);
    for (const u of result.users) users.push(u);
    planInputs.push({ name: result.name, sha256: result.sha256 });
    for (const w of result.warnings) readerWarnings.push(w);
  }

  const ledger: LedgerKnowledge = settings.ledgerFile === null ? { lastKeyById: new Map() } : await readLedgerKnowledge(settings.ledgerFile, { zivverUrl: url.href });
  logger.verbose(settings.ledgerFile === null ? 'Ledger ignored (--ignore-ledger)' : `Ledger: ${settings.ledgerFile} (${ledger.lastKeyById.size} accounts known)`);

  if (settings.graph) {
    // Loaded only when asked for: msal-node and the Graph client are large, and most runs read files.
    const { readGraphSource } = await import('../sources/graph/index.js');
    const graph = await readGraphSource(settings.graph, graphDeps);
    logger.verbose(`Read ${graph.users.length} users from ${graph.name}`);
    // Loops, not push(...list): a spread of 125,000 users or more overflows the stack.
    for (const u of graph.users) users.push(u);
    planInputs.push({ name: graph.name, sha256: graph.sha256 });
    for (const w of graph.warnings) readerWarnings.push(w);
  }

  ctx.progress.start('Reading Zivver accounts', 0);
  // Any failure here is a typed Zivver error (exit 3): without a complete listing there is no plan.
  // The HTTP client reads the listing as it arrives, each user reduced at once to what planning needs.
  const progress = (received: number, total: number | undefined) => ctx.progress.update(received, total ? `${received} of ${total}` : undefined);
  const accounts = client.listAccounts ? await client.listAccounts(progress) : (await client.listUsers(progress)).map(toZivverAccount);
  ctx.progress.end();
  logger.verbose(`Read ${accounts.length} Zivver accounts with ${client.stats.requests} request(s)`);

  const planned = planKeyChanges(users, accounts, ledger, { keySource, keyFormat, filters, previousKeySource, previousKeyFormat, summarizeUserWarnings: false });
  const warnings = [...new Set([...readerWarnings, ...planned.warnings])];
  // --verify-with-graph: one listing of Entra's users, not a request per row.
  const result = settings.sso?.verifyWithGraph ? await verifyWithEntra(planned, settings.sso, { keySource, keyFormat }, graphDeps, warnings) : planned;
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
  return { plan, details: wants.details ? rowDetailsFromUsers(users) : () => undefined, filteredOut: result.filteredOut };
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
      return `${quoted(source.column)} column`;
  }
}
