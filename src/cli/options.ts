/**
 * Composable yargs option groups. Each command's builder applies the groups it needs.
 */
import type { Argv } from 'yargs';

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
    .option('log-file', { type: 'string', describe: 'Append JSON-lines log records to this file', group: 'Logging:' })
    .option('verbose', { alias: 'v', type: 'count', describe: 'More detail on stderr (-vv for debug)', group: 'Logging:' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only warnings and errors on stderr', group: 'Logging:' })
    .option('progress', {
      choices: ['auto', 'json', 'bar', 'none'] as const,
      default: 'auto' as const,
      describe: 'Progress display: a bar on a terminal (auto), JSON lines on stderr (json), or none',
      group: 'Logging:',
    })
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces for errors', group: 'Logging:' });
}
export type CommonArgs = {
  zivverUrl: string;
  apiKeyFile?: string;
  rateLimit: string;
  proxy?: string;
  logFile?: string;
  verbose: number;
  quiet: boolean;
  progress: 'auto' | 'json' | 'bar' | 'none';
  debug: boolean;
};

/** Options of `plan` (and `sync`): inputs, key derivation, filters, outputs. */
export function withPlanOptions<T>(y: Argv<T>) {
  return y
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
      describe: 'objectId | objectGuid | immutableId | column:<Name>',
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
    .option('exclude-domains', { type: 'string', array: true, describe: 'Skip users with an address in these domains', group: 'Filters:' })
    .option('ledger', { type: 'string', describe: 'Ledger file (default in the application-data folder)', group: 'Files:' })
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

/** Options of `apply` (and `sync`). */
export function withApplyOptions<T>(y: Argv<T>) {
  return y
    .option('results', { type: 'string', describe: 'Results journal (JSON lines; default <plan>.results.jsonl)', group: 'Apply:' })
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
  whatIf: boolean;
  maxChanges?: number;
  concurrency: number;
  yes: boolean;
};

/** Where and how to write what a command produced. */
export function withOutputOptions<T>(y: Argv<T>) {
  return y
    .option('out', { alias: 'o', type: 'string', array: true, describe: 'Write to file: .json, .jsonl or .csv (repeatable)', group: 'Output:' })
    .option('output', {
      choices: ['table', 'json', 'jsonl'] as const,
      default: 'table' as const,
      describe: 'stdout format: a table for people, json/jsonl for programs',
      group: 'Output:',
    })
    .option('csv-delimiter', { type: 'string', default: ',', describe: 'Delimiter for .csv outputs', group: 'Output:' })
    .option('csv-bom', { type: 'boolean', default: false, describe: 'Write a UTF-8 BOM in .csv outputs (for Excel)', group: 'Output:' });
}
export type OutputOptionArgs = {
  out?: string[];
  output: 'table' | 'json' | 'jsonl';
  csvDelimiter: string;
  csvBom: boolean;
};
