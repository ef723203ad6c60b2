/**
 * The emulator's user store: the full truth (keys and unknown extension keys included), a
 * case-insensitive userName index for `filter=userName eq "x"` and a per-user cache of the JSON a
 * GET returns (as UTF-8 bytes), so a 100,000-user listing is a copy of bytes rather than 100,000
 * serialisations and a 75 MB encoding.
 */
import { randomUUID } from 'node:crypto';
import SCIMMY from 'scimmy';
import {
  cloneUser,
  complexCoreAttributes,
  coreAttributeOrder,
  findKey,
  isZivverKnownKey,
  normaliseSeedUser,
  plain,
  scimError,
  renderUser,
  SSO_KEY,
  withDivision,
  zivverCore,
  zivverDate,
  ZIVVER_KNOWN_KEYS,
} from './schema.js';
import { ENTERPRISE_SCHEMA, ZIVVER_SCHEMA, ZIVVER_USERS_LOCATION, type EmulatorUser } from './types.js';

/** Attributes a client echoes back that the server owns; never taken from a request body. */
const READ_ONLY = new Set(['id', 'meta', 'schemas']);
/** Compared exactly in filters; every other string compares case-insensitively. */
const CASE_EXACT = new Set(['id', 'externalid', 'meta']);

export class UserStore {
  private readonly byId = new Map<string, EmulatorUser>();
  private readonly byUserName = new Map<string, string>();
  /** UTF-8 JSON of each user as a GET returns it: a listing is a concatenation of bytes, never re-encoded. */
  private readonly jsonCache = new Map<string, Buffer>();
  /** Where meta.location points: relative, as Zivver gives it. */
  readonly usersLocation = ZIVVER_USERS_LOCATION;

  get size(): number {
    return this.byId.size;
  }

  /** Adds or replaces users by id (seeding, admin). A userName used by another id is refused. */
  load(raw: Array<Record<string, unknown>>): EmulatorUser[] {
    if (!Array.isArray(raw)) throw new TypeError('seed users must be a JSON array of SCIM user objects');
    const now = new Date().toISOString();
    const added: EmulatorUser[] = [];
    raw.forEach((r, i) => {
      let u: EmulatorUser;
      try {
        u = normaliseSeedUser(r, randomUUID, now);
      } catch (err) {
        throw new TypeError(`seed user #${i + 1}: ${(err as Error).message}`);
      }
      this.put(u);
      added.push(u);
    });
    return added;
  }

  clear(): void {
    this.byId.clear();
    this.byUserName.clear();
    this.jsonCache.clear();
  }

  get(id: string): EmulatorUser | undefined {
    return this.byId.get(id);
  }

  all(): EmulatorUser[] {
    return [...this.byId.values()];
  }

  snapshot(): EmulatorUser[] {
    return this.all().map(cloneUser);
  }

  delete(id: string): boolean {
    const u = this.byId.get(id);
    if (!u) return false;
    this.byId.delete(id);
    this.byUserName.delete(u.userName.toLowerCase());
    this.jsonCache.delete(id);
    return true;
  }

  rename(id: string, userName: string): EmulatorUser {
    const u = this.byId.get(id);
    if (!u) throw new RangeError(`Unknown account with uuid: ${id}`);
    const next = { ...u, userName } as EmulatorUser;
    this.put(next);
    return next;
  }

  /** Stores a user, keeping the userName index and the JSON cache in step. */
  private put(u: EmulatorUser): void {
    const lower = u.userName.toLowerCase();
    const holder = this.byUserName.get(lower);
    if (holder !== undefined && holder !== u.id) {
      throw scimError(409, `userName ${u.userName} is already in use by another account`, 'uniqueness');
    }
    const prev = this.byId.get(u.id);
    if (prev && prev.userName.toLowerCase() !== lower) this.byUserName.delete(prev.userName.toLowerCase());
    this.byId.set(u.id, u);
    this.byUserName.set(lower, u.id);
    this.jsonCache.delete(u.id);
  }

  /** The JSON a GET returns for this user, as UTF-8 (cached until the user changes). */
  json(u: EmulatorUser): Buffer {
    let s = this.jsonCache.get(u.id);
    if (s === undefined) {
      s = Buffer.from(JSON.stringify(renderUser(u, this.usersLocation)), 'utf8');
      this.jsonCache.set(u.id, s);
    }
    return s;
  }

