/**
 * SCIMMY set-up for the emulator: the zivver extension schema, the User resource declaration,
 * and the fast renderer that produces the same JSON SCIMMY would for a stored user.
 *
 * SCIMMY keeps its declarations in process-wide statics, so they are made once here and the
 * ingress/egress handlers dispatch through the per-request context to the right emulator's
 * store. That is what lets several emulators run in one test process.
 */
import SCIMMY from 'scimmy';
import { CORE_USER_SCHEMA, ENTERPRISE_SCHEMA, ZIVVER_SCHEMA, type EmulatorUser } from './types.js';

const { SchemaDefinition, Attribute } = SCIMMY.Types;

/** Known attributes of the zivver extension; anything else inside it is kept verbatim. */
export const ZIVVER_KNOWN_KEYS = ['SsoAccountKey', 'aliases', 'delegates'] as const;
export const SSO_KEY = 'SsoAccountKey';

export const ZivverUserSchema = new SchemaDefinition('ZivverUser', ZIVVER_SCHEMA, 'Zivver user extension', [
  // Like a password: accepted on write, never returned (RFC 7643 §7 returned "never", mutability writeOnly).
  new Attribute('string', SSO_KEY, { returned: 'never', mutable: 'writeOnly', caseExact: true }),
  new Attribute('string', 'aliases', { multiValued: true }),
  new Attribute('string', 'delegates', { multiValued: true }),
]);

/** Handlers the SCIMMY User resource calls; each request's context says which emulator's store. */
export interface ScimContext {
  egress(resource: SCIMMY.Resources.User): EmulatorUser | EmulatorUser[];
  ingress(resource: SCIMMY.Resources.User, instance: SCIMMY.Schemas.User): EmulatorUser;
}

/** A SCIMMY error (its typings want a string scimType; SCIM allows none). */
export function scimError(status: number, message: string, scimType?: string): SCIMMY.Types.SCIMError {
  return new SCIMMY.Types.Error(status as never, (scimType ?? null) as never, message);
}

let declared = false;

/** Declares the User resource with both extensions, once per process. */
export function ensureScimmyDeclared(): void {
  if (declared) return;
  declared = true;
  if (!SCIMMY.Resources.declared('User')) {
    SCIMMY.Resources.declare(SCIMMY.Resources.User, {
      extensions: [
        { schema: SCIMMY.Schemas.EnterpriseUser, required: false },
        { schema: ZivverUserSchema, required: false },
      ],
    } as never);
  }
  SCIMMY.Resources.User.egress(async (resource: SCIMMY.Resources.User, ctx: ScimContext) => ctx.egress(resource));
  SCIMMY.Resources.User.ingress(async (resource: SCIMMY.Resources.User, instance: SCIMMY.Schemas.User, ctx: ScimContext) =>
    ctx.ingress(resource, instance),
  );
  // Zivver does not delete users over SCIM; the emulator's own routes answer 405 before this is reached.
  SCIMMY.Resources.User.degress(async () => {
    throw scimError(405, 'DELETE is not supported for users');
  });
}

/** Zivver advertises neither PATCH nor bulk; set after SCIMMYRouters (which turns them on). */
export function setServiceProviderConfig(): void {
  SCIMMY.Config.set({
    patch: false,
    bulk: false,
    filter: { supported: true, maxResults: 1_000_000 },
    sort: false,
    changePassword: false,
    etag: false,
  } as never);
}

/** Core User attribute names in SCIMMY's schema order (the order SCIMMY renders them in). */
let coreOrder: string[] | undefined;
export function coreAttributeOrder(): string[] {
  if (!coreOrder) {
    ensureScimmyDeclared();
    const attrs = (SCIMMY.Schemas.User.definition as unknown as { attributes: Array<{ name?: string; id?: string }> }).attributes;
    coreOrder = attrs
      .map((a) => a.name)
      .filter((n): n is string => typeof n === 'string' && !['schemas', 'id', 'externalId', 'meta'].includes(n));
  }
  return coreOrder;
}

interface AttrInfo {
  name: string;
  type: string;
  config: { multiValued?: boolean };
  subAttributes?: AttrInfo[];
}

