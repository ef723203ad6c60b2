/**
 * The Zivver SCIM emulator: SCIMMY (schemas, query parsing, filters, coercion) behind
 * scimmy-routers on express, with Zivver's behaviours in front of it.
 *
 * Request path under /api/scim/v2:
 *   stats → latency → bearer auth (plain-text 401) → rate budget (JSON 429) → fault rules →
 *   the emulator's /Users routes (Zivver quirks; SCIMMY parses, validates and renders) →
 *   scimmy-routers (Schemas, ResourceTypes, ServiceProviderConfig, /.search, 404s).
 * scimmy-routers' own /Users routes are shadowed because Zivver differs from RFC 7644 where it
 * matters to a client: 400 plain text for unknown ids, merge-on-PUT, a listing that is only
 * `{"Resources": [...], "totalResults": N}`, no PATCH, a relative meta.location, one media type
 * for user writes (415 otherwise), framework errors as JSON (`{"code":415,"message":"HTTP 415
 * Unsupported Media Type"}`) and business errors as plain text. Admin endpoints live under
 * /_emulator/ (same key; no budget, faults or stats).
 */
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { UsageError } from '../errors.js';
import { FaultInjector, faultRulesFromJson, faultRulesToJson } from './faults.js';
import { makeBudget, tooManyRequestsBody, type RequestBudget } from './rateLimit.js';
import { cloneUser, ensureScimmyDeclared, isZivverKnownKey, scimError, setServiceProviderConfig, type ScimContext } from './schema.js';
import { rawExtensions, UserStore, type RawExtensions } from './store.js';
import {
  ADMIN_BASE_PATH,
  LIST_RESPONSE_SCHEMA,
  SCIM_BASE_PATH,
  ZIVVER_SCHEMA,
  type EmulatorConfigPatch,
  type EmulatorHandle,
  type EmulatorOptions,
  type EmulatorStats,
  type EmulatorUser,
  type FaultRule,
  type PagingMode,
  type PutContentType,
  type PutMode,
} from './types.js';

const LOOPBACK = new Map([
  ['127.0.0.1', '127.0.0.1'],
  ['localhost', '127.0.0.1'],
  ['::1', '::1'],
  ['[::1]', '::1'],
]);

const SCIM_JSON = 'application/scim+json';
const PLAIN_JSON = 'application/json';

interface Settings {
  putMode: PutMode;
  putContentType: PutContentType;
  paging: PagingMode;
  defaultPageSize: number;
  rateLimit: RequestBudget | null;
  retryAfter: number | 'auto' | undefined;
  rateLimitHeaders: boolean;
  latencyMs: number;
}

export function parsePutContentType(value: string): PutContentType {
  if (value === 'json' || value === 'scim' || value === 'any') return value;
  throw new UsageError(`put content type must be json, scim or any, not "${value}"`);
}

export function parsePagingMode(mode: string): PagingMode {
  if (mode === 'all' || mode === 'honor' || mode === 'ignore') return mode;
  const m = /^cap:(\d+)$/.exec(mode);
  if (m && Number(m[1]) > 0) return `cap:${Number(m[1])}`;
  throw new UsageError(`paging must be all, honor, ignore or cap:<N> (N > 0), not "${mode}"`);
}

function freshStats(): EmulatorStats {
  return { requests: 0, byMethod: {}, byStatus: {}, throttled: 0, writes: 0, faultsFired: 0, unauthorized: 0 };
}

function resetStatsInPlace(s: EmulatorStats): void {
  Object.assign(s, freshStats());
}

