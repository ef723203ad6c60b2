/**
 * Reading users from Microsoft Graph. Everything that knows about @microsoft/microsoft-graph-client
 * lives in this file, behind GraphUserReader: that SDK has had no release since 2023 and its
 * successor is in preview, so swapping it must stay a local change.
 */
import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
} from '@microsoft/microsoft-graph-client';
import { GraphError, KeytoolError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';
import { redactSecrets } from '../../util/redact.js';
import { TransportError, TransportMiddleware, type HttpTransport } from './http.js';

/** The user properties the plan needs ($select). */
export const USER_SELECT = [
  'id',
  'mail',
  'userPrincipalName',
  'proxyAddresses',
  'onPremisesImmutableId',
  'accountEnabled',
  'userType',
  'displayName',
] as const;

export interface GraphUser {
  id: string;
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: string[] | null;
  onPremisesImmutableId?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  displayName?: string | null;
}

export interface GraphUserQuery {
  /** Group object id: only its transitive members that are users. */
  group?: string;
  /** OData $filter (sent as an advanced query). */
  filter?: string;
}

/** The one seam between the Graph SDK and the rest of the tool. */
export interface GraphUserReader {
  listUsers(q: GraphUserQuery): AsyncIterable<GraphUser>;
  /** How many users the query matches, when Graph says ($count); undefined if it does not. */
  countUsers(q: GraphUserQuery): Promise<number | undefined>;
}

/** Reads of other Graph resources (the SSO check: service principals and their claims policies). */
export interface GraphObjectReader {
  /** GET one resource; null when Graph answers 404. */
  getObject<T>(path: string, opts: GraphObjectOptions): Promise<T | null>;
  /** GET a collection, every page (following @odata.nextLink). */
  listObjects<T>(path: string, opts: GraphObjectOptions): Promise<T[]>;
}

export interface GraphObjectOptions {
  /** Graph version: v1.0 (default) or beta. */
  version?: 'v1.0' | 'beta';
  /** What is read, for messages ("the service principals"). */
  what: string;
  /** Application permissions this read needs: a 403 names them. */
  permissions: readonly string[];
  headers?: Record<string, string>;
}

export interface GraphReaderOptions {
  /** e.g. https://graph.microsoft.com */
  graphUrl: string;
  getToken: () => Promise<string>;
  transport: HttpTransport;
  logger: Logger;
  /** Retries on 429/503/504 (default 6, at most 10). */
  maxRetries?: number;
  /** Wait when Graph gives no Retry-After, in seconds (default 3; doubled per attempt by the SDK). */
  retryDelaySeconds?: number;
}

const PERMISSION_HINT =
  'The app needs the Microsoft Graph application permission User.Read.All (and GroupMember.Read.All for --graph-group), with admin consent; with --device-code, the signed-in account needs the delegated User.Read.All.';

/** Request path and headers for a query; pure, exported for tests. */
export function buildUserQuery(q: GraphUserQuery, top = 999): { path: string; headers: Record<string, string> } {
  const base = q.group ? `/groups/${encodeURIComponent(q.group)}/transitiveMembers/microsoft.graph.user` : '/users';
  const params = [`$select=${USER_SELECT.join(',')}`, `$top=${top}`];
  const headers: Record<string, string> = {};
  if (q.filter) {
    // Most useful filters (endswith, ne, not, on proxyAddresses…) are "advanced queries":
    // Graph only answers them with ConsistencyLevel: eventual and $count=true.
    params.push(`$filter=${encodeURIComponent(q.filter)}`, '$count=true');
    headers['ConsistencyLevel'] = 'eventual';
  }
  return { path: `${base}?${params.join('&')}`, headers };
}

interface UserPage {
  value?: GraphUser[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

export function createGraphUserReader(opts: GraphReaderOptions): GraphUserReader & GraphObjectReader {
  const graph = new URL(opts.graphUrl);
  const maxRetries = Math.min(opts.maxRetries ?? 6, 10) // the SDK refuses more than 10;
  const authProvider: AuthenticationProvider = { getAccessToken: () => opts.getToken() };
  const retryOptions = new RetryHandlerOptions(opts.retryDelaySeconds ?? 3, maxRetries, (_delay, attempt, _req, _o, res) => {
    const after = res.headers.get('Retry-After');
    opts.logger.warn(
      `Microsoft Graph is busy (HTTP ${res.status}); retry ${attempt + 1} of ${maxRetries}${after ? ` after ${after} s` : ''}.`,
    );
    return true;
  });
  // Our own chain: the SDK's auth, retry (429/503/504 with Retry-After) and telemetry handlers,
  // ending in our transport instead of the SDK's fetch handler.
  const auth = new AuthenticationHandler(authProvider);
  const retry = new RetryHandler(retryOptions);
  const telemetry = new TelemetryHandler();
  const send = new TransportMiddleware(opts.transport);
  auth.setNext(retry);
  retry.setNext(telemetry);
  telemetry.setNext(send);
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: graph.origin + '/',
    defaultVersion: 'v1.0',
    // Hosts that are not Microsoft's own Graph hosts (emulators, proxies) get the token only when listed.
    customHosts: new Set([graph.hostname]),
  });

  async function get(url: string, headers: Record<string, string>, object?: GraphObjectOptions): Promise<UserPage> {
    try {
      const req = client.api(url).headers(headers);
      if (object?.version && !/^https?:/i.test(url)) req.version(object.version);
      return (await req.get()) as UserPage;
    } catch (e) {
      throw graphRequestError(e, maxRetries, object);
    }
  }

  return {
    async *listUsers(q) {
      const { path, headers } = buildUserQuery(q);
      const seen = new Set<string>();
      let url: string | undefined = path;
      let page = 0;
      let count = 0;
      while (url) {
        const body = await get(url, headers);
        page++;
        if (!Array.isArray(body.value)) throw new GraphError(`Microsoft Graph answered page ${page} without a "value" list.`);
        count += body.value.length;
        opts.logger.verbose(`Graph: page ${page}, ${body.value.length} users (${count} so far).`);
        for (const u of body.value) yield u;
        const next = body['@odata.nextLink'];
        if (next === undefined || next === null) break;
        url = checkNextLink(next, graph, seen);
      }
    },
    async countUsers(q) {
      const { path, headers } = buildUserQuery(q, 1);
      const counted = path.includes('$count=true') ? path : `${path}&$count=true`;
      const body = await get(counted, { ...headers, ConsistencyLevel: 'eventual' });
      return typeof body['@odata.count'] === 'number' ? body['@odata.count'] : undefined;
    },
    async getObject<T>(path: string, o: GraphObjectOptions): Promise<T | null> {
      try {
        return (await get(path, o.headers ?? {}, o)) as T;
      } catch (e) {
        if (e instanceof GraphError && e.status === 404) return null;
        throw e;
      }
    },
    async listObjects<T>(path: string, o: GraphObjectOptions): Promise<T[]> {
      const out: T[] = [];
      const seen = new Set<string>();
      let url: string | undefined = path;
      while (url) {
        const body = await get(url, o.headers ?? {}, o);
        if (!Array.isArray(body.value)) throw new GraphError(`Microsoft Graph answered without a "value" list reading ${o.what}.`);
        out.push(...(body.value as unknown as T[]));
        const next = body['@odata.nextLink'];
        if (next === undefined || next === null) break;
        url = checkNextLink(next, graph, seen);
      }
      return out;
    },
  };
}

/** nextLinks are absolute; follow them only to the same Graph origin, and never twice. */
function checkNextLink(next: string, graph: URL, seen: Set<string>): string {
  let u: URL;
  try {
    u = new URL(next);
  } catch {
    throw new GraphError(`Microsoft Graph returned an unusable @odata.nextLink: ${next.slice(0, 200)}`);
  }
  if (u.origin !== graph.origin) {
    throw new GraphError(`Microsoft Graph's @odata.nextLink points to ${u.origin}, not to ${graph.origin}; refusing to follow it.`);
  }
  if (seen.has(next)) throw new GraphError('Microsoft Graph returned the same @odata.nextLink twice; stopping rather than looping.');
  seen.add(next);
  return next;
}

function graphRequestError(e: unknown, maxRetries: number, object?: GraphObjectOptions): KeytoolError {
  if (e instanceof KeytoolError && !(e instanceof TransportError)) return e;
  if (e instanceof TransportError) return new GraphError(redactSecrets(`Microsoft Graph: ${e.message}`), undefined, e.causeCode);
  const g = e as { statusCode?: number; code?: string | null; message?: string };
  const status = typeof g.statusCode === 'number' && g.statusCode > 0 ? g.statusCode : undefined;
  const code = g.code ?? undefined;
  const said = `${code ? `${code}: ` : ''}${g.message ?? String(e)}`;
  let text: string;
  if (status === 429 || status === 503 || status === 504) {
    text = `Microsoft Graph kept refusing with HTTP ${status} (throttled or unavailable) after ${maxRetries} retries: ${said}\n  Try again later, or read fewer users with --graph-group / --graph-filter.`;
  } else if (status === 401) {
    text = `Microsoft Graph did not accept the access token (HTTP 401): ${said}\n  Check that --graph-url belongs to the same cloud as --authority-host.`;
  } else if (status === 403 && object) {
    text =
      `Microsoft Graph denied access (HTTP 403) reading ${object.what}: ${said}\n` +
      `  The app needs the Microsoft Graph application permission${object.permissions.length > 1 ? 's' : ''} ${object.permissions.join(' and ')}, with admin consent ` +
      `(with --device-code, the signed-in account needs them as delegated permissions and a role such as Global Reader or Application Administrator).`;
  } else if (status === 403) {
    text = `Microsoft Graph denied access (HTTP 403): ${said}\n  ${PERMISSION_HINT}`;
  } else if (status === 404 && object) {
    text = `Microsoft Graph found nothing there (HTTP 404) reading ${object.what}: ${said}`;
  } else if (status === 400 && object) {
    text = `Microsoft Graph rejected the request (HTTP 400) reading ${object.what}: ${said}`;
  } else if (status === 404) {
    text = `Microsoft Graph found nothing there (HTTP 404): ${said}\n  Check the --graph-group id (the group's Object ID).`;
  } else if (status === 400) {
    text = `Microsoft Graph rejected the query (HTTP 400): ${said}\n  Check --graph-filter (OData syntax, e.g. endswith(mail,'@contoso.nl')).`;
  } else {
    text = `Microsoft Graph request failed${status ? ` (HTTP ${status})` : ''}: ${said}`;
  }
  return new GraphError(redactSecrets(text), status, code);
}