let complexAttrs: Map<string, { multi: boolean; subs: string[] }> | undefined;
/** Complex core attributes (name, phoneNumbers, ...) with their sub-attribute names in schema order. */
export function complexCoreAttributes(): Map<string, { multi: boolean; subs: string[] }> {
  if (!complexAttrs) {
    ensureScimmyDeclared();
    const attrs = (SCIMMY.Schemas.User.definition as unknown as { attributes: AttrInfo[] }).attributes;
    complexAttrs = new Map(
      attrs
        .filter((a) => String(a.type) === 'complex' && a.name !== 'meta')
        .map((a) => [a.name, { multi: Boolean(a.config?.multiValued), subs: (a.subAttributes ?? []).map((x) => x.name) }]),
    );
  }
  return complexAttrs;
}

/**
 * Sub-attributes in SCIMMY's order and spelling, unknown ones dropped, as SCIMMY's coercion
 * leaves them; so a seeded user renders byte-identically to one written through SCIMMY.
 */
function canonicaliseComplex(name: string, value: unknown): unknown {
  const info = complexCoreAttributes().get(name);
  if (!info) return value;
  const one = (v: unknown): unknown => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const sub of info.subs) {
      const k = findKey(v as Record<string, unknown>, sub);
      if (k !== undefined && (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null) {
        out[sub] = (v as Record<string, unknown>)[k];
      }
    }
    return out;
  };
  return info.multi && Array.isArray(value) ? value.map(one) : one(value);
}

const lowerCoreNames = (): Map<string, string> => new Map(coreAttributeOrder().map((n) => [n.toLowerCase(), n]));

export function isZivverKnownKey(key: string): string | undefined {
  const lk = key.toLowerCase();
  return ZIVVER_KNOWN_KEYS.find((k) => k.toLowerCase() === lk);
}

/** Finds a key case-insensitively (SCIM attribute names are case-insensitive, RFC 7643 §2.1). */
export function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  const ln = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === ln) return k;
  return undefined;
}

/** A deep plain copy that drops undefined and turns Dates into ISO strings (SCIMMY instances hide values behind getters). */
export function plain(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain).filter((v) => v !== undefined);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const v = plain((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return value;
}

/**
 * What a GET returns for a stored user, as Zivver shapes it: SCIMMY's attribute order, without
 * `SsoAccountKey`, with unknown zivver-extension keys (which SCIMMY would drop but Zivver hands
 * back), `phoneNumbers` always present and a relative `meta.location`. ~100x faster than SCIMMY's
 * coercion, which is what makes a 100,000-user listing take a second instead of half a minute.
 */
export function renderUser(u: EmulatorUser, usersLocation: string): Record<string, unknown> {
  const ent = u[ENTERPRISE_SCHEMA] as Record<string, unknown> | undefined;
  const ziv = u[ZIVVER_SCHEMA] as Record<string, unknown> | undefined;
  let zivOut: Record<string, unknown> | undefined;
  if (ziv) {
    zivOut = {};
    for (const k of Object.keys(ziv)) if (k !== SSO_KEY) zivOut[k] = ziv[k];
  }
  const schemas = [CORE_USER_SCHEMA];
  if (ent) schemas.push(ENTERPRISE_SCHEMA);
  if (ziv) schemas.push(ZIVVER_SCHEMA);
  const out: Record<string, unknown> = { schemas, id: u.id };
  if (u.externalId !== undefined) out.externalId = u.externalId;
  out.meta = { resourceType: 'User', created: u.meta.created, location: `${usersLocation}/${u.id}` };
  for (const name of coreAttributeOrder()) {
    if (name === 'password') continue;
    const v = name === 'phoneNumbers' ? (u[name] ?? []) : u[name];
    if (v !== undefined) out[name] = v;
  }
  if (ent) out[ENTERPRISE_SCHEMA] = ent;
  if (zivOut) out[ZIVVER_SCHEMA] = zivOut;
  return out;
}

/**
 * Normalises a seed user without SCIMMY's per-user coercion (100,000 seeds must load in a
 * second), into what Zivver holds: core attributes in schema order, unknown top-level keys dropped
 * (as SCIMMY would), `name` only `formatted`, `phoneNumbers` always a list, enterprise `division`
 * "/" when empty (an enterprise object given as `{}` stays `{}`), `meta.created` a date.
 */
export function normaliseSeedUser(raw: Record<string, unknown>, newId: () => string, now: string): EmulatorUser {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('a seed user must be an object');
  const names = lowerCoreNames();
  const u: Record<string, unknown> = {};
  let id: string | undefined;
  let externalId: unknown;
  let created: string | undefined;
  let ent: Record<string, unknown> | undefined;
  let ziv: Record<string, unknown> | undefined;
  const core: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const lk = k.toLowerCase();
    if (lk === 'id') id = typeof v === 'string' && v ? v : undefined;
    else if (lk === 'externalid') externalId = v;
    else if (lk === 'meta') {
      const c = (v as Record<string, unknown> | null)?.created;
      if (typeof c === 'string' || c instanceof Date) created = zivverDate(c);
    } else if (lk === ENTERPRISE_SCHEMA.toLowerCase()) ent = plain(v) as Record<string, unknown>;
    else if (lk === ZIVVER_SCHEMA.toLowerCase()) ziv = canonicaliseZivverExt(plain(v) as Record<string, unknown>);
    else if (names.has(lk) && v !== undefined && v !== null) core[names.get(lk)!] = canonicaliseComplex(names.get(lk)!, plain(v));
  }
  if (typeof core.userName !== 'string' || !core.userName) throw new TypeError('a seed user needs a userName');
  u.id = id ?? newId();
  if (externalId !== undefined) u.externalId = externalId;
  u.meta = { resourceType: 'User', created: created ?? zivverDate(now) ?? now };
  zivverCore(core);
  for (const name of coreAttributeOrder()) if (core[name] !== undefined) u[name] = core[name];
  u[ENTERPRISE_SCHEMA] = withDivision(ent);
  if (ziv) u[ZIVVER_SCHEMA] = ziv;
  return u as EmulatorUser;
}