function applyConfig(settings: Settings, patch: EmulatorConfigPatch): void {
  if (patch.putMode !== undefined) {
    if (patch.putMode !== 'zivver' && patch.putMode !== 'strict') throw new UsageError(`putMode must be zivver or strict, not "${String(patch.putMode)}"`);
    settings.putMode = patch.putMode;
  }
  if (patch.putContentType !== undefined) settings.putContentType = parsePutContentType(patch.putContentType);
  if (patch.paging !== undefined) settings.paging = parsePagingMode(patch.paging);
  if (patch.defaultPageSize !== undefined) {
    if (!Number.isInteger(patch.defaultPageSize) || patch.defaultPageSize < 1) throw new UsageError('defaultPageSize must be a positive integer');
    settings.defaultPageSize = patch.defaultPageSize;
  }
  if (patch.latencyMs !== undefined) {
    if (!(patch.latencyMs >= 0)) throw new UsageError('latencyMs must be >= 0');
    settings.latencyMs = patch.latencyMs;
  }
  if (patch.rateLimit !== undefined) {
    const rl = patch.rateLimit;
    if (rl === null) {
      settings.rateLimit = null;
      settings.retryAfter = undefined;
      settings.rateLimitHeaders = false;
    } else {
      if (rl.mode !== undefined && rl.mode !== 'bucket' && rl.mode !== 'window') throw new UsageError(`rate limit mode must be bucket or window, not "${String(rl.mode)}"`);
      try {
        settings.rateLimit = makeBudget(rl.mode ?? 'bucket', rl.budget, rl.windowSeconds);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      settings.rateLimitHeaders = rl.headers === true;
      const ra = rl.retryAfterSeconds;
      if (ra !== undefined && ra !== 'auto' && !(Number.isFinite(ra) && ra >= 0)) throw new UsageError('retryAfterSeconds must be >= 0 or "auto"');
      settings.retryAfter = ra;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sendText(res: Response, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.status(status).set('Content-Type', contentType).send(text);
}

function sendScimJson(res: Response, status: number, json: string | Buffer): void {
  // As text, so express names the charset as it always did.
  res.status(status).set('Content-Type', (res.locals.mediaType as string | undefined) ?? SCIM_JSON).send(typeof json === 'string' ? json : json.toString('utf8'));
}

const FRAMEWORK_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
};

/** Zivver's framework (Dropwizard) errors are JSON: `{"code":415,"message":"HTTP 415 Unsupported Media Type"}`. */
function sendFrameworkError(res: Response, status: number, message?: string): void {
  let text = message;
  if (text === undefined) {
    text = status >= 500
      ? `There was an error processing your request. It has been logged (ID ${Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0')}).`
      : `HTTP ${status} ${FRAMEWORK_TEXT[status] ?? 'Error'}`;
  }
  res.status(status).set('Content-Type', PLAIN_JSON).send(JSON.stringify({ code: status, message: text }));
}

/**
 * An error as Zivver answers it: what SCIMMY finds wrong with a request (a bad filter, a value of
 * the wrong type) is a business error, plain text with the reason; anything unexpected is a
 * framework 500.
 */
function sendScimError(res: Response, ex: unknown): void {
  const isScim = ex instanceof SCIMMY.Types.Error;
  const status = Number(isScim ? ex.status : (ex as { status?: number })?.status ?? 500);
  if (status >= 500 || !(status >= 400)) return sendFrameworkError(res, 500);
  sendText(res, status, String((ex as Error).message ?? 'Bad request'));
}

/** The media type in a Content-Type header, lower-cased, without parameters. */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether an Accept header (absent: anything) admits this media type. */
function accepts(accept: string | undefined, type: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [major] = type.split('/');
  return accept.split(',').some((part) => {
    const [range, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false;
    return range === type || range === '*/*' || range === `${major}/*`;
  });
}

/** The media types user writes may carry in this mode. */
function writeTypes(mode: PutContentType): string[] {
  return mode === 'json' ? [PLAIN_JSON] : mode === 'scim' ? [SCIM_JSON] : [SCIM_JSON, PLAIN_JSON];
}

function keyMatches(header: string | undefined, apiKey: Buffer): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  return given.length === apiKey.length && timingSafeEqual(given, apiKey);
}

/** express's query values are strings (or arrays); SCIMMY wants numbers for paging. */
function scimQuery(req: Request): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    const val = Array.isArray(v) ? v[v.length - 1] : v;
    if ((k === 'startIndex' || k === 'count') && typeof val === 'string' && /^-?\d+$/.test(val)) q[k] = Number(val);
    else q[k] = val;
  }
  return q;
}

/**
 * Final touches on what SCIMMY rendered for one user:
 * - meta.location: SCIMMY takes it from a process-wide basepath; pin it to this emulator's URL.
 * - the zivver extension: SCIMMY drops unknown keys and drops the whole extension when its
 *   arrays are all empty; Zivver returns the extension as stored (minus the key), so without an
 *   attribute projection it is rendered from the store, exactly as the listing renders it.
 */
function finishRendered(out: unknown, stored: EmulatorUser, usersLocation: string): Record<string, unknown> {
  const o = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  if (o.meta && typeof o.meta === 'object') (o.meta as Record<string, unknown>).location = `${usersLocation}/${stored.id}`;
  const ext = stored[ZIVVER_SCHEMA] as Record<string, unknown> | undefined;
  if (!ext || o[ZIVVER_SCHEMA] === undefined) return o;
  const unknown = Object.entries(ext).filter(([k]) => !isZivverKnownKey(k));
  o[ZIVVER_SCHEMA] = { ...(o[ZIVVER_SCHEMA] as Record<string, unknown>), ...Object.fromEntries(unknown) };
  const schemas = Array.isArray(o.schemas) ? (o.schemas as string[]) : [];
  if (!schemas.includes(ZIVVER_SCHEMA)) o.schemas = [...schemas, ZIVVER_SCHEMA];
  return o;
}

export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const hostIn = options.host ?? '127.0.0.1';
  const host = LOOPBACK.get(hostIn.toLowerCase());
  if (!host) throw new UsageError(`the emulator listens on loopback only (127.0.0.1, ::1 or localhost), not "${hostIn}"`);
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) throw new UsageError('the emulator needs an API key');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port ${String(options.port)}`);

  ensureScimmyDeclared();
  const apiKey = Buffer.from(options.apiKey);
  const settings: Settings = {
    putMode: 'zivver',
    putContentType: 'json',
    paging: 'all',
    defaultPageSize: 100,
    rateLimit: null,
    retryAfter: undefined,
    rateLimitHeaders: false,
    latencyMs: 0,
  };
  applyConfig(settings, {
    putMode: options.putMode,
    putContentType: options.putContentType,
    paging: options.paging,
    defaultPageSize: options.defaultPageSize,
    rateLimit: options.rateLimit ?? null,
    latencyMs: options.latencyMs,
  });
  const store = new UserStore();
  if (options.users) store.load(options.users);
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
  const stats = freshStats();
  const log = options.logRequests ? (options.log ?? ((line: string) => process.stderr.write(line + '\n'))) : undefined;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ---- admin endpoints -------------------------------------------------------------------
  const admin = express.Router();
  admin.use((req, res, next) => (keyMatches(req.get('authorization'), apiKey) ? next() : sendText(res, 401, 'Invalid API key')));
  admin.use(express.json({ limit: '512mb' }));
  admin.get('/state', (_req, res) => {
    res.json({ count: store.size, users: store.snapshot() });
  });
  admin.get('/users/:id', (req, res) => {
    const u = store.get(req.params.id!);
    if (!u) sendText(res, 404, `Unknown account with uuid: ${req.params.id}`);
    else res.json(cloneUser(u));
  });
  admin.put('/users', (req, res) => {
    store.clear();
    const added = store.load(req.body as Array<Record<string, unknown>>);
    res.json({ count: added.length });
  });
  admin.post('/users', (req, res) => {
    const body = req.body as unknown;
    const added = store.load(Array.isArray(body) ? (body as Array<Record<string, unknown>>) : [body as Record<string, unknown>]);
    res.status(201).json({ users: added.map(cloneUser) });
  });
  admin.post('/users/:id/rename', (req, res) => {
    const userName = (req.body as { userName?: unknown } | undefined)?.userName;
    if (typeof userName !== 'string' || !userName) return sendText(res, 400, 'body must be {"userName": "..."}');
    if (!store.get(req.params.id!)) return sendText(res, 404, `Unknown account with uuid: ${req.params.id}`);
    res.json(cloneUser(store.rename(req.params.id!, userName)));
  });
  admin.delete('/users/:id', (req, res) => {
    if (store.delete(req.params.id!)) res.status(204).end();
    else sendText(res, 404, `Unknown account with uuid: ${req.params.id}`);
  });
  admin.get('/faults', (_req, res) => {
    res.json(faultRulesToJson(faults.rules()));
  });
  admin.put('/faults', (req, res) => {
    faults.set(faultRulesFromJson(req.body));
    res.json(faultRulesToJson(faults.rules()));
  });
  admin.get('/stats', (_req, res) => {
    res.json(stats);
  });
  admin.post('/stats/reset', (_req, res) => {
    resetStatsInPlace(stats);
    res.json(stats);
  });
  admin.get('/config', (_req, res) => {
    res.json(publicSettings(settings));
  });
  admin.put('/config', (req, res) => {
    applyConfig(settings, (req.body ?? {}) as EmulatorConfigPatch);
    res.json(publicSettings(settings));
  });
  admin.use((req, res) => sendText(res, 404, `No such emulator endpoint: ${req.method} ${req.path}`));
  admin.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; message?: string };
    const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
    sendText(res, status, e.message ?? String(err));
  });
  app.use(ADMIN_BASE_PATH, admin);

  // ---- SCIM ----------------------------------------------------------------------------------
  const scim = express.Router();
  scim.use((req, res, next) => {
    stats.requests++;
    stats.byMethod[req.method] = (stats.byMethod[req.method] ?? 0) + 1;
    const started = performance.now();
    res.on('finish', () => {
      stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
      if (res.statusCode === 429) stats.throttled++;
      log?.(`${req.method} ${req.originalUrl} ${res.statusCode} ${Math.round(performance.now() - started)}ms`);
    });
    res.on('close', () => {
      if (!res.writableFinished) log?.(`${req.method} ${req.originalUrl} connection reset ${Math.round(performance.now() - started)}ms`);
    });
    next();
  });
  scim.use(async (_req, _res, next) => {
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    next();
  });
  scim.use((req, res, next) => {
    if (keyMatches(req.get('authorization'), apiKey)) return next();
    stats.unauthorized++;
    sendText(res, 401, 'Invalid API key');
  });
  scim.use((_req, res, next) => {
    const rl = settings.rateLimit;
    if (!rl) return next();
    const r = rl.take();
    if (settings.rateLimitHeaders) {
      const { remaining, resetSeconds } = rl.state();
      res.set({ 'RateLimit-Limit': `${rl.budget}, ${rl.budget};w=${rl.windowSeconds}`, 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(resetSeconds) });
    }
    if (r.ok) return next();
    if (settings.retryAfter !== undefined) {
      res.set('Retry-After', String(settings.retryAfter === 'auto' ? Math.max(1, Math.ceil(r.retryAfterMs / 1000)) : settings.retryAfter));
    }
    sendText(res, 429, tooManyRequestsBody(rl.budget, rl.windowSeconds), 'application/json');
  });
  scim.use(async (req, res, next) => {
    const rule = faults.match(req.method, req.url);
    if (!rule) return next();
    stats.faultsFired++;
    if (rule.delayMs) await sleep(rule.delayMs);
    if (rule.applyThenFail) {
      res.locals.applyThenFail = rule;
      return next();
    }
    if (rule.reset) {
      req.socket.destroy();
      return;
    }
    if (rule.status === undefined && rule.body === undefined && !rule.headers) return next(); // a pure delay
    failWith(res, rule, settings);
  });

  const users = express.Router();
  users.use((req, res, next) => {
    if (req.method === 'PUT' || req.method === 'POST') {
      // Writes carry one media type (Zivver is known to take application/json for users).
      const allowed = writeTypes(settings.putContentType);
      if (!allowed.includes(mediaTypeOf(req.get('content-type')))) return sendFrameworkError(res, 415);
      const answer = allowed.find((t) => accepts(req.get('accept'), t));
      if (!answer) return sendFrameworkError(res, 406);
      res.locals.mediaType = answer;
    } else {
      res.locals.mediaType = accepts(req.get('accept'), SCIM_JSON) ? SCIM_JSON : PLAIN_JSON;
    }
    next();
  });
  users.use(express.json({ type: [SCIM_JSON, PLAIN_JSON], limit: '1mb' }));
  const usersLocation = () => store.usersLocation;

  users.get('/', async (req, res) => {
    let page: EmulatorUser[];
    let head: string;
    let tail: string;
    let resource: SCIMMY.Resources.User;
    try {
      resource = new SCIMMY.Resources.User(scimQuery(req) as never);
      const matches = store.query(resource.filter);
      const { startIndex, count } = (resource.constraints ?? {}) as { startIndex?: number; count?: number };
      page = matches;
      let paging = '';
      const mode = settings.paging;
      if (mode !== 'all') {
        const cap = mode.startsWith('cap:') ? Number(mode.slice(4)) : Infinity;
        const size = Math.min(count ?? (Number.isFinite(cap) ? cap : settings.defaultPageSize), cap);
        // A broken server: the first page whatever was asked, yet it claims the asked startIndex.
        const from = mode === 'ignore' ? 0 : (startIndex ?? 1) - 1;
        page = matches.slice(from, from + size);
        paging = `,"itemsPerPage":${page.length},"startIndex":${startIndex ?? 1}`;
      }
      // Zivver lists everything as {"Resources": [...], "totalResults": N} and nothing else; the
      // paging modes stand for other SCIM servers and answer as RFC 7644 says.
      head = mode === 'all' ? '{"Resources":[' : `{"schemas":["${LIST_RESPONSE_SCHEMA}"],"totalResults":${matches.length}${paging},"Resources":[`;
      tail = mode === 'all' ? `],"totalResults":${matches.length}}` : ']}';
    } catch (ex) {
      return sendScimError(res, ex);
    }
    const render = resource.attributes
      ? // attributes/excludedAttributes: SCIMMY's coercion does the projection (slow but exact).
        (u: EmulatorUser) =>
          Buffer.from(JSON.stringify(finishRendered(new SCIMMY.Schemas.User(u, 'out', usersLocation(), resource.attributes), u, usersLocation())))
      : (u: EmulatorUser) => store.json(u);
    // Streamed in batches of ready-made UTF-8: 100,000 users are ~75 MB of JSON, which need not
    // exist as one string, nor be encoded again for every listing.
    res.status(200).set('Content-Type', res.locals.mediaType as string);
    res.write(head);
    const BATCH = 2000;
    const comma = Buffer.from(',');
    for (let i = 0; i < page.length; i += BATCH) {
      const parts: Buffer[] = [];
      for (let k = i; k < Math.min(i + BATCH, page.length); k++) {
        if (k > 0) parts.push(comma);
        parts.push(render(page[k]!));
      }
      if (!res.write(Buffer.concat(parts))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
        if (res.destroyed) return;
      }
    }
    res.end(tail);
  });

  const contextFor = (raw?: RawExtensions): ScimContext => ({
    egress: (resource) => {
      if (resource.id) {
        const u = store.get(resource.id);
        if (!u) throw scimError(400, `Unknown account with uuid: ${resource.id}`);
        return u;
      }
      return store.query(resource.filter);
    },
    ingress: (resource, instance) => store.ingest(resource.id, instance, raw),
  });

  users.get('/:id', async (req, res) => {
    const id = req.params.id!;
    const stored = store.get(id);
    if (!stored) return sendText(res, 400, `Unknown account with uuid: ${id}`);
    try {
      const resource = new SCIMMY.Resources.User(id, scimQuery(req) as never);
      if (!resource.attributes) return sendScimJson(res, 200, store.json(stored));
      const out = await resource.read(contextFor());
      sendScimJson(res, 200, JSON.stringify(finishRendered(out, stored, usersLocation())));
    } catch (ex) {
      sendScimError(res, ex);
    }
  });

  const write = async (req: Request, res: Response, id: string | undefined) => {
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return sendFrameworkError(res, 400, 'Unable to process JSON');
    let payload = body as Record<string, unknown>;
    if (id !== undefined) {
      const stored = store.get(id);
      if (!stored) return sendText(res, 400, `Unknown account with uuid: ${id}`);
      payload = settings.putMode === 'zivver' ? store.mergeForZivverPut(stored, payload) : store.stripReadOnly(payload);
    } else {
      payload = store.stripReadOnly(payload);
    }
    try {
      const resource = id === undefined ? new SCIMMY.Resources.User(scimQuery(req) as never) : new SCIMMY.Resources.User(id, scimQuery(req) as never);
      const out = await resource.write(payload, contextFor(rawExtensions(payload)));
      stats.writes++;
      const stored = store.get((out as unknown as { id: string }).id)!;
      const rule = res.locals.applyThenFail as FaultRule | undefined;
      if (rule) {
        if (rule.reset) {
          req.socket.destroy();
          return;
        }
        return failWith(res, { ...rule, status: rule.status ?? 500 }, settings);
      }
      const shown = resource.attributes ? JSON.stringify(finishRendered(out, stored, usersLocation())) : store.json(stored);
      sendScimJson(res, id === undefined ? 201 : 200, shown);
    } catch (ex) {
      sendScimError(res, ex);
    }
  };
  users.put('/:id', (req, res) => write(req, res, req.params.id!));
  users.post('/', (req, res) => write(req, res, undefined));
  // Zivver updates users with PUT only; and users are not deleted over SCIM.
  users.all('/:id', (req, res, next) => {
    if (req.method !== 'PATCH' && req.method !== 'DELETE') return next();
    res.set('Allow', 'GET, PUT');
    sendFrameworkError(res, 405);
  });
  users.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Body parser errors (broken JSON, too large) and anything thrown synchronously: the framework answers.
    const e = err as { status?: number; type?: string };
    if (e.type === 'entity.parse.failed') return sendFrameworkError(res, 400, 'Unable to process JSON');
    sendFrameworkError(res, e.status && e.status >= 400 && e.status < 500 ? e.status : 500);
  });
  scim.use('/Users', users);
  // Only SCIM's discovery endpoints are left to scimmy-routers; anything else is the framework's 404.
  scim.use((req, res, next) => (/^\/(Schemas|ResourceTypes|ServiceProviderConfig)(\/|$)/.test(req.path) ? next() : sendFrameworkError(res, 404)));

  scim.use(
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://docs.zivver.com/',
      // Authentication already happened above (Zivver answers 401 in plain text, not as a SCIM error).
      handler: async () => 'emulator',
      context: () => contextFor(),
    }) as unknown as express.Router,
  );
  setServiceProviderConfig();
  app.use(SCIM_BASE_PATH, scim);
  app.use((_req, res) => sendFrameworkError(res, 404));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const url = `${origin}${SCIM_BASE_PATH}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    port: actualPort,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open for seconds.
        server.closeAllConnections();
      });
      return closed;
    },
    users: () => store.snapshot(),
    getUser: (id) => {
      const u = store.get(id);
      return u ? cloneUser(u) : undefined;
    },
    getKey: (id) => {
      const ext = store.get(id)?.[ZIVVER_SCHEMA] as Record<string, unknown> | undefined;
      const k = ext?.SsoAccountKey;
      return typeof k === 'string' ? k : undefined;
    },
    setFaults: (rules) => faults.set(rules),
    renameUser: (id, userName) => {
      store.rename(id, userName);
    },
    deleteUser: (id) => {
      if (!store.delete(id)) throw new RangeError(`Unknown account with uuid: ${id}`);
    },
    addUsers: (list) => store.load(list).map(cloneUser),
    replaceUsers: (list) => {
      store.clear();
      store.load(list);
    },
    configure: (patch) => applyConfig(settings, patch),
    stats,
    resetStats: () => resetStatsInPlace(stats),
  };
}

function failWith(res: Response, rule: FaultRule, settings: Settings): void {
  const status = rule.status ?? 500;
  if (rule.headers) res.set(rule.headers);
  if (status === 429 && rule.body === undefined) {
    const budget = settings.rateLimit?.budget ?? 50;
    const windowSeconds = settings.rateLimit?.windowSeconds ?? 10;
    return sendText(res, 429, tooManyRequestsBody(budget, windowSeconds), 'application/json');
  }
  sendText(res, status, rule.body ?? (status >= 500 ? 'Internal Server Error' : `Injected fault ${status}`), rule.contentType);
}

function publicSettings(s: Settings): Record<string, unknown> {
  return {
    putMode: s.putMode,
    putContentType: s.putContentType,
    paging: s.paging,
    defaultPageSize: s.defaultPageSize,
    latencyMs: s.latencyMs,
    rateLimit: s.rateLimit
      ? { mode: s.rateLimit.mode, budget: s.rateLimit.budget, windowSeconds: s.rateLimit.windowSeconds, retryAfterSeconds: s.retryAfter, headers: s.rateLimitHeaders }
      : null,
  };
}
