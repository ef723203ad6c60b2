/**
 * Public types of the Zivver SCIM emulator. The emulator shares no code with src/zivver/ on
 * purpose: a client and its test server that share constants would agree on the same mistakes.
 */

export const SCIM_BASE_PATH = '/api/scim/v2';
export const ADMIN_BASE_PATH = '/_emulator';
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ZIVVER_SCHEMA = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** Zivver's meta.location is relative, and without the /api of the base URL: `/scim/v2/Users/{id}`. */
export const ZIVVER_USERS_LOCATION = '/scim/v2/Users';

/** A SCIM user as the emulator stores it: the zivver extension may hold `SsoAccountKey` and unknown keys. */
export type EmulatorUser = Record<string, unknown> & {
  id: string;
  userName: string;
  meta: { resourceType: 'User'; created: string };
};

/**
 * Which Content-Type a user write (PUT/POST /Users) must carry; anything else is answered 415
 * with Zivver's framework error. `json` (default): application/json, what every client known to
 * write Zivver users sends; `scim`: application/scim+json only (and an Accept that includes it,
 * 406 otherwise), as Zivver's Group PATCH demands; `any`: either.
 */
export type PutContentType = 'json' | 'scim' | 'any';

/**
 * How the budget is counted. `bucket` (default, what Zivver's 429 names): a token bucket holding
 * `budget` tokens, refilled at budget/windowSeconds per second. `window`: at most `budget`
 * accepted requests in any `windowSeconds` (a sliding window; stricter after idle spells).
 */
export type RateLimitMode = 'bucket' | 'window';

/**
 * How PUT /Users/{id} treats what the body leaves out.
 * - `zivver`: top-level attributes absent from the body are kept; a zivver extension object in the
 *   body replaces the stored one entirely (keys missing inside it are erased).
 * - `strict`: RFC 7644 §3.5.1 replace: everything not in the body is cleared.
 */
export type PutMode = 'zivver' | 'strict';

/**
 * How GET /Users answers a listing.
 * - `all`: Zivver's behaviour: every match in one response, `totalResults` + `Resources`, no paging fields.
 * - `honor`: RFC paging (startIndex, count; default page size when count is absent).
 * - `cap:N`: honours startIndex but never returns more than N per page.
 * - `ignore`: ignores startIndex and answers the first page every time (a broken server).
 */
export type PagingMode = 'all' | 'honor' | `cap:${number}` | 'ignore';


export interface RateLimitOptions {
  /** Requests allowed per window. */
  budget: number;
  windowSeconds: number;
  /**
   * `Retry-After` on 429: a fixed number of seconds, `'auto'` (seconds until a request leaves the
   * window, rounded up), or absent: no header, as Zivver does not guarantee one.
   */
  retryAfterSeconds?: number | 'auto';
  /** Token bucket (default) or sliding window. */
  mode?: RateLimitMode;
  /**
   * Send `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (draft-polli-ratelimit-headers,
   * which Zivver's 429 body refers to) on every answer. Off by default: Zivver is not known to send them.
   */
  headers?: boolean;
}

/**
 * A fault injection rule. A request matches when every given criterion matches; the first
 * matching rule with budget left (times/probability/skip) fires. Only SCIM requests (not
 * /_emulator/) are subject to rules; rules see requests that passed auth and the rate budget.
 */
export interface FaultRule {
  /** Only this method (GET, PUT, POST, ...). */
  method?: string;
  /**
   * Matched against the request URL relative to the SCIM base, query included
   * (e.g. `/Users/4f0c...?attributes=id`): a string matches when contained in it, a RegExp when it tests true.
   */
  path?: RegExp | string;
  /** Answer with this status (default 500 when body is given, or for applyThenFail). */
  status?: number;
  /** Response body (plain text unless contentType says otherwise; 429 defaults to Zivver's JSON). */
  body?: string;
  contentType?: string;
  /** Extra response headers, e.g. { 'Retry-After': '2' }. */
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering (after the write, with applyThenFail). */
  reset?: true;
  /** Carry out the write, then answer `status` (default 500) or reset: the ambiguous failure. */
  applyThenFail?: true;
  /** Wait this long before acting (alone: a slow request that then succeeds). */
  delayMs?: number;
  /** Fire at most this many times (default: unlimited). */
  times?: number;
  /** Let this many matching requests through before firing. */
  skip?: number;
  /** Fire with this probability (seeded PRNG, deterministic per emulator). */
  probability?: number;
}

