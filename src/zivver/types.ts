/**
 * The contract of the Zivver SCIM client (src/zivver/client.ts implements it). Everything that
 * talks to Zivver goes through one ScimClient; nothing else in src/ makes HTTP calls to Zivver.
 */

export const ZIVVER_USER_EXTENSION = 'urn:ietf:params:scim:schemas:zivver:0.1:User';

/** A SCIM user exactly as Zivver returned it (kept raw: apply must PUT it back unchanged). */
export type ScimUser = Record<string, unknown> & { id: string; userName: string };

export interface RateLimit {
  requests: number;
  seconds: number;
}

export interface ScimClientOptions {
  /** Base URL, e.g. https://app.zivver.com/api/scim/v2 (http:// only for loopback hosts). */
  baseUrl: string;
  /** The API key (from ZIVVER_API_KEY or --api-key-file; never from a CLI value). */
  apiKey: string;
  /** Client-side budget; default 50 per 10 s. */
  rateLimit?: RateLimit;
  /** Retries for 429/5xx/network errors per request (default 6). */
  maxRetries?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Page size asked for when the server pages (default 1000). */
  pageSize?: number;
  logger?: import('../util/logger.js').Logger;
  /**
   * Stop signal: cancels waits (budget, Retry-After, backoff) and GETs in flight, never a PUT
   * already sent (its answer decides whether the row is `updated`).
   */
  signal?: AbortSignal;
  /** First retry delay; doubles per attempt, with jitter (default 500 ms). */
  retryBaseMs?: number;
  /** Longest backoff between retries (default 30 s). */
  retryMaxMs?: number;
  /** Longest wait honoured from a Retry-After header or a full window (default 300 s). */
  maxRetryAfterMs?: number;
  /** Extra room per budget window (default 1% of the window, at most 100 ms). */
  budgetMarginMs?: number;
  /** Time source for the budget and backoff (tests). */
  clock?: Clock;
  /** Outbound proxy settings (--proxy, HTTPS_PROXY ...); default: direct. */
  proxy?: import('../util/proxy.js').ProxyConfig;
}

export interface ScimClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Responses with status 429. */
  throttled: number;
  /** Requests repeated after 429/5xx/network errors. */
  retries: number;
  /** Writes (PUT) that needed more than one attempt (set by HttpScimClient; optional for fakes). */
  writeRetries?: number;
}

export interface ReplaceUserOptions {
  /** Epoch ms (on the client's clock) after which this body must not be sent any more. */
  notAfter?: number;
}

export interface ScimClient {
  /** Every user, whether the server returns all at once or pages (never loops forever, never duplicates). */
  listUsers(onProgress?: (received: number, total: number | undefined) => void): Promise<ScimUser[]>;
  /**
   * Every account as the planner needs it (src/core's ZivverAccount); the HTTP client reads the
   * listing as it arrives and never keeps whole users. Optional: without it, listUsers + toZivverAccount.
   */
  listAccounts?(onProgress?: (received: number, total: number | undefined) => void): Promise<import('../core/types.js').ZivverAccount[]>;
  /** One user by id; null when Zivver says it does not exist (400/404 for unknown ids). */
  getUser(id: string): Promise<ScimUser | null>;
  /**
   * PUT /Users/{id} with this whole body; returns Zivver's answer. With `notAfter` (epoch ms) the
   * body is never sent or re-sent after that time (a retry after a long 429/5xx wait would write
   * back stale data): ZivverStaleWriteError instead, and the caller reads the account again.
   */
  replaceUser(id: string, body: ScimUser, opts?: ReplaceUserOptions): Promise<ScimUser>;
  /** Counters since the client was made. */
  readonly stats: ScimClientStats;
}

/** Time as the client and its rate budget see it (tests pass a fake one). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
