/**
 * How to reach Zivver, as settings: the checked URL, the request budget and the proxy. The
 * command line's resolver (resolveZivverConnection in src/cli/options.ts) makes one from flags;
 * connectZivver reads the API key and makes the client, the one place either happens.
 */
import type { Logger } from '../util/logger.js';
import type { ProxyConfig } from '../util/proxy.js';
import { resolveApiKey } from './apiKey.js';
import { createScimClient } from './client.js';
import type { RateLimit, ScimClient } from './types.js';
import { baseUrlString } from './url.js';

export interface ZivverConnection {
  /** The checked SCIM base URL (validateZivverUrl: no trailing slash in the path). */
  url: URL;
  rateLimit: RateLimit;
  proxy: ProxyConfig;
  /** --api-key-file (else the ZIVVER_API_KEY environment variable); read by connectZivver. */
  apiKeyFile?: string;
}

/** The base URL as text without trailing slash, as plans, journals and the ledger record it. */
export function connectionUrl(conn: Pick<ZivverConnection, 'url'>): string {
  return baseUrlString(conn.url);
}

export interface ConnectDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  logger: Logger;
  /** Ctrl-C cancels waits (budget, Retry-After, backoff), never a write already sent. */
  signal: AbortSignal;
}

/** Reads the API key (a UsageError when there is none: nothing was sent) and makes the client. */
export async function connectZivver(conn: ZivverConnection, deps: ConnectDeps, opts: { maxRetries?: number } = {}): Promise<ScimClient> {
  const apiKey = await resolveApiKey({ apiKeyFile: conn.apiKeyFile, env: deps.env, cwd: deps.cwd });
  return createScimClient({
    baseUrl: conn.url.href,
    apiKey,
    rateLimit: conn.rateLimit,
    logger: deps.logger,
    signal: deps.signal,
    proxy: conn.proxy,
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
  });
}
