/**
 * The Zivver SCIM client: the only code that talks to Zivver. Every HTTP request goes through
 * HttpScimClient.request(), which applies the shared rate budget, the per-request timeout and the
 * retry policy, and turns every failure into a typed error whose message carries Zivver's own
 * text, the method, path and status, and never the API key.
 */
import { UsageError } from '../errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { proxyFor, type ProxyTarget } from '../util/proxy.js';
import { redactSecrets, registerSecret } from '../util/redact.js';
import { checkApiKeyShape, looksBase64Encoded } from './apiKey.js';
import { ZivverAbortedError, ZivverHttpError, ZivverStaleWriteError, ZivverUnreachableError } from './errors.js';
import { RateBudget, sleep, systemClock, type Clock } from './rateBudget.js';
import { acceptHeader, MediaTypeChoice, otherMediaType, PLAIN_JSON, type MediaType, type RequestKind } from './mediaType.js';
import { DEFAULT_RATE_LIMIT, formatRateLimit } from './rateLimit.js';
import { parseRateLimitHeaders } from './rateLimitHeaders.js';
import type { RateLimit, ReplaceUserOptions, ScimClient, ScimClientOptions, ScimClientStats, ScimUser } from './types.js';
import { baseUrlString, validateZivverUrl } from './url.js';
import { toZivverAccount } from './account.js';
import type { ZivverAccount } from '../core/types.js';
import { JsonStreamError, JsonStreamSplitter } from '../util/jsonStream.js';

const AUTH_HINT = 'Check ZIVVER_API_KEY / --api-key-file; the key needs SCIM access (an API key made for SCIM provisioning in the Zivver admin portal).';
const UNAUTHORIZED_HINT =
  'Paste the API key exactly as the Zivver admin portal shows it (in ZIVVER_API_KEY or the --api-key-file file): ' +
  "Zivver's SCIM page says to base64-encode it, but Zivver takes it as the portal shows it. The key must be one made for SCIM provisioning, and still valid.";
/** Longest piece of a response body quoted in an error message. */
const MAX_BODY_IN_MESSAGE = 1000;

export interface HttpScimClientStats extends ScimClientStats {
  writeRetries: number;
}

interface Attempted {
  status: number;
  /** The body; for a 200 answer read by `consume`, only its first characters (for messages). */
  text: string;
  headers: Headers;
  /** What `consume` made of a 200 answer's body. */
  consumed?: unknown;
}

interface RequestSpec {
  method: 'GET' | 'PUT';
  /** Path relative to the base URL, starting with "/", query included. */
  path: string;
  body?: unknown;
  /** Writes: never send (or re-send) the body after this time (epoch ms, client clock). */
  notAfter?: number;
  /**
   * Reads a 200 answer's body as it arrives instead of as one text (a 100,000-account listing).
   * Called again for each attempt; a network failure while reading is retried like any other.
   */
  consume?: (body: AsyncIterable<Uint8Array>) => Promise<{ head: string; result: unknown }>;
}

/** One page of a listing, read as it arrived: only the projection of each resource is kept. */
interface ListPage<T> {
  items: Array<{ id: string; value: T }>;
  totalResults?: number;
  paged: boolean;
  /** Why the answer is not a usable ListResponse (reported with the start of the body). */
  problem?: string;
}

class ListShapeError extends Error {}

/** Network error codes after which the request is worth repeating. */
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TIMEOUT',
]);