/** A FaultRule as JSON can carry it (PUT /_emulator/faults): `pathRegex` instead of a RegExp. */
export type FaultRuleJson = Omit<FaultRule, 'path'> & { path?: string; pathRegex?: string; pathRegexFlags?: string };

export interface EmulatorOptions {
  /** Only loopback: 127.0.0.1 (default), ::1 or localhost (bound as 127.0.0.1). */
  host?: string;
  /** 0 (default) for an ephemeral port. */
  port?: number;
  /** The bearer token clients must send. Never logged. */
  apiKey: string;
  putMode?: PutMode;
  /** Content-Type user writes must carry (default `json`). */
  putContentType?: PutContentType;
  paging?: PagingMode;
  /** Page size for `honor`/`ignore` when the client gives no count (default 100). */
  defaultPageSize?: number;
  /** null/undefined: no server-side budget. */
  rateLimit?: RateLimitOptions | null;
  /** Added to every SCIM request. */
  latencyMs?: number;
  faults?: FaultRule[];
  /** Seed for fault probabilities (default 1). */
  faultSeed?: number;
  /**
   * Initial users, SCIM shaped, keys included (ids/meta.created filled in when missing). Stored as
   * Zivver holds them: `name` only `formatted`, `phoneNumbers` always a list, `meta.created` a date,
   * enterprise `division` "/" when empty (an enterprise object given as `{}` stays `{}`).
   */
  users?: Array<Record<string, unknown>>;
  /** One line per request (method, path, status, ms) through `log`; never headers or keys. */
  logRequests?: boolean;
  log?: (line: string) => void;
}

export interface EmulatorStats {
  /** SCIM requests received (admin endpoints excluded), rejected ones included. */
  requests: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
  /** 429 answers (rate budget and injected). */
  throttled: number;
  /** Writes carried out (PUT/POST that changed the store), applyThenFail ones included. */
  writes: number;
  /** Fault rules that fired. */
  faultsFired: number;
  /** 401 answers. */
  unauthorized: number;
}

export interface EmulatorConfigPatch {
  putMode?: PutMode;
  putContentType?: PutContentType;
  paging?: PagingMode;
  defaultPageSize?: number;
  rateLimit?: RateLimitOptions | null;
  latencyMs?: number;
}

export interface EmulatorHandle {
  /** The SCIM base URL, e.g. http://127.0.0.1:41234/api/scim/v2. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Every stored user in full, SsoAccountKey and unknown extension keys included (deep copies). */
  users(): EmulatorUser[];
  getUser(id: string): EmulatorUser | undefined;
  /** The stored SsoAccountKey of a user (undefined when none or unknown id). */
  getKey(id: string): string | undefined;
  setFaults(rules: FaultRule[]): void;
  renameUser(id: string, newUserName: string): void;
  deleteUser(id: string): void;
  /** Adds (or replaces, by id) users, SCIM shaped; returns them as stored. */
  addUsers(users: Array<Record<string, unknown>>): EmulatorUser[];
  /** Replaces every user. */
  replaceUsers(users: Array<Record<string, unknown>>): void;
  /** Changes modes at runtime (paging, PUT mode, budget, latency). */
  configure(patch: EmulatorConfigPatch): void;
  /** Live counters (the same object across calls until resetStats). */
  readonly stats: EmulatorStats;
  resetStats(): void;
}