  render(u: EmulatorUser): Record<string, unknown> {
    return renderUser(u, this.usersLocation);
  }

  /**
   * Users matching a parsed SCIMMY filter, in store order. `userName eq` (the only filter Zivver
   * clients use) is an index lookup; anything else runs SCIMMY's Filter.match over
   * case-folded views, because SCIMMY compares strings exactly while SCIM says userName,
   * emails and most strings are caseExact=false.
   */
  query(filter: SCIMMY.Types.Filter | undefined): EmulatorUser[] {
    if (!filter) return this.all();
    const exprs = filter as unknown as Array<Record<string, unknown>>;
    if (exprs.length === 1) {
      const keys = Object.keys(exprs[0]!);
      const e = exprs[0]![keys[0]!];
      if (keys.length === 1 && keys[0]!.toLowerCase() === 'username' && Array.isArray(e) && e.length === 2 &&
          String(e[0]).toLowerCase() === 'eq' && typeof e[1] === 'string') {
        const id = this.byUserName.get(e[1].toLowerCase());
        const u = id === undefined ? undefined : this.byId.get(id);
        return u ? [u] : [];
      }
    }
    const folded = new SCIMMY.Types.Filter(foldFilter(exprs) as never);
    const referenced = new Set(exprs.flatMap((e) => Object.keys(e).map((k) => k.toLowerCase())));
    return this.all().filter((u) => folded.match(variants(matchView(u), referenced) as never[]).length > 0);
  }

  /**
   * Zivver's PUT: top-level attributes absent from the body are taken from the stored user; a
   * zivver extension object in the body replaces the stored one whole (keys it lacks are erased,
   * SsoAccountKey included); without one, the stored extension, key and all, is kept. Read-only
   * attributes a client echoes back (id, meta, schemas) are dropped.
   */
  mergeForZivverPut(stored: EmulatorUser, body: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = {};
    const bodyLower = new Set(Object.keys(body).map((k) => k.toLowerCase()));
    const zivLower = ZIVVER_SCHEMA.toLowerCase();
    const bodyHasZivver = [...bodyLower].some((k) => k === zivLower || k.startsWith(`${zivLower}:`));
    for (const [k, v] of Object.entries(stored)) {
      const lk = k.toLowerCase();
      if (READ_ONLY.has(lk) || bodyLower.has(lk)) continue;
      if (lk === zivLower && bodyHasZivver) continue;
      merged[k] = structuredClone(v);
    }
    for (const [k, v] of Object.entries(body)) if (!READ_ONLY.has(k.toLowerCase())) merged[k] = v;
    return merged;
  }

  /** Strict RFC replace: the body alone, minus what the server owns. */
  stripReadOnly(body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (!READ_ONLY.has(k.toLowerCase())) out[k] = v;
    return out;
  }

  /**
   * Stores what SCIMMY coerced from a PUT/POST body (SCIMMY's ingress). `raw` holds the extension
   * objects as the client sent them: SCIMMY validates the known zivver keys but drops the unknown
   * ones, which Zivver keeps, so those are taken from the raw object; and SCIMMY drops an empty
   * enterprise object, which Zivver keeps as `{}`.
   */
  ingest(id: string | undefined, instance: SCIMMY.Schemas.User, raw: RawExtensions = {}): EmulatorUser {
    const rawZivver = raw.zivver;
    const existing = id === undefined ? undefined : this.byId.get(id);
    if (id !== undefined && !existing) throw scimError(400, `Unknown account with uuid: ${id}`);
    const inst = instance as unknown as Record<string, unknown>;
    const u: Record<string, unknown> = {};
    u.id = existing?.id ?? randomUUID();
    const externalId = plain(inst.externalId);
    if (externalId !== undefined) u.externalId = externalId;
    u.meta = { resourceType: 'User', created: existing?.meta.created ?? zivverDate(new Date())! };
    const core: Record<string, unknown> = {};
    for (const name of coreAttributeOrder()) {
      if (name === 'password') continue; // Zivver has no SCIM passwords; never store one.
      const v = plain(inst[name]);
      if (v !== undefined) core[name] = v;
    }
    zivverCore(core);
    for (const name of coreAttributeOrder()) if (core[name] !== undefined) u[name] = core[name];
    const coercedEnt = plain(inst[ENTERPRISE_SCHEMA]) as Record<string, unknown> | undefined;
    u[ENTERPRISE_SCHEMA] = withDivision(coercedEnt && Object.keys(coercedEnt).length ? coercedEnt : (raw.enterprise ?? coercedEnt));
    const coercedZiv = plain(inst[ZIVVER_SCHEMA]) as Record<string, unknown> | undefined;
    if (coercedZiv !== undefined || rawZivver !== undefined) {
      const ext: Record<string, unknown> = {};
      for (const known of ZIVVER_KNOWN_KEYS) {
        // SCIMMY's writeOnly attribute may hide behind an accessor, and SCIMMY leaves out an
        // extension whose arrays are all empty; it has validated the raw values either way.
        const coerced = known === SSO_KEY ? (inst[ZIVVER_SCHEMA] as Record<string, unknown> | undefined)?.[SSO_KEY] : coercedZiv?.[known];
        const rk = rawZivver ? findKey(rawZivver, known) : undefined;
        if (coerced !== undefined && coerced !== null) ext[known] = plain(coerced);
        else if (rk !== undefined && rawZivver![rk] !== undefined && rawZivver![rk] !== null) ext[known] = plain(rawZivver![rk]);
      }
      for (const [k, v] of Object.entries(rawZivver ?? {})) if (!isZivverKnownKey(k) && v !== undefined) ext[k] = v;
      if (Object.keys(ext).length > 0) u[ZIVVER_SCHEMA] = ext;
    }
    const stored = u as EmulatorUser;
    this.put(stored);
    return stored;
  }
}