/** Codes meaning the request never left this machine, so a write cannot have been applied. */
const NEVER_SENT = new Set(['PROXY_REFUSED', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

const TLS_EXPLANATIONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presented a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed certificate that is not trusted (a TLS-inspecting proxy? set NODE_EXTRA_CA_CERTS to its CA file)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate could not be verified (missing intermediate certificate or untrusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate was issued by an untrusted CA (a TLS-inspecting proxy? set NODE_EXTRA_CA_CERTS to its CA file)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate was issued by an untrusted CA',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet (check this machine\'s clock)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not match the host name',
  CERT_REVOKED: 'the server certificate has been revoked',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not speak TLS (is it a plain http:// endpoint?)',
};

export function createScimClient(opts: ScimClientOptions): HttpScimClient {
  return new HttpScimClient(opts);
}

export class HttpScimClient implements ScimClient {
  readonly stats: HttpScimClientStats = { requests: 0, throttled: 0, retries: 0, writeRetries: 0 };
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly budget: RateBudget;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly signal?: AbortSignal;
  /** Set after the first response: from then on a refused connection is a hiccup worth retrying. */
  private everConnected = false;
  private readonly serverLimitsLogged = new Set<string>();
  private readonly media: MediaTypeChoice;
  /** Whether the API key as given decodes from base64 to text (said on a 401, never the key itself). */
  private readonly keyLooksBase64: boolean;
  private followingServerBudget = false;
  /** The proxy every request goes through (undefined: direct). */
  readonly proxy: ProxyTarget | undefined;
  private proxiedFetch?: Promise<(url: string, init: RequestInit) => Promise<Response>>;

  constructor(opts: ScimClientOptions) {
    registerSecret(opts.apiKey);
    checkApiKeyShape(opts.apiKey, 'The Zivver API key');
    this.apiKey = opts.apiKey;
    this.keyLooksBase64 = looksBase64Encoded(opts.apiKey);
    this.baseUrl = baseUrlString(validateZivverUrl(opts.baseUrl));
    this.clock = opts.clock ?? systemClock;
    const limit = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.budget = new RateBudget(limit, { clock: this.clock, marginMs: opts.budgetMarginMs ?? defaultMargin(limit) });
    this.logger = opts.logger ?? silentLogger;
    this.media = new MediaTypeChoice(PLAIN_JSON, (message) => this.logger.info(message));
    this.maxRetries = opts.maxRetries ?? 6;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.pageSize = opts.pageSize ?? 1000;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 300_000;
    this.signal = opts.signal;
    this.proxy = proxyFor(opts.proxy, this.baseUrl);
    if (this.proxy) this.logger.verbose(`Zivver is reached through the proxy ${this.proxy.display}`);
    if (!(this.pageSize >= 1)) throw new UsageError('pageSize must be at least 1');
    if (!(this.maxRetries >= 0)) throw new UsageError('maxRetries must not be negative');
  }

  /** The media type writes are sent with now (application/json until Zivver refuses it). */
  get mediaType(): MediaType {
    return this.media.current;
  }

  /** The limits the budget enforces now (ours, plus the server's when it announced a stricter one). */
  get rateLimits(): readonly RateLimit[] {
    return this.budget.limits;
  }

  // ---------------------------------------------------------------- the API

  async listUsers(onProgress?: (received: number, total: number | undefined) => void): Promise<ScimUser[]> {
    return this.listAll((u) => u, onProgress);
  }

  /**
   * Every account, as the planner needs it (id, userName, active, display name, aliases): the
   * listing is read as it arrives and each user is reduced to that at once, so a 100,000-account
   * tenant is never held as text or as full SCIM objects.
   */
  async listAccounts(onProgress?: (received: number, total: number | undefined) => void): Promise<ZivverAccount[]> {
    return this.listAll(toZivverAccount, onProgress);
  }

  private async listAll<T>(project: (u: ScimUser) => T, onProgress?: (received: number, total: number | undefined) => void): Promise<T[]> {
    const seen = new Map<string, T>();
    let startIndex = 1;
    let total: number | undefined;
    let duplicates = 0;
    let totalChanged = false;
    // Every page that does not end the listing brings at least one new id, so a listing of T
    // users needs at most T + 1 pages; the absolute bound covers servers that omit totalResults.
    const absoluteMaxPages = 100_000;
    for (let page = 1; ; page++) {
      const maxPages = total !== undefined ? total + 2 : absoluteMaxPages;
      if (page > Math.min(maxPages, absoluteMaxPages)) {
        throw this.listingError(`gave up after ${page - 1} pages (${seen.size} accounts, totalResults ${total ?? 'unknown'}); the server's paging does not converge`);
      }
      const path = `/Users?startIndex=${startIndex}&count=${this.pageSize}`;
      const res = await this.request({ method: 'GET', path, consume: (b) => this.readListPage(b, project, seen.size, onProgress) });
      const list = this.listPage<T>(res, path);
      if (list.totalResults !== undefined) {
        if (total !== undefined && list.totalResults !== total) {
          totalChanged = true;
          this.logger.warn(
            `Zivver's totalResults changed from ${total} to ${list.totalResults} while listing accounts: accounts were created or deleted meanwhile; ` +
              'the listing may miss or include them. Run again for a consistent view.',
          );
        }
        total = list.totalResults;
      }
      let fresh = 0;
      for (const u of list.items) {
        if (seen.has(u.id)) {
          duplicates++;
          continue;
        }
        seen.set(u.id, u.value);
        fresh++;
      }
      onProgress?.(seen.size, total);
      this.logger.debug(`Listing page ${page}: ${list.items.length} accounts (${fresh} new), ${seen.size} of ${total ?? '?'}`);

      if (list.items.length === 0) break;
      if (total !== undefined && seen.size >= total) break;
      if (!list.paged && total === undefined) break; // no paging fields, no total: everything at once
      if (fresh === 0) {
        // The server repeats itself (ignores startIndex); asking again would loop forever.
        this.logger.warn(`The SCIM server answered page ${page} (startIndex ${startIndex}) with accounts already received; it does not seem to honour paging`);
        break;
      }
      // Advance by what actually came back: servers may cap pages below the count asked for.
      startIndex += list.items.length;
    }
    if (duplicates) this.logger.verbose(`Ignored ${duplicates} duplicate account(s) in the listing`);
    if (total !== undefined && seen.size < total) {
      throw this.listingError(
        `received ${seen.size} distinct accounts but the server reports totalResults ${total}; ` +
          (totalChanged
            ? 'accounts were created or deleted while listing, which shifts the pages. Run again when the tenant is quiet.'
            : 'it appears to ignore paging (startIndex/count), so the remaining accounts cannot be read.') +
          ' An incomplete listing is not used.',
      );
    }
    return [...seen.values()];
  }

  async getUser(id: string): Promise<ScimUser | null> {
    const path = `/Users/${encodeURIComponent(id)}`;
    const res = await this.request({ method: 'GET', path });
    if (res.status === 404) return null;
    // Zivver answers 400 "Unknown account with uuid: ..." for ids it does not know.
    if (res.status === 400 && /unknown account|not found|does not exist|no such (user|account)/i.test(res.text)) return null;
    if (res.status !== 200) throw this.statusError('GET', path, res);
    return this.parseUser(res, 'GET', path);
  }

  async replaceUser(id: string, body: ScimUser, opts: ReplaceUserOptions = {}): Promise<ScimUser> {
    if (body.id !== undefined && body.id !== id) {
      // A mismatch would write one account's attributes onto another.
      throw new UsageError(`refusing to PUT /Users/${id} with a body whose id is ${body.id}`);
    }
    const path = `/Users/${encodeURIComponent(id)}`;
    const res = await this.request({ method: 'PUT', path, body, ...(opts.notAfter !== undefined ? { notAfter: opts.notAfter } : {}) });
    if (res.status !== 200 && res.status !== 201 && res.status !== 204) throw this.statusError('PUT', path, res);
    if (res.status === 204 || res.text.trim() === '') return body;
    try {
      return this.parseUser(res, 'PUT', path);
    } catch (err) {
      // A 2xx is Zivver's acknowledgement that the write was applied; an answer we cannot read
      // does not undo it, and reporting the row as failed would invite a blind retry.
      this.logger.warn(`Zivver acknowledged PUT ${path} (${res.status}) with an answer that is not a user: ${(err as Error).message.split('\n')[0]}`);
      return body;
    }
  }

  // ---------------------------------------------------------------- the chokepoint

  /**
   * Sends one logical request: waits for the budget, applies the timeout, retries 429/5xx/network
   * failures with backoff, and returns the final response for any other status (callers decide
   * what 4xx means). 401/403 are turned into errors here, so no caller can mistake them for data.
   */
  private async request(spec: RequestSpec): Promise<Attempted> {
    const kind: RequestKind = spec.method === 'GET' ? 'read' : 'write';
    const done = await this.media.turn(kind);
    try {
      return await this.attempts(spec, kind);
    } finally {
      done();
    }
  }

  private async attempts(spec: RequestSpec, kind: RequestKind): Promise<Attempted> {
    const { method, path } = spec;
    const isWrite = method !== 'GET';
    let mayHaveApplied = false;
    let lastFailure: { kind: 'status'; res: Attempted } | { kind: 'network'; code: string; err: unknown } | undefined;
    // A repeat after a media-type refusal does not use up a retry.
    let maxRetries = this.maxRetries;
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      if (attempt > 1) {
        this.stats.retries++;
        if (isWrite && attempt === 2) this.stats.writeRetries++;
      }
      let release: () => void;
      try {
        release = await this.budget.acquire(this.signal);
      } catch (err) {
        throw this.aborted(method, path, attempt - 1, mayHaveApplied, err);
      }
      if (isWrite && spec.notAfter !== undefined && this.clock.now() > spec.notAfter) {
        // The wait for a slot outlived the data the body was built from: not sent.
        release();
        throw this.staleWrite(method, path, attempt - 1, mayHaveApplied, lastFailure);
      }
      this.stats.requests++;
      const started = this.clock.now();
      let res: Attempted;
      const sentWith = this.media.current;
      try {
        res = await this.send(spec, sentWith);
      } catch (err) {
        release();
        if (!isWrite && this.signal?.aborted) throw this.aborted(method, path, attempt, mayHaveApplied, err);
        const code = networkCode(err);
        if (isWrite && !NEVER_SENT.has(code)) mayHaveApplied = true;
        lastFailure = { kind: 'network', code, err };
        const retryable = RETRYABLE_NETWORK.has(code) || (code === 'ECONNREFUSED' && this.everConnected);
        this.logger.debug(`${method} ${path} failed: ${code}`);
        if (!retryable || attempt > maxRetries) {
          throw this.networkError(method, path, code, err, attempt, mayHaveApplied);
        }
        const backoff = this.backoffMs(attempt);
        if (this.outlives(spec, backoff)) throw this.staleWrite(method, path, attempt, mayHaveApplied, lastFailure);
        this.logger.verbose(`${method} ${path}: ${describeNetwork(code)}; retrying (attempt ${attempt + 1} of ${maxRetries + 1})`);
        await this.pause(backoff, method, path, attempt, mayHaveApplied);
        continue;
      }
      release();
      this.everConnected = true;
      this.logger.debug(`${method} ${path} → ${res.status} (${this.clock.now() - started} ms)`);
      this.followServerBudget(res);
      if (this.media.judge(kind, sentWith, res.status, () => this.mediaSwitchMessage(method, path, res, sentWith)) === 'retry') {
        // Refused for its media type only (nothing was applied): the same request again, with the other type.
        maxRetries++;
        continue;
      }

      if (res.status === 401 || res.status === 403) throw this.statusError(method, path, res, attempt, mayHaveApplied);
      if (res.status === 429) {
        this.stats.throttled++;
        lastFailure = { kind: 'status', res };
        if (attempt > maxRetries) break;
        const wait = this.throttleWaitMs(res, attempt);
        this.logger.verbose(`${method} ${path}: Zivver answered 429 Too Many Requests; waiting ${Math.round(wait)} ms before retrying`);
        // Hold back every request of this client, not only this one: they share Zivver's budget.
        this.budget.pauseUntil(this.clock.now() + wait);
        if (this.outlives(spec, wait)) throw this.staleWrite(method, path, attempt, mayHaveApplied, lastFailure);
        continue;
      }
      if (res.status >= 500 && res.status !== 501 && res.status !== 505) {
        // The server may have applied a write before failing to answer.
        if (isWrite) mayHaveApplied = true;
        lastFailure = { kind: 'status', res };
        if (attempt > maxRetries) break;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.clock.now());
        const wait = Math.min(Math.max(retryAfter ?? 0, this.backoffMs(attempt)), this.maxRetryAfterMs);
        if (this.outlives(spec, wait)) throw this.staleWrite(method, path, attempt, mayHaveApplied, lastFailure);
        this.logger.verbose(`${method} ${path}: Zivver answered ${res.status}; retrying in ${Math.round(wait)} ms (attempt ${attempt + 1} of ${maxRetries + 1})`);
        await this.pause(wait, method, path, attempt, mayHaveApplied);
        continue;
      }
      if (mayHaveApplied && isWrite && res.status >= 400) {
        // An earlier attempt may have gone through; the final 4xx does not undo that.
        throw this.statusError(method, path, res, attempt, true);
      }
      return res;
    }
    const attempts = maxRetries + 1;
    if (lastFailure?.kind === 'status') {
      throw this.statusError(method, path, lastFailure.res, attempts, mayHaveApplied, `after ${attempts} attempts`);
    }
    /* c8 ignore next */
    throw new ZivverHttpError(`${method} ${path} failed after ${attempts} attempts`, 0, '', method, path, attempts, mayHaveApplied);
  }

  /** One HTTP exchange, body included, under the client's signal and the per-request timeout. */
  private async send(spec: RequestSpec, media: MediaType): Promise<Attempted> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    // The stop signal aborts a read in flight (nothing changes), never a write already sent: its
    // answer decides whether the row is `updated`, and cutting it off only makes it ambiguous.
    const signal = this.signal && spec.method === 'GET' ? AbortSignal.any([this.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: acceptHeader(media),
      'User-Agent': 'zivver-keytool',
    };
    const init: RequestInit = { method: spec.method, headers, signal, redirect: 'manual' };
    if (spec.body !== undefined) {
      headers['Content-Type'] = media;
      init.body = JSON.stringify(spec.body);
    }
    try {
      const response = await (this.proxy ? (await this.proxyFetch())(this.baseUrl + spec.path, init) : fetch(this.baseUrl + spec.path, init));
      if (spec.consume && response.status === 200 && response.body) {
        const { head, result } = await spec.consume(response.body as unknown as AsyncIterable<Uint8Array>);
        return { status: response.status, text: head, headers: response.headers, consumed: result };
      }
      const text = await response.text();
      return { status: response.status, text, headers: response.headers };
    } catch (err) {
      if (this.proxy) {
        // undici reports a proxy's refusal as an aborted request / invalid argument: say what it was.
        const m = /Proxy Authentication Required \((\d+)\)|Proxy response \((\d+)\)/.exec(errorMessages(err));
        if (m) {
          const status = Number(m[1] ?? m[2]);
          throw Object.assign(new Error(`the proxy answered ${status}${status === 407 ? ' Proxy Authentication Required' : ''}`), { code: 'PROXY_REFUSED', status });
        }
      }
      if (timeout.aborted && !(spec.method === 'GET' && this.signal?.aborted)) throw Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'TIMEOUT' });
      throw err;
    }
  }

  /**
   * fetch through the proxy. Node 20's global fetch carries an older undici than the npm package,
   * and its dispatcher interface changed in undici 7, so proxied requests use the npm undici's own
   * fetch with its ProxyAgent (loaded only when a proxy is in use). https:// targets are tunnelled
   * with CONNECT; http:// (loopback) targets are sent to the proxy in absolute form.
   */
  private proxyFetch(): Promise<(url: string, init: RequestInit) => Promise<Response>> {
    const proxy = this.proxy!;
    this.proxiedFetch ??= import('undici').then((undici) => {
      const dispatcher = new undici.ProxyAgent({
        uri: proxy.origin,
        ...(proxy.authorization ? { token: proxy.authorization } : {}),
        proxyTunnel: new URL(this.baseUrl).protocol === 'https:',
      });
      return (url: string, init: RequestInit) =>
        undici.fetch(url, { ...(init as Parameters<typeof undici.fetch>[1]), dispatcher }) as unknown as Promise<Response>;
    });
    return this.proxiedFetch;
  }

  // ---------------------------------------------------------------- waiting

  private backoffMs(attempt: number): number {
    const exp = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
    // Jitter spreads the retries of concurrent requests so they do not hit the server together.
    return exp / 2 + Math.random() * (exp / 2);
  }

  /** How long to wait after a 429: Retry-After when given, else until our window could have drained. */
  private throttleWaitMs(res: Attempted, attempt: number): number {
    const now = this.clock.now();
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now);
    this.adoptServerLimit(res);
    if (retryAfter !== undefined) {
      if (retryAfter > this.maxRetryAfterMs) {
        this.logger.warn(`Zivver asked to wait ${Math.round(retryAfter / 1000)} s (Retry-After); waiting ${Math.round(this.maxRetryAfterMs / 1000)} s instead`);
      }
      return Math.min(retryAfter, this.maxRetryAfterMs);
    }
    // Without Retry-After the server's window is full now; it cannot have room before the oldest
    // request we sent inside it has left it. Backoff covers requests we cannot see (another client
    // using the same key), and keeps growing when the estimate proves too optimistic.
    const drain = this.budget.windowDrainsAt() - now;
    return Math.min(Math.max(drain, this.backoffMs(attempt)), this.maxRetryAfterMs);
  }

  /** Zivver's 429 body names its budget; when it is stricter than ours, enforce it for the rest of the run. */
  private adoptServerLimit(res: Attempted): void {
    let details: { budget?: unknown; windowSeconds?: unknown } | undefined;
    try {
      details = (JSON.parse(res.text) as { emptiedBucketDetails?: typeof details }).emptiedBucketDetails;
    } catch {
      return;
    }
    const requests = Number(details?.budget);
    const seconds = Number(details?.windowSeconds);
    if (!(Number.isInteger(requests) && requests >= 1 && seconds > 0 && seconds <= 3600)) return;
    this.adoptLimit({ requests, seconds });
  }

  /** A budget the server names: when it is stricter than ours, enforce it for the rest of the run (logged once). */
  private adoptLimit(limit: RateLimit): void {
    if (this.budget.addLimit(limit)) {
      const key = formatRateLimit(limit);
      if (!this.serverLimitsLogged.has(key)) {
        this.serverLimitsLogged.add(key);
        this.logger.warn(
          `Zivver reports a request budget of ${limit.requests} per ${limit.seconds} s, stricter than --rate-limit ${formatRateLimit(this.budget.limits[0]!)}; ` +
            'keeping to it for the rest of this run',
        );
      }
    }
  }

  /** RateLimit-Remaining / -Reset (or X-RateLimit-*) on an answer: the budget follows the server's own count. */
  private followServerBudget(res: Attempted): void {
    const said = parseRateLimitHeaders(res.headers, Date.now());
    if (!said) return;
    if (!this.followingServerBudget) {
      this.followingServerBudget = true;
      this.logger.verbose('Zivver reports its remaining request budget in RateLimit headers; following them');
    }
    this.budget.followServer(said.remaining, Math.min(said.resetMs, this.maxRetryAfterMs));
    if (said.limit) this.adoptLimit(said.limit);
  }

  private mediaSwitchMessage(method: string, path: string, res: Attempted, sent: MediaType): string {
    const what = res.status === 415 ? `Content-Type ${sent}` : `Accept ${acceptHeader(sent)}`;
    const said = res.text.trim() ? ` (${quoteBody(res.text).slice(0, 200)})` : '';
    return redactSecrets(
      `Zivver refused ${method} ${path} with ${res.status} ${STATUS_TEXT[res.status] ?? ''}`.trimEnd() +
        ` for ${what}${said}; sending ${otherMediaType(sent)} from now on for the rest of this run, and repeating that request`,
    );
  }

  /** Whether a write waiting `ms` more would be sent after its body's bound. */
  private outlives(spec: RequestSpec, ms: number): boolean {
    return spec.method !== 'GET' && spec.notAfter !== undefined && this.clock.now() + ms > spec.notAfter;
  }

  private staleWrite(
    method: string,
    path: string,
    attempts: number,
    mayHaveApplied: boolean,
    last: { kind: 'status'; res: Attempted } | { kind: 'network'; code: string; err: unknown } | undefined,
  ): ZivverStaleWriteError {
    const why = !last
      ? 'waiting for a request slot took too long'
      : last.kind === 'status'
        ? `Zivver answered ${last.res.status}${STATUS_TEXT[last.res.status] ? ` ${STATUS_TEXT[last.res.status]}` : ''}`
        : describeNetwork(last.code);
    return new ZivverStaleWriteError(
      redactSecrets(`${method} ${path} not ${attempts ? 're-sent' : 'sent'}: ${why}, and by the time it could be the account data in its body would be too old`) +
        (mayHaveApplied ? '\n  An earlier attempt of this write failed ambiguously: Zivver may have applied it.' : ''),
      last?.kind === 'status' ? last.res.status : 0,
      last?.kind === 'status' ? redactSecrets(last.res.text) : '',
      method,
      path,
      attempts,
      mayHaveApplied,
    );
  }

  private async pause(ms: number, method: string, path: string, attempts: number, mayHaveApplied: boolean): Promise<void> {
    try {
      await sleep(ms, this.signal, this.clock);
    } catch (err) {
      throw this.aborted(method, path, attempts, mayHaveApplied, err);
    }
  }

  // ---------------------------------------------------------------- parsing and errors

  private parseJson(res: Attempted, method: string, path: string): unknown {
    try {
      return JSON.parse(res.text);
    } catch {
      throw this.protocolError(method, path, res, 'the answer is not JSON');
    }
  }

  private parseUser(res: Attempted, method: string, path: string): ScimUser {
    const u = this.parseJson(res, method, path);
    if (!isScimUser(u)) throw this.protocolError(method, path, res, 'the answer is not a SCIM user (no id / userName)');
    return u;
  }

  private parseListResponse(res: Attempted, path: string): { resources: ScimUser[]; totalResults?: number; paged: boolean } {
    if (res.status !== 200) throw this.statusError('GET', path, res);
    const body = this.parseJson(res, 'GET', path) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw this.protocolError('GET', path, res, 'the answer is not a SCIM ListResponse');
    const raw = body.Resources ?? body.resources ?? [];
    if (!Array.isArray(raw)) throw this.protocolError('GET', path, res, '"Resources" is not a list');
    const resources: ScimUser[] = [];
    for (const r of raw) {
      if (!isScimUser(r)) throw this.protocolError('GET', path, res, 'a listed resource has no id or userName');
      resources.push(r);
    }
    const total = body.totalResults;
    const totalResults = typeof total === 'number' && Number.isInteger(total) && total >= 0 ? total : undefined;
    const paged = body.itemsPerPage !== undefined || body.startIndex !== undefined;
    return totalResults === undefined ? { resources, paged } : { resources, totalResults, paged };
  }

  /** The page a listing request brought (read as it arrived by readListPage), or the error it is. */
  private listPage<T>(res: Attempted, path: string): ListPage<T> {
    if (res.status !== 200) throw this.statusError('GET', path, res);
    const page = res.consumed as ListPage<T> | undefined;
    if (!page) {
      // A 200 without a body to stream (or a server that sent none): read as text.
      const list = this.parseListResponse(res, path);
      return { ...list, items: list.resources.map((u) => ({ id: u.id, value: u as unknown as T })) };
    }
    if (page.problem) throw this.protocolError('GET', path, res, page.problem);
    return page;
  }

  /**
   * Reads a listing's body as it arrives (Zivver sends every account in one answer, ~750 bytes
   * each): each resource is parsed on its own, checked, and reduced by `project` at once.
   * `Resources` may come before or after `totalResults`, as Zivver sends it.
   */
  private async readListPage<T>(
    body: AsyncIterable<Uint8Array>,
    project: (u: ScimUser) => T,
    before: number,
    onProgress?: (received: number, total: number | undefined) => void,
  ): Promise<{ head: string; result: ListPage<T> }> {
    const lists = new Map<string, Array<{ id: string; value: T }>>();
    let current: Array<{ id: string; value: T }> | undefined;
    let totalResults: number | undefined;
    let paged = false;
    const shape = (what: string): never => {
      throw new ListShapeError(what);
    };
    const splitter = new JsonStreamSplitter(
      {
        value: () => shape('the answer is not a SCIM ListResponse'),
        arrayStart: (key) => {
          if (key === undefined) shape('the answer is not a SCIM ListResponse');
          current = [];
          lists.set(key!, current); // a repeated key: the last one counts, as with JSON.parse
        },
        item: (u) => {
          if (!isScimUser(u)) shape('a listed resource has no id or userName');
          current!.push({ id: (u as ScimUser).id, value: project(u as ScimUser) });
          if (onProgress && current!.length % 1000 === 0) onProgress(before + current!.length, totalResults);
        },
        member: (key, value) => {
          if (key === 'totalResults') totalResults = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
          else if (key === 'itemsPerPage' || key === 'startIndex') paged = true;
          else if (key === 'Resources' || key === 'resources') {
            if (value !== null) shape(`"${key}" is not a list`);
            lists.delete(key);
          }
        },
      },
      { streamMember: (key) => key === 'Resources' || key === 'resources' },
    );
    // The start of the body, for messages about an answer that is not a listing.
    let head = '';
    let headBytes: Uint8Array[] | null = [];
    let headLength = 0;
    let problem: string | undefined;
    // A problem stops the reading (leaving the loop cancels the rest of the body).
    try {
      for await (const chunk of body) {
        if (headBytes) {
          headBytes.push(chunk);
          headLength += chunk.length;
          if (headLength >= MAX_BODY_IN_MESSAGE * 4) {
            head = Buffer.concat(headBytes).toString('utf8');
            headBytes = null;
          }
        }
        splitter.write(chunk);
      }
      if (headBytes) head = Buffer.concat(headBytes).toString('utf8');
      splitter.end();
    } catch (err) {
      if (err instanceof ListShapeError) problem = err.message;
      else if (err instanceof JsonStreamError) problem = `the answer is not JSON (line ${err.position.line}, column ${err.position.column}: ${err.reason})`;
      else throw err;
      if (headBytes) head = Buffer.concat(headBytes).toString('utf8');
    }
    if (head.length > MAX_BODY_IN_MESSAGE) head = `${head.slice(0, MAX_BODY_IN_MESSAGE)}…`;
    const items = lists.get('Resources') ?? lists.get('resources') ?? [];
    const result: ListPage<T> = { items, paged, ...(totalResults !== undefined ? { totalResults } : {}), ...(problem ? { problem } : {}) };
    return { head, result };
  }

  private listingError(detail: string): ZivverHttpError {
    return new ZivverHttpError(`Listing Zivver accounts failed: ${detail}`, 200, '', 'GET', '/Users', 1, false);
  }

  private protocolError(method: string, path: string, res: Attempted, what: string): ZivverHttpError {
    return new ZivverHttpError(
      redactSecrets(`Zivver answered ${method} ${path} with ${res.status}, but ${what}: ${quoteBody(res.text)}`),
      res.status,
      redactSecrets(res.text),
      method,
      path,
      1,
      false,
    );
  }

  private statusError(method: string, path: string, res: Attempted, attempts = 1, mayHaveApplied = false, after?: string): ZivverHttpError {
    const statusText = STATUS_TEXT[res.status] ? ` ${STATUS_TEXT[res.status]}` : '';
    let message = `Zivver answered ${res.status}${statusText} to ${method} ${path}${after ? ` ${after}` : ''}: ${quoteBody(res.text)}`;
    if (res.status === 401) {
      message +=
        `\n  ${UNAUTHORIZED_HINT}` +
        (this.keyLooksBase64
          ? '\n  The key given looks base64-encoded (it decodes to plain text): paste the key itself, not its base64 form.'
          : '\n  The key given does not look base64-encoded; check that it is complete and current.');
    }
    if (res.status === 403) message += `\n  ${AUTH_HINT}`;
    if ((res.status === 415 || res.status === 406) && this.media.switched) {
      message += `\n  Zivver refused both ${PLAIN_JSON} and ${otherMediaType(PLAIN_JSON)} for this request; the answer above says what it wanted.`;
    }
    // A 404 on /Users usually means the URL lacks Zivver's SCIM path.
    if (res.status === 404 && !/\/scim\/v2\/?$/i.test(new URL(this.baseUrl).pathname)) {
      message += `\n  Zivver's SCIM base URL ends in /api/scim/v2 (e.g. https://app.zivver.com/api/scim/v2); --zivver-url is ${this.baseUrl}`;
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    // Redirects are not followed (the key must not travel elsewhere); say where it pointed.
    if (location) message += `\n  The server redirects to ${location}; check --zivver-url.`;
    if (mayHaveApplied && method !== 'GET') message += '\n  An earlier attempt of this write failed ambiguously: Zivver may have applied it.';
    return new ZivverHttpError(redactSecrets(message), res.status, redactSecrets(res.text), method, path, attempts, mayHaveApplied);
  }

  private networkError(method: string, path: string, code: string, err: unknown, attempts: number, mayHaveApplied: boolean): ZivverUnreachableError {
    const host = new URL(this.baseUrl).host;
    const via = this.proxy ? ` through the proxy ${this.proxy.display}` : '';
    const why = code === 'PROXY_REFUSED' ? String((err as Error).message) : describeNetwork(code);
    let message = `Cannot reach Zivver at ${host}${via} (${method} ${path}): ${why}`;
    if (this.proxy && code === 'PROXY_REFUSED' && (err as { status?: number }).status === 407) {
      message += '\n  The proxy wants credentials: give them in the proxy URL (http://user:password@host:port).';
    } else if (this.proxy && NEVER_SENT.has(code)) {
      message += `\n  Check the proxy address (--proxy, HTTPS_PROXY) or use --proxy direct.`;
    }
    if (attempts > 1) message += ` (after ${attempts} attempts)`;
    if (mayHaveApplied && method !== 'GET') message += '\n  The write may have been applied by Zivver before the connection failed.';
    return new ZivverUnreachableError(redactSecrets(message), code, method, path, attempts, mayHaveApplied, { cause: err });
  }

  private aborted(method: string, path: string, attempts: number, mayHaveApplied: boolean, err: unknown): unknown {
    // Something other than our signal (should not happen) passes through unchanged.
    if (!this.signal?.aborted) return err;
    return new ZivverAbortedError(`Interrupted during ${method} ${path}`, method, path, attempts, mayHaveApplied);
  }
}

