/**
 * Composable yargs option groups, each with its resolver beside it: the group declares the flags,
 * the resolver turns them into the settings the layers below take (they never see flags). Each
 * command's builder applies the groups it needs; its run resolves them, then calls src/plan/ or
 * src/apply/.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { splitList } from '../core/filters.js';
import { defaultKeyFormat, parseKeySource } from '../core/keys.js';
import type { KeySource } from '../core/types.js';
import { UsageError } from '../errors.js';
import type { ApplyOptions, ApplySettings } from '../apply/run.js';
import { parseCanary } from '../core/canary.js';
import type { ReadMode } from '../apply/engine.js';
import type { PlanSettings } from '../plan/build.js';
import type { SsoSafetySettings } from '../plan/sso.js';
import type { GraphSourceOptions } from '../sources/graph/index.js';
import { defaultLedgerPath } from '../store/ledger.js';
import { quoted, shown } from '../core/shown.js';
import { maxInputBytes } from '../util/boundedRead.js';
import { outputKind } from '../store/outputFile.js';
import { resolveProxyConfig } from '../util/proxy.js';
import type { ZivverConnection } from '../zivver/connection.js';
import { parseRateLimit } from '../zivver/rateLimit.js';
import { validateZivverUrl } from '../zivver/url.js';

export const DEFAULT_ZIVVER_URL = 'https://app.zivver.com/api/scim/v2';

/** Options every command has: where Zivver is, how to authenticate, logging and progress. */
export function withCommonOptions<T>(y: Argv<T>) {
  return y
    .option('zivver-url', {
      type: 'string',
      default: DEFAULT_ZIVVER_URL,
      describe: 'Zivver SCIM base URL (plain http:// only for loopback hosts)',
      group: 'Zivver:',
    })
    .option('api-key-file', {
      type: 'string',
      describe: 'File holding the Zivver API key (else the ZIVVER_API_KEY environment variable)',
      group: 'Zivver:',
    })
    .option('rate-limit', {
      type: 'string',
      default: '50/10',
      describe: 'Client-side request budget, <requests>/<seconds>',
      group: 'Zivver:',
    })
    .option('proxy', {
      type: 'string',
      describe:
        'Outbound HTTP proxy for Zivver and Microsoft Graph, http://[user:password@]host:port (overrides HTTPS_PROXY/HTTP_PROXY/NO_PROXY); ' +
        '"direct" ignores those variables',
      group: 'Zivver:',
    })
    .option('max-input-size', {
      type: 'string',
      describe: 'Largest input, plan or journal read, e.g. 500MiB (default 2GiB); larger ones are refused (exit 2)',
      group: 'Files:',
    })
    .option('log-file', { type: 'string', describe: 'Append JSON-lines log records to this file', group: 'Logging:' })
    .option('verbose', { alias: 'v', type: 'count', describe: 'More detail on stderr (-vv for debug)', group: 'Logging:' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only warnings and errors on stderr', group: 'Logging:' })
    .option('progress', {
      choices: ['auto', 'json', 'bar', 'none'] as const,
      default: 'auto' as const,
      describe: 'Progress display: a bar on a terminal (auto), JSON lines on stderr (json), or none',
      group: 'Logging:',
    })
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces for errors', group: 'Logging:' })
    .option('stop-file', {
      type: 'string',
      describe:
        'Stop gracefully (as on Ctrl-C: no new row, rows in flight recorded, exit 4) as soon as this file exists; ' +
        'a cancellation channel for programs that start zivver-keytool without a console (the PowerShell module)',
      group: 'Logging:',
    });
}
export type CommonArgs = {
  zivverUrl: string;
  apiKeyFile?: string;
  rateLimit: string;
  proxy?: string;
  maxInputSize?: string;
  logFile?: string;
  verbose: number;
  quiet: boolean;
  progress: 'auto' | 'json' | 'bar' | 'none';
  debug: boolean;
  stopFile?: string;
};

export type ZivverArgs = Pick<CommonArgs, 'zivverUrl' | 'apiKeyFile' | 'rateLimit' | 'proxy'>;

/**
 * The Zivver group → how to reach Zivver: the URL checked, the rate limit parsed, the proxy
 * resolved (--proxy, else HTTPS_PROXY/HTTP_PROXY/NO_PROXY). The API key is read later, by
 * connectZivver, once every other flag has been checked.
 */
export function resolveZivverConnection(args: ZivverArgs, env: NodeJS.ProcessEnv): ZivverConnection {
  const url = validateZivverUrl(args.zivverUrl);
  const rateLimit = parseRateLimit(args.rateLimit);
  const proxy = resolveProxyConfig(args.proxy, env);
  return { url, rateLimit, proxy, ...(args.apiKeyFile !== undefined ? { apiKeyFile: args.apiKeyFile } : {}) };
}

/** Where the ledger is (plan, apply, sync, rollback). */
export function withLedgerOption<T>(y: Argv<T>) {
  return y.option('ledger', { type: 'string', describe: 'Ledger file (default in the application-data folder)', group: 'Files:' });
}
export type LedgerArgs = { ledger?: string };

/** --ledger → the ledger file, absolute: relative to the working folder, default ZIVVER_KEYTOOL_LEDGER or the application-data folder. */
export function resolveLedgerFile(args: LedgerArgs, ctx: { cwd: string; env: NodeJS.ProcessEnv }): string {
  return path.resolve(ctx.cwd, args.ledger ?? defaultLedgerPath(ctx.env));
}

/** `apply` and `sync`: --report, the results of the run as one HTML page for reviewers. */
export function withReportOption<T>(y: Argv<T>) {
  return y.option('report', {
    type: 'string',
    describe: 'Write the results as one self-contained HTML page (.html) for the people who review the change',
    group: 'Output:',
  });
}
export type ReportArgs = { report?: string };

/** --report → the report file as given (relative to the working folder); a name that is not .html/.htm is refused before anything is read. */
export function resolveReportFile(args: ReportArgs): string | undefined {
  if (args.report === undefined) return undefined;
  const ext = path.extname(args.report).toLowerCase();
  if (ext !== '.html' && ext !== '.htm') {
    throw new UsageError(`--report ${shown(args.report)}: the report is an HTML page; give a name ending in .html`);
  }
  return args.report;
}

/** Options of `plan` (and `sync`): inputs, key derivation, filters, outputs. */
export function withPlanOptions<T>(y: Argv<T>) {
  const withFilters = y
    .option('input', {
      alias: 'i',
      type: 'string',
      array: true,
      describe: 'CSV or JSON file of users (repeatable; - for stdin)',
      group: 'Input:',
    })
    .option('input-format', {
      choices: ['auto', 'csv', 'json', 'jsonl'] as const,
      default: 'auto' as const,
      describe: 'Input format (auto: by content)',
      group: 'Input:',
    })
    .option('source', {
      choices: ['file', 'graph'] as const,
      default: 'file' as const,
      describe: 'Read users from --input files, or from Microsoft Graph',
      group: 'Input:',
    })
    .option('key-source', {
      type: 'string',
      default: 'objectId',
      describe: 'objectId | objectGuid | immutableId | column:<Name> | sso (what the IdP sends as ZivverAccountKey, read from Entra: see sso-check)',
      group: 'Key:',
    })
    .option('key-format', {
      choices: ['guid', 'base64', 'raw'] as const,
      describe: 'Key notation (default guid for GUID sources, raw for column:)',
      group: 'Key:',
    })
    .option('previous-key-source', {
      type: 'string',
      describe:
        'Where the key Zivver holds now comes from, as far as you know it (e.g. objectGuid: what the Synctool wrote): ' +
        'objectId | objectGuid | immutableId | column:<Name>. Recorded so that rollback can restore it; a row whose key is already that key is unchanged',
      group: 'Key:',
    })
    .option('previous-key-format', {
      choices: ['guid', 'base64', 'raw'] as const,
      describe: 'Notation of the previous key (default as for --key-format: guid for GUID sources, raw for column:)',
      group: 'Key:',
    })
    .option('include-emails', { type: 'string', array: true, describe: 'Only users with one of these addresses (";"-separated, repeatable)', group: 'Filters:' })
    .option('exclude-emails', { type: 'string', array: true, describe: 'Skip users with one of these addresses', group: 'Filters:' })
    .option('include-domains', { type: 'string', array: true, describe: 'Only users with an address in these domains', group: 'Filters:' })
    .option('exclude-domains', { type: 'string', array: true, describe: 'Skip users with an address in these domains', group: 'Filters:' });
  return withLedgerOption(withFilters)
    .option('ignore-ledger', { type: 'boolean', default: false, describe: 'Plan without the ledger: no row is unchanged', group: 'Files:' });
}
export type PlanOptionArgs = {
  input?: string[];
  inputFormat: 'auto' | 'csv' | 'json' | 'jsonl';
  source: 'file' | 'graph';
  keySource: string;
  keyFormat?: 'guid' | 'base64' | 'raw';
  previousKeySource?: string;
  previousKeyFormat?: 'guid' | 'base64' | 'raw';
  includeEmails?: string[];
  excludeEmails?: string[];
  includeDomains?: string[];
  excludeDomains?: string[];
  ledger?: string;
  ignoreLedger: boolean;
};

/**
 * The plan group (with the Graph group for --source graph) → what to plan from: key sources
 * parsed, filters split, the inputs checked, the ledger resolved. Throws UsageError (exit 2)
 * before anything is read.
 */
export function resolvePlanSettings(
  args: PlanOptionArgs & GraphOptionArgs & Partial<SsoSafetyArgs> & Pick<CommonArgs, 'maxInputSize'>,
  ctx: { cwd: string; env: NodeJS.ProcessEnv },
): PlanSettings {
  const maxBytes = maxInputBytes(args.maxInputSize);
  const fromIdp = args.keySource.trim().toLowerCase() === 'sso';
  // --key-source sso: the key source the IdP uses is read from Entra when planning starts (src/plan/sso.ts).
  const keySource: KeySource | null = fromIdp ? { kind: 'objectId' } : parseKeySource(args.keySource);
  if (!keySource) {
    throw new UsageError(
      `--key-source ${quoted(args.keySource)} is not one of objectId, objectGuid, immutableId, column:<Name> or sso`,
    );
  }
  const keyFormat = args.keyFormat ?? defaultKeyFormat(keySource);
  const sso = resolveSsoSafety(args, fromIdp);
  if (sso?.verifyWithGraph && !fromIdp && keySource.kind === 'column') {
    throw new UsageError(`--verify-with-graph compares keys with what Entra holds (object id, onPremisesImmutableId); it cannot check --key-source ${quoted(args.keySource)}`);
  }
  let previousKeySource: KeySource | undefined;
  if (args.previousKeySource !== undefined) {
    previousKeySource = parseKeySource(args.previousKeySource) ?? undefined;
    if (!previousKeySource) {
      throw new UsageError(
        `--previous-key-source ${quoted(args.previousKeySource)} is not one of objectId, objectGuid, immutableId or column:<Name>`,
      );
    }
  } else if (args.previousKeyFormat !== undefined) {
    throw new UsageError('--previous-key-format needs --previous-key-source: say where the keys Zivver holds now come from');
  }
  const inputs = args.input ?? [];
  if (args.source === 'graph' && inputs.length) throw new UsageError('--input and --source graph exclude each other: read users from files or from Graph, not both');
  if (args.source !== 'graph' && inputs.length === 0) {
    throw new UsageError('Say where the users come from: --input <file.csv|file.json|-> (repeatable), or --source graph');
  }
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('--input - (standard input) can be given only once');
  return {
    inputs,
    inputFormat: args.inputFormat,
    ...(maxBytes !== undefined ? { maxInputBytes: maxBytes } : {}),
    ...(args.source === 'graph' ? { graph: resolveGraphSignIn(args) } : {}),
    keySource,
    keyFormat,
    ...(previousKeySource ? { previousKeySource, previousKeyFormat: args.previousKeyFormat ?? defaultKeyFormat(previousKeySource) } : {}),
    filters: {
      includeEmails: splitList(args.includeEmails),
      excludeEmails: splitList(args.excludeEmails),
      includeDomains: splitList(args.includeDomains),
      excludeDomains: splitList(args.excludeDomains),
    },
    ledgerFile: args.ignoreLedger ? null : resolveLedgerFile(args, ctx),
    ...(sso ? { sso } : {}),
  };
}

/** Microsoft Graph sign-in and query options (`--source graph`). */
export function withGraphOptions<T>(y: Argv<T>) {
  return y
    .option('tenant-id', { type: 'string', describe: 'Entra tenant id or domain', group: 'Microsoft Graph:' })
    .option('client-id', { type: 'string', describe: 'App registration (client) id', group: 'Microsoft Graph:' })
    .option('certificate', {
      type: 'string',
      describe: 'Certificate for app sign-in: .pem (key + certificate) or .pfx (password in ZIVVER_GRAPH_CERT_PASSWORD)',
      group: 'Microsoft Graph:',
    })
    .option('device-code', { type: 'boolean', default: false, describe: 'Sign in interactively with a device code', group: 'Microsoft Graph:' })
    .option('managed-identity', { type: 'boolean', default: false, describe: 'Sign in with the Azure managed identity', group: 'Microsoft Graph:' })
    .option('managed-identity-client-id', { type: 'string', describe: 'User-assigned managed identity client id', group: 'Microsoft Graph:' })
    .option('graph-group', { type: 'string', describe: 'Only transitive members of this group id', group: 'Microsoft Graph:' })
    .option('graph-filter', { type: 'string', describe: 'Extra OData $filter for /users', group: 'Microsoft Graph:' })
    .option('authority-host', {
      type: 'string',
      default: 'https://login.microsoftonline.com',
      describe: 'Entra authority host (national clouds)',
      group: 'Microsoft Graph:',
    })
    .option('graph-url', { type: 'string', default: 'https://graph.microsoft.com', describe: 'Graph endpoint (national clouds)', group: 'Microsoft Graph:' });
}
export type GraphOptionArgs = {
  tenantId?: string;
  clientId?: string;
  certificate?: string;
  deviceCode: boolean;
  managedIdentity: boolean;
  managedIdentityClientId?: string;
  graphGroup?: string;
  graphFilter?: string;
  authorityHost: string;
  graphUrl: string;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkHostUrl(flag: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL such as https://…, not "${value}".`);
  }
  if (u.protocol !== 'https:') throw new UsageError(`${flag} must be an https:// URL (got ${u.protocol}//${u.host}).`);
  if (u.username || u.password) throw new UsageError(`${flag} must not contain a user name or password.`);
  // Keep only scheme, host and port: paths here would break the scope and the authority.
  if (u.pathname !== '/' && u.pathname !== '') throw new UsageError(`${flag} takes the host only (e.g. ${u.origin}), not a path.`);
  return u.origin;
}

/**
 * The Microsoft Graph group → sign-in and query settings. Throws UsageError for what flags alone
 * get wrong (the choice of sign-in method is checked when signing in: it also depends on the
 * environment).
 */
export function resolveGraphSignIn(args: GraphOptionArgs): GraphSourceOptions {
  const tenantId = args.tenantId?.trim() || undefined;
  const clientId = args.clientId?.trim() || undefined;
  if (tenantId && !/^[A-Za-z0-9.-]+$/.test(tenantId)) {
    throw new UsageError(`--tenant-id must be the tenant's id (a GUID) or domain (contoso.onmicrosoft.com), not "${tenantId}".`);
  }
  if (clientId && !GUID.test(clientId)) {
    throw new UsageError(`--client-id must be the app registration's Application (client) ID, a GUID, not "${clientId}".`);
  }
  if (args.managedIdentityClientId && !GUID.test(args.managedIdentityClientId.trim())) {
    throw new UsageError('--managed-identity-client-id must be the identity\'s client id, a GUID.');
  }
  const group = args.graphGroup?.trim() || undefined;
  if (group && !GUID.test(group)) {
    throw new UsageError(`--graph-group takes the group's Object ID (a GUID), not its name ("${group}").`);
  }
  const filter = args.graphFilter?.trim() || undefined;
  const opts: GraphSourceOptions = {
    deviceCode: !!args.deviceCode,
    managedIdentity: !!args.managedIdentity,
    authorityHost: checkHostUrl('--authority-host', args.authorityHost || 'https://login.microsoftonline.com'),
    graphUrl: checkHostUrl('--graph-url', args.graphUrl || 'https://graph.microsoft.com'),
  };
  if (tenantId) opts.tenantId = tenantId;
  if (clientId) opts.clientId = clientId;
  if (args.certificate) opts.certificatePath = args.certificate;
  if (args.managedIdentityClientId) opts.managedIdentityClientId = args.managedIdentityClientId.trim();
  if (group) opts.group = group;
  if (filter) opts.filter = filter;
  return opts;
}

/** Options of `apply` (and `sync`). */
export function withApplyOptions<T>(y: Argv<T>) {
  return y
    .option('results', { type: 'string', describe: 'Results journal (JSON lines; default <plan>.results.jsonl)', group: 'Apply:' })
    .option('results-dir', {
      type: 'string',
      describe: 'Folder for the default results journal, which zivver-keytool names after the plan (default: beside the plan file; for a plan on stdin, the current folder)',
      group: 'Apply:',
    })
    .option('what-if', { type: 'boolean', default: false, describe: 'Read, decide and report; write nothing', group: 'Apply:' })
    .option('max-changes', { type: 'number', describe: 'Refuse (exit 2, nothing written) when more rows would be written', group: 'Apply:' })
    .option('concurrency', { type: 'number', default: 4, describe: 'Rows in flight at once', group: 'Apply:' })
    .option('yes', {
      alias: 'auto-approve',
      type: 'boolean',
      default: false,
      describe: 'Do not ask for confirmation at a terminal (it is never asked when not at a terminal, or with --max-changes)',
      group: 'Apply:',
    });
}
export type ApplyOptionArgs = {
  results?: string;
  resultsDir?: string;
  whatIf: boolean;
  maxChanges?: number;
  concurrency: number;
  yes: boolean;
};

/** Options apply and sync share beyond the apply group: how accounts are read, and the URL guard. */
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

/**
 * The apply groups → how to apply (apply and sync): numbers checked (UsageError, exit 2, before
 * anything is read). --yes is the command's own business (it decides whether to ask).
 */
export function resolveApplyOptions(args: ApplyOptionArgs & ApplyReadArgs): ApplyOptions {
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64; got ${args.concurrency}`);
  }
  if (args.maxChanges !== undefined && (!Number.isInteger(args.maxChanges) || args.maxChanges < 0)) {
    throw new UsageError(`--max-changes must be a whole number of 0 or more; got ${args.maxChanges}`);
  }
  if (!(args.maxReadAge > 0) || args.maxReadAge > 3600) throw new UsageError(`--max-read-age must be more than 0 and at most 3600 seconds; got ${args.maxReadAge}`);
  return {
    ...(args.results !== undefined ? { results: args.results } : {}),
    ...(args.resultsDir !== undefined ? { resultsDir: args.resultsDir } : {}),
    whatIf: args.whatIf,
    ...(args.maxChanges !== undefined ? { maxChanges: args.maxChanges } : {}),
    concurrency: args.concurrency,
    read: args.read,
    maxReadAge: args.maxReadAge,
    allowOtherUrl: args.allowOtherUrl,
  };
}

/** Where and how to write what a command produced. */
export function withOutputOptions<T>(y: Argv<T>) {
  return y
    .option('out', {
      alias: 'o',
      type: 'string',
      array: true,
      describe: 'Write to file: .json, .jsonl or .csv (repeatable); plan and rollback also .html, a page for reviewers',
      group: 'Output:',
    })
    .option('output', {
      choices: ['table', 'json', 'jsonl'] as const,
      default: 'table' as const,
      describe: 'stdout format: a table for people, json/jsonl for programs',
      group: 'Output:',
    })
    .option('csv-delimiter', { type: 'string', default: ',', describe: 'Delimiter for .csv outputs', group: 'Output:' })
    .option('csv-bom', { type: 'boolean', default: false, describe: 'Write a UTF-8 BOM in .csv outputs (for Excel)', group: 'Output:' })
    .option('force', { type: 'boolean', default: false, describe: 'Replace output files that are read-only', group: 'Output:' });
}
export type OutputOptionArgs = {
  out?: string[];
  output: 'table' | 'json' | 'jsonl';
  csvDelimiter: string;
  csvBom: boolean;
  force: boolean;
};

/** Which enterprise application is Zivver's, for the SSO check (sso-check, plan/sync --check-sso, --key-source sso). */
export function withSsoAppOption<T>(y: Argv<T>) {
  return y.option('sso-app', {
    type: 'string',
    describe: "The Zivver enterprise application in Entra ID: object id, appId or display name (default: the one with Zivver's SAML identifier, else the one named Zivver)",
    group: 'SSO safety:',
  });
}
export type SsoAppArgs = { ssoApp?: string };

/** plan/sync: check the keys against the IdP's claim and against Entra's users before anything is written. */
export function withSsoSafetyOptions<T>(y: Argv<T>) {
  return withSsoAppOption(y)
    .option('check-sso', {
      type: 'boolean',
      default: false,
      describe: 'Refuse (exit 2) when the key source/format is not what the IdP sends as ZivverAccountKey (reads the Zivver app in Entra via Graph)',
      group: 'SSO safety:',
    })
    .option('verify-with-graph', {
      type: 'boolean',
      default: false,
      describe: "Check every set row against Entra's user with that address (one Graph listing): a different key, a missing or disabled user makes the row a conflict",
      group: 'SSO safety:',
    });
}
export type SsoSafetyArgs = SsoAppArgs & { checkSso: boolean; verifyWithGraph: boolean };

/**
 * --key-source sso, --check-sso, --verify-with-graph (and --sso-app) → the SSO safety settings of a
 * plan, with the Graph sign-in settings they use (the Microsoft Graph group, also when the users
 * come from --input); undefined when none is asked for. Whether a way to sign in is given is checked
 * when planning starts, before anything is sent (it depends on the environment too).
 */
export function resolveSsoSafety(args: GraphOptionArgs & Partial<SsoSafetyArgs> & Pick<PlanOptionArgs, 'keyFormat'>, keyFromIdp: boolean): SsoSafetySettings | undefined {
  if (!keyFromIdp && !args.checkSso && !args.verifyWithGraph) return undefined;
  if (keyFromIdp && args.checkSso) {
    throw new UsageError('--key-source sso already plans with what the IdP sends; --check-sso is for a --key-source you name. Give one of them.');
  }
  return {
    graph: resolveGraphSignIn(args),
    keyFromIdp,
    ...(keyFromIdp && args.keyFormat ? { keyFormat: args.keyFormat } : {}),
    checkSso: !!args.checkSso,
    verifyWithGraph: !!args.verifyWithGraph,
    ...(args.ssoApp?.trim() ? { ssoApp: args.ssoApp.trim() } : {}),
  };
}

/** apply/sync: write a canary first. */
export function withCanaryOptions<T>(y: Argv<T>) {
  return y
    .option('canary', {
      type: 'string',
      array: true,
      describe: 'Write only the rows of these addresses (";"-separated), then stop so their SSO login can be tested; the rest waits for --canary-ok',
      group: 'SSO safety:',
    })
    .option('canary-ok', {
      type: 'boolean',
      default: false,
      describe: "The canary's SSO logins worked: write the rest of the plan",
      group: 'SSO safety:',
    });
}
export type CanaryArgs = { canary?: string[]; canaryOk: boolean };

/** --canary / --canary-ok → the canary settings of an apply run; UsageError (exit 2) before anything is read. */
export function resolveCanary(args: Partial<CanaryArgs>): Pick<ApplySettings, 'canary' | 'canaryOk'> {
  if (args.canary === undefined) return args.canaryOk ? { canaryOk: true } : {};
  const addresses = parseCanary(args.canary);
  if (!addresses.length) {
    throw new UsageError('--canary needs the e-mail addresses of the accounts to write first, e.g. --canary "a@org.nl;b@org.nl".');
  }
  if (args.canaryOk) {
    throw new UsageError('--canary and --canary-ok exclude each other: write the canary first (--canary), test the SSO login for it, then write the rest (--canary-ok).');
  }
  return { canary: addresses };
}

/** Refuses a --out name that is no results file (before anything is read). */
export function checkResultOutputs(out: readonly string[] | undefined): void {
  for (const f of out ?? []) outputKind(f);
}

/** How apply and sync report: the output group, and whether to ask first. */
export interface ApplyReporting extends Pick<OutputOptionArgs, 'output' | 'csvDelimiter' | 'csvBom'> {
  /** --force: replace read-only output files. */
  force?: boolean;
  /** --out: result files (.json, .jsonl, .csv). */
  out?: string[];
  /** --report: the results as one HTML page (as given, relative to the working folder; resolveReportFile). */
  report?: string;
  /** --yes / --auto-approve: never ask for confirmation. */
  yes?: boolean;
}

/** The output group, --report (and --yes) → how apply and sync report; a bad --out name is refused here. */
export function resolveApplyReporting(args: OutputOptionArgs & ReportArgs & { yes: boolean }): ApplyReporting {
  checkResultOutputs(args.out);
  const report = resolveReportFile(args);
  return {
    yes: args.yes,
    ...(args.out ? { out: args.out } : {}),
    ...(report ? { report } : {}),
    output: args.output,
    csvDelimiter: args.csvDelimiter,
    csvBom: args.csvBom,
    force: args.force,
  };
}
