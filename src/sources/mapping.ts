/**
 * Record → SourceUser: which column means what (case-insensitive), how PowerShell serialised it,
 * and which addresses count. Also the per-record warnings about tell-tale export mistakes.
 */
import { firstInvisible, quoted, shown } from '../core/shown.js';
import type { SourceUser } from '../core/types.js';
import type { RawRecord } from './record.js';

/** Column names, lower-cased, in order of preference. */
export const PRIMARY_COLUMNS = ['primarysmtpaddress', 'windowsemailaddress', 'mail'] as const;
export const ADDRESS_LIST_COLUMNS = ['emailaddresses', 'proxyaddresses'] as const;
export const OBJECT_ID_COLUMNS = ['externaldirectoryobjectid', 'id', 'objectid'] as const;
export const IMMUTABLE_ID_COLUMNS = ['immutableid', 'onpremisesimmutableid'] as const;

/** Warning kinds, aggregated per input by readers. */
export type WarningKind = 'type-name' | 'bad-primary' | 'bad-smtp' | 'invisible';

export interface RecordWarning {
  kind: WarningKind;
  message: string;
}

export const WARNING_HINTS: Record<WarningKind, string> = {
  'type-name':
    "Export-Csv wrote the type of the multi-valued property, not its addresses; export it joined: Select-Object ...,@{n='EmailAddresses';e={$_.EmailAddresses -join ';'}}",
  'bad-primary': 'Check the PrimarySmtpAddress/WindowsEmailAddress/Mail column; these users can only be matched by their other addresses.',
  'bad-smtp': 'Those entries were ignored.',
  invisible:
    'An address with an invisible or control character (a zero-width space, a right-to-left override, a NUL) looks right but matches no account, or the wrong one; fix it in the source and export again.',
};

/**
 * A .NET type name where values were expected: Windows PowerShell's Export-Csv writes
 * `System.Collections.ArrayList`, `Microsoft.Exchange.Data.ProxyAddressCollection`, `System.Object[]`
 * or `System.Collections.Generic.List`1[System.String]` for multi-valued properties.
 */