// ---------------------------------------------------------------- helpers

function defaultMargin(limit: RateLimit): number {
  // Slots already count until an answer is back (see rateBudget.ts); this only absorbs clock
  // granularity and rounding on the server's side: 1% of the window, at most 100 ms.
  return Math.min(100, limit.seconds * 1000 * 0.01);
}

function isScimUser(v: unknown): v is ScimUser {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { id?: unknown }).id === 'string' &&
    (v as { id: string }).id !== '' &&
    typeof (v as { userName?: unknown }).userName === 'string'
  );
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const h = header.trim();
  if (/^\d+(\.\d+)?$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function quoteBody(text: string): string {
  const t = text.trim();
  if (t === '') return '(empty body)';
  return t.length > MAX_BODY_IN_MESSAGE ? `${t.slice(0, MAX_BODY_IN_MESSAGE)}… (${t.length} characters)` : t;
}

/** The error code of a fetch failure: undici wraps the socket/TLS error in `cause`. */
export function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    if ((e as { name?: unknown }).name === 'TimeoutError') return 'TIMEOUT';
    e = (e as { cause?: unknown }).cause;
  }
  const msg = err instanceof Error ? `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}` : String(err);
  if (/other side closed|socket hang up|terminated/i.test(msg)) return 'ECONNRESET';
  return 'UNKNOWN';
}

/** The messages of an error and its causes, for recognising undici's proxy failures. */
function errorMessages(err: unknown): string {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    out.push(String((e as { message?: unknown }).message ?? ''));
    e = (e as { cause?: unknown }).cause;
  }
  return out.join(' | ');
}

function describeNetwork(code: string): string {
  if (TLS_EXPLANATIONS[code]) return `TLS error: ${TLS_EXPLANATIONS[code]} (${code})`;
  switch (code) {
    case 'ENOTFOUND':
      return 'the host name could not be resolved (DNS; check --zivver-url and the network/proxy)';
    case 'EAI_AGAIN':
      return 'DNS lookup failed temporarily';
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens at that address and port)';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'EPIPE':
      return `the connection was reset (${code})`;
    case 'TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no answer in time (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `network unreachable (${code})`;
    default:
      if (/CERT|TLS|SSL/.test(code)) return `TLS error (${code})`;
      return `network error (${code})`;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  406: 'Not Acceptable',
  415: 'Unsupported Media Type',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