/** Known zivver keys in canonical spelling and order; unknown keys after them, verbatim. */
export function canonicaliseZivverExt(ext: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const known of ZIVVER_KNOWN_KEYS) {
    const k = findKey(ext, known);
    if (k !== undefined && ext[k] !== undefined && ext[k] !== null) out[known] = ext[k];
  }
  for (const [k, v] of Object.entries(ext)) if (!isZivverKnownKey(k) && v !== undefined) out[k] = v;
  return out;
}

/** meta.created as Zivver gives it: a date (`2024-06-13`); undefined when unreadable. */
export function zivverDate(value: string | Date): string | undefined {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/**
 * Core attributes as Zivver holds them: `name` with only `formatted` (made from the given and
 * family names when missing), `phoneNumbers` always a list.
 */
export function zivverCore(core: Record<string, unknown>): void {
  const name = core.name as Record<string, unknown> | undefined;
  if (name && typeof name === 'object') {
    const parts = [name.givenName, name.familyName].filter((x): x is string => typeof x === 'string' && x !== '');
    const formatted = typeof name.formatted === 'string' && name.formatted !== '' ? name.formatted : parts.join(' ');
    if (formatted) core.name = { formatted };
    else delete core.name;
  }
  if (!Array.isArray(core.phoneNumbers)) core.phoneNumbers = [];
}

/**
 * Zivver renders an empty division as "/"; an enterprise object that is there but empty (`{}`, as
 * some accounts have) stays empty.
 */
export function withDivision(ent: Record<string, unknown> | undefined): Record<string, unknown> {
  if (ent && typeof ent === 'object' && Object.keys(ent).length === 0) return {};
  const out = orderEnterprise(ent ?? {});
  if (typeof out.division !== 'string' || out.division === '') out.division = '/';
  return orderEnterprise(out);
}

function orderEnterprise(ent: Record<string, unknown>): Record<string, unknown> {
  const order = ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'];
  const out: Record<string, unknown> = {};
  // Unknown enterprise keys are dropped, as SCIMMY drops them on every PUT: seeded and written users look alike.
  for (const n of order) {
    const k = findKey(ent, n);
    if (k !== undefined && ent[k] !== undefined && ent[k] !== null) out[n] = ent[k];
  }
  return out;
}

/** Deep copy for handing stored users out (tests must not be able to mutate the store by accident). */
export function cloneUser(u: EmulatorUser): EmulatorUser {
  return structuredClone(u);
}
