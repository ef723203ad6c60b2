/**
 * `--source graph`: sign in, read users from Microsoft Graph, map them to source users.
 * Only this folder (and src/zivver/) reaches the network.
 */
import crypto from 'node:crypto';
import type { SourceUser } from '../../core/types.js';
import type { EntraUser } from '../../core/verify.js';
import { GraphError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';
import { createCredential, type GraphAuthOptions, type SignInMethod } from './auth.js';
import { createGraphUserReader, type GraphObjectReader, type GraphUser, type GraphUserReader } from './client.js';
import type { ProxyConfig } from '../../util/proxy.js';
import { createTransport, MsalNetworkClient } from './http.js';
import { mapGraphUser } from './map.js';

export type { GraphUser, GraphUserReader, GraphUserQuery } from './client.js';
export type { SignInMethod } from './auth.js';
export { mapGraphUser } from './map.js';

export interface GraphSourceOptions extends GraphAuthOptions {
  /** --graph-group: a group's object id; only its transitive user members are read. */
  group?: string;
  /** --graph-filter: an OData $filter for the users. */
  filter?: string;
  /** Retries on Graph throttling (429/503/504); default 6. */
  maxRetries?: number;
  /** Wait in seconds when Graph throttles without Retry-After (default 3). */
  retryDelaySeconds?: number;
}

export interface GraphSourceDeps {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** The device code prompt goes here. */
  stderr: NodeJS.WritableStream;
  /** --certificate is resolved against it. */
  cwd: string;
  /** Extra trusted CA certificates (PEM), for in-process tests and TLS-inspecting proxies. */
  ca?: string | Buffer;
  /** Outbound proxy settings (--proxy, HTTPS_PROXY ...); default direct. */
  proxy?: ProxyConfig;
}

export interface GraphSourceResult {
  /** `graph:<tenant>` — the plan's input name. */
  name: string;
  /** Over what was read (query and users, sorted by id): a plan records what it was made from. */
  sha256: string;
  users: SourceUser[];
  warnings: string[];
}

/** The tenant id from the token's `tid` claim (not verified: only used to name the input). */
function tenantFromToken(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' && claims.tid ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

export interface GraphSession {
  method: SignInMethod;
  reader: GraphUserReader & GraphObjectReader;
  /** Signs in (once) and returns the tenant name to report. */
  signIn(): Promise<string>;
}

/** Signs in lazily: nothing is sent until signIn() or the first read. */
export function openGraphSession(opts: GraphSourceOptions, deps: GraphSourceDeps): GraphSession {
  const transport = createTransport({ ...(deps.ca ? { ca: deps.ca } : {}), ...(deps.proxy ? { proxy: deps.proxy } : {}) });
  const network = new MsalNetworkClient(transport);
  const { credential } = createCredential(opts, {
    env: deps.env,
    cwd: deps.cwd,
    logger: deps.logger,
    network,
    onDeviceCode: (message) => deps.stderr.write(`${message}\n`),
  });
  const reader = createGraphUserReader({
    graphUrl: opts.graphUrl,
    getToken: async () => (await credential.getToken()).token,
    transport,
    logger: deps.logger,
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.retryDelaySeconds !== undefined ? { retryDelaySeconds: opts.retryDelaySeconds } : {}),
  });
  return {
    method: credential.method,
    reader,
    async signIn() {
      const { token } = await credential.getToken();
      return tenantFromToken(token) ?? opts.tenantId ?? 'managed-identity';
    },
  };
}

function query(opts: GraphSourceOptions) {
  return { ...(opts.group ? { group: opts.group } : {}), ...(opts.filter ? { filter: opts.filter } : {}) };
}

/** What the hash covers for one user: the fields the plan can depend on, normalised. */
function hashRecord(u: GraphUser): unknown[] {
  return [
    u.id,
    u.mail ?? null,
    u.userPrincipalName ?? null,
    [...(u.proxyAddresses ?? [])].sort(),
    u.onPremisesImmutableId ?? null,
    u.accountEnabled ?? null,
    u.userType ?? null,
    u.displayName ?? null,
  ];
}

export async function readGraphSource(opts: GraphSourceOptions, deps: GraphSourceDeps): Promise<GraphSourceResult> {
  const session = openGraphSession(opts, deps);
  const tenant = await session.signIn();
  const q = query(opts);
  deps.logger.info(
    `Reading users from Microsoft Graph (tenant ${tenant}${opts.group ? `, group ${opts.group}` : ''}${opts.filter ? `, filter ${opts.filter}` : ''})…`,
  );
  const raw: GraphUser[] = [];
  const byId = new Set<string>();
  let duplicates = 0;
  for await (const u of session.reader.listUsers(q)) {
    if (!u || typeof u.id !== 'string' || u.id === '') throw new GraphError('Microsoft Graph returned a user without an id.');
    if (byId.has(u.id)) {
      duplicates++;
      continue;
    }
    byId.add(u.id);
    raw.push(u);
  }
  const users = raw.map((u, i) => mapGraphUser(u, i + 1));
  const warnings: string[] = [];
  if (duplicates > 0) warnings.push(`Microsoft Graph returned ${duplicates} user(s) more than once; each was read once.`);
  if (raw.length === 0) warnings.push(`Microsoft Graph returned no users for this query (tenant ${tenant}).`);

  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ graphUrl: opts.graphUrl, tenant, ...q }) + '\n');
  for (const u of [...raw].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) hash.update(JSON.stringify(hashRecord(u)) + '\n');

  const skipped = users.filter((u) => u.skipReason).length;
  deps.logger.info(`Read ${users.length} users from Microsoft Graph (${skipped} will be skipped: guests or no mailbox address).`);
  return { name: `graph:${tenant}`, sha256: hash.digest('hex'), users, warnings };
}

/** For test-connection: signs in and asks Graph how many users the query matches. */
export async function checkGraphSignIn(
  opts: GraphSourceOptions,
  deps: GraphSourceDeps,
): Promise<{ userCount?: number; tenant: string; method: SignInMethod }> {
  const session = openGraphSession(opts, deps);
  const tenant = await session.signIn();
  deps.logger.verbose(`Signed in to Microsoft Graph (tenant ${tenant}, ${session.method}).`);
  const userCount = await session.reader.countUsers(query(opts));
  return { ...(userCount !== undefined ? { userCount } : {}), tenant, method: session.method };
}

/**
 * For `plan --verify-with-graph`: every user of the tenant in one listing (paged), with what the
 * check needs (addresses, object id, onPremisesImmutableId, accountEnabled). Not per plan row.
 */
export async function readEntraUsers(opts: GraphSourceOptions, deps: GraphSourceDeps): Promise<EntraUser[]> {
  const session = openGraphSession(opts, deps);
  const tenant = await session.signIn();
  deps.logger.info(`Reading the users of tenant ${tenant} from Microsoft Graph to check the plan's keys…`);
  const out: EntraUser[] = [];
  const seen = new Set<string>();
  for await (const u of session.reader.listUsers({})) {
    if (!u || typeof u.id !== 'string' || !u.id || seen.has(u.id)) continue;
    seen.add(u.id);
    out.push({ user: mapGraphUser(u, out.length + 1), ...(typeof u.accountEnabled === 'boolean' ? { enabled: u.accountEnabled } : {}) });
  }
  deps.logger.verbose(`Read ${out.length} Entra users for the check.`);
  return out;
}