/** The extension objects of a request body as sent (see UserStore.ingest). */
export interface RawExtensions {
  zivver?: Record<string, unknown>;
  enterprise?: Record<string, unknown>;
}

/** The extension objects of a request body, found case-insensitively. */
export function rawExtensions(body: Record<string, unknown>): RawExtensions {
  const get = (schema: string): Record<string, unknown> | undefined => {
    const k = findKey(body, schema);
    const v = k === undefined ? undefined : body[k];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  };
  const out: RawExtensions = {};
  const zivver = get(ZIVVER_SCHEMA);
  const enterprise = get(ENTERPRISE_SCHEMA);
  if (zivver) out.zivver = zivver;
  if (enterprise) out.enterprise = enterprise;
  return out;
}

function fold(v: unknown): unknown {
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return v.map(fold);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = CASE_EXACT.has(k.toLowerCase()) ? x : fold(x);
    return out;
  }
  return v;
}

/** Lower-cases a parsed filter's values (comparators are compared case-insensitively anyway). */
function foldFilter(exprs: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return exprs.map((e) => fold(e) as Record<string, unknown>);
}

/**
 * SCIMMY's Filter.match cannot compare a multi-valued simple attribute (aliases, delegates: arrays
 * of strings) and throws on one. SCIM says such a filter matches when any value matches, so the
 * view is expanded into one variant per value of each such attribute the filter names (an empty
 * array becomes an absent attribute); the user matches when any variant does.
 */
function variants(view: Record<string, unknown>, referenced: Set<string>): Array<Record<string, unknown>> {
  let out = [view];
  for (const k of Object.keys(view)) {
    const v = view[k];
    if (!referenced.has(k.toLowerCase()) || !Array.isArray(v) || v.some((x) => x !== null && typeof x === 'object')) continue;
    const values = v.length ? v : [undefined];
    out = out.flatMap((base) => values.map((x) => ({ ...base, [k]: x })));
  }
  return out;
}

/** A user as filters see it: case-folded, extension attributes also under their full URN names. */
function matchView(u: EmulatorUser): Record<string, unknown> {
  const v = fold(u) as Record<string, unknown>;
  // SCIMMY's Filter.match throws on a complex filter (name.formatted co "x") against a user
  // without that attribute; an empty value means the same and matches nothing.
  for (const [name, info] of complexCoreAttributes()) if (v[name] === undefined) v[name] = info.multi ? [] : {};
  // Filtering on a write-only attribute must not reveal it (RFC 7644 §3.4.2.2), so it is not in the view.
  const z = v[ZIVVER_SCHEMA] as Record<string, unknown> | undefined;
  if (z) delete z[SSO_KEY];
  for (const ext of [ENTERPRISE_SCHEMA, ZIVVER_SCHEMA]) {
    const obj = v[ext];
    if (obj && typeof obj === 'object') for (const [k, x] of Object.entries(obj)) v[`${ext}:${k}`] = x;
  }
  return v;
}