const TYPE_NAME = /^(?:System|Microsoft)(?:\.[A-Za-z_][\w`]*)+(?:\[[^\]]*\])*$/;

export function isDotNetTypeName(text: string): boolean {
  return TYPE_NAME.test(text.trim());
}

/**
 * Looks like an e-mail address: a local part without spaces or separators, `@`, and a dotted
 * domain. Deliberately simple; Zivver compares addresses as text anyway.
 */
const EMAIL = /^[^\s@"(),:;<>[\]\\/]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;

export function looksLikeEmail(text: string): boolean {
  return EMAIL.test(text);
}

/**
 * PowerShell wraps some values when serialising: Windows PowerShell 5.1 writes arrays carrying
 * extended type data as {"value": [...], "Count": n}, and GUIDs can come out as {"Guid": "..."}.
 */
function unwrap(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const lower = new Map(entries.map(([k, v]) => [k.toLowerCase(), v]));
  if (lower.has('value') && entries.every(([k]) => ['value', 'count'].includes(k.toLowerCase()))) return unwrap(lower.get('value'));
  if (lower.has('guid') && entries.length === 1) return unwrap(lower.get('guid'));
  return value;
}

/** A value as text: trimmed; empty → undefined; arrays joined with ';'; objects as JSON. */
export function valueText(value: unknown): string | undefined {
  const v = unwrap(value);
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) {
    const parts = v.map((x) => valueText(x)).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(';') : undefined;
  }
  return JSON.stringify(v);
}

function get(rec: RawRecord, lowerName: string): unknown {
  return rec.props.get(lowerName)?.value;
}

function firstText(rec: RawRecord, names: readonly string[]): string | undefined {
  for (const n of names) {
    const t = valueText(get(rec, n));
    if (t !== undefined) return t;
  }
  return undefined;
}

/** ObjectGUID may also arrive as its 16 raw bytes (a JSON array of numbers): give it the octet notation. */
function guidText(value: unknown): string | undefined {
  const v = unwrap(value);
  if (Array.isArray(v) && v.length === 16 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
    return (v as number[]).map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  }
  return valueText(v);
}

interface AddressEntries {
  addresses: string[];
  /** The entry marked primary by an upper-case `SMTP:` prefix. */
  primary?: string;
}

/** One address-list value: an array of entries, or one string of entries separated by ; , or spaces. */
function addressEntries(column: string, value: unknown, warnings: RecordWarning[]): AddressEntries {
  const v = unwrap(value);
  const out: AddressEntries = { addresses: [] };
  let entries: string[];
  if (Array.isArray(v)) {
    entries = v.map((x) => valueText(x)).filter((x): x is string => x !== undefined);
  } else {
    const t = valueText(v);
    if (t === undefined) return out;
    entries = [t];
  }
  for (const whole of entries) {
    if (isDotNetTypeName(whole)) {
      warnings.push({
        kind: 'type-name',
        message: `${column} holds the .NET type name ${quoted(whole)} instead of addresses`,
      });
      continue;
    }
    // Only `SMTP:`/`smtp:` entries and unprefixed addresses are mail addresses; `SIP:`, `SPO:`,
    // `X400:`, `X500:`, `EUM:` ... never are. Those can hold spaces (X500) and `;` (X400), so the
    // pieces that follow such an entry, up to the next prefixed one, belong to it and are dropped
    // too, even when one of them looks like an address (an X500 cn may end in `...@x.nl`).
    let inForeignEntry = false;
    for (const entry of whole.split(/[;,\s]+/)) {
      if (entry === '') continue;
      const m = /^([A-Za-z][A-Za-z0-9]*):(.*)$/s.exec(entry);
      if (m) {
        inForeignEntry = m[1]!.toLowerCase() !== 'smtp';
        if (inForeignEntry) continue;
        const addr = m[2]!.trim();
        if (!looksLikeEmail(addr)) {
          warnings.push({ kind: 'bad-smtp', message: `${column} entry ${quoted(entry)} is not an e-mail address` });
          continue;
        }
        out.addresses.push(addr);
        if (m[1] === 'SMTP' && out.primary === undefined) out.primary = addr;
      } else if (!inForeignEntry && looksLikeEmail(entry)) {
        out.addresses.push(entry);
      }
    }
  }
  return out;
}

function dedupe(addresses: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of addresses) {
    const k = a.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(a);
    }
  }
  // A copy of exactly its length: an array grown by push keeps room for 17 (100,000 users hold one).
  return out.slice();
}

// A user keeps its values for the whole plan: 100,000 users need not hold 100,000 copies of
// "UserMailbox", empty lists and empty column sets (never changed after reading).
const NO_WARNINGS: string[] = Object.freeze([]) as unknown as string[];
const NO_COLUMNS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const SHARED_TEXTS = new Map<string, string>();

/** The one copy of a short text many users have (RecipientTypeDetails). */
function sharedText(t: string | undefined): string | undefined {
  if (t === undefined || t.length > 40) return t;
  const known = SHARED_TEXTS.get(t);
  if (known !== undefined) return known;
  if (SHARED_TEXTS.size < 64) SHARED_TEXTS.set(t, t);
  return t;
}

/** Maps one record. Never throws: missing values are the planner's business (an `invalid` row). */
export function toSourceUser(input: string, rec: RawRecord, keepColumns?: (lowerName: string) => boolean): { user: SourceUser; warnings: RecordWarning[] } {
  const warnings: RecordWarning[] = [];

  const listed: string[] = [];
  let listedPrimary: string | undefined;
  for (const col of ADDRESS_LIST_COLUMNS) {
    const prop = rec.props.get(col);
    if (!prop) continue;
    const e = addressEntries(prop.name, prop.value, warnings);
    listed.push(...e.addresses);
    listedPrimary ??= e.primary;
  }

  const givenPrimaries: string[] = [];
  let primaryEmail: string | undefined;
  for (const col of PRIMARY_COLUMNS) {
    const t = valueText(get(rec, col));
    if (t === undefined) continue;
    if (looksLikeEmail(t)) givenPrimaries.push(t);
    if (primaryEmail === undefined) {
      primaryEmail = t;
      if (!looksLikeEmail(t)) {
        warnings.push({ kind: 'bad-primary', message: `primary address ${quoted(t)} (${shown(rec.props.get(col)!.name)}) is not an e-mail address` });
      }
    }
  }
  // Without a usable primary column, the `SMTP:` entry is the primary address, as in Exchange.
  if (listedPrimary !== undefined && (primaryEmail === undefined || !looksLikeEmail(primaryEmail))) primaryEmail = listedPrimary;

  const emails = dedupe([...(primaryEmail !== undefined && looksLikeEmail(primaryEmail) ? [primaryEmail] : []), ...givenPrimaries, ...listed]);
  const upn = valueText(get(rec, 'userprincipalname'));
  for (const address of new Set([...(primaryEmail !== undefined ? [primaryEmail] : []), ...emails, ...(upn !== undefined ? [upn] : [])])) {
    const hidden = firstInvisible(address);
    if (hidden) {
      warnings.push({ kind: 'invisible', message: `address ${quoted(address)} contains an invisible or control character (${hidden})` });
      break;
    }
  }

  let columns: Record<string, string> | undefined;
  for (const [lower, prop] of rec.props) {
    if (keepColumns && !keepColumns(lower)) continue;
    const t = valueText(prop.value);
    if (t !== undefined) (columns ??= {})[lower] = t;
  }

  const user: SourceUser = {
    input,
    line: rec.line,
    emails,
    columns: columns ?? NO_COLUMNS,
    warnings: warnings.length ? warnings.map((w) => w.message) : NO_WARNINGS,
  };
  const set = <K extends keyof SourceUser>(key: K, value: SourceUser[K] | undefined): void => {
    if (value !== undefined) user[key] = value;
  };
  set('primaryEmail', primaryEmail);
  // Usually the primary address: one copy of it.
  set('userPrincipalName', upn !== undefined && upn === primaryEmail ? primaryEmail : upn);
  set('recipientTypeDetails', sharedText(valueText(get(rec, 'recipienttypedetails'))));
  set('displayName', valueText(get(rec, 'displayname')));
  set('objectId', firstText(rec, OBJECT_ID_COLUMNS));
  set('objectGuid', guidText(get(rec, 'objectguid')));
  set('immutableId', firstText(rec, IMMUTABLE_ID_COLUMNS));
  return { user, warnings };
}
