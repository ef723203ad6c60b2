/**
 * Key notations: turning what an input holds (an Entra object id, an AD objectGUID in one of its
 * many spellings, an ImmutableId, or any column) into the exact text Zivver stores as
 * SsoAccountKey. Pure: no I/O; Buffer is used only for base64.
 *
 * objectGUID byte order: AD stores the 16 bytes of a GUID with its first three groups
 * little-endian (the Windows GUID struct layout). So the GUID text
 * `3f2504e0-4f89-11d3-9a0c-0305e82c3301` is stored as the bytes
 * `E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01`, which the Attribute Editor shows as its octet
 * string, and whose standard base64 (`4AQlP4lP0xGaDAMF6CwzAQ==`) is the Entra ImmutableId.
 * Every Uint8Array here holds the bytes in that stored order.
 */
import { quoted, shown } from './shown.js';
import type { KeyFormat, KeySource, SourceUser } from './types.js';

/** Longest raw key we accept; real account keys are far shorter, longer text is a mistake. */
export const MAX_RAW_KEY_LENGTH = 256;

const GUID_HYPHENATED = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;
const GUID_PLAIN = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;
/** LDAP filter escape notation: `\e0\04\25...` (16 escaped bytes, nothing else). */
const LDAP_ESCAPED = /^(?:\\[0-9a-f]{2}){16}$/i;
/** `0x` followed by the 32 hex digits of the bytes in stored order (SQL varbinary literal style). */
const HEX_LITERAL = /^0x([0-9a-f]{32})$/i;
const IMMUTABLE_ID = /^[A-Za-z0-9+/]{22}==$/;
const CANONICAL_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function byteHex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** GUID text (in reading order) → bytes in AD's stored order. */
function guidTextToBytes(groups: string[]): Uint8Array {
  const [d1, d2, d3, d4, d5] = groups as [string, string, string, string, string];
  const readingOrder = hexToBytes(d1 + d2 + d3 + d4 + d5);
  const out = new Uint8Array(16);
  // First three groups are little-endian in storage; the last two are stored as written.
  out.set([readingOrder[3]!, readingOrder[2]!, readingOrder[1]!, readingOrder[0]!], 0);
  out.set([readingOrder[5]!, readingOrder[4]!], 4);
  out.set([readingOrder[7]!, readingOrder[6]!], 6);
  out.set(readingOrder.subarray(8), 8);
  return out;
}

/**
 * Only GUID text (`8-4-4-4-12`, with or without braces/hyphens). This is the one notation an Entra
 * object id comes in; the byte notations would be a sign of a wrong column.
 */
export function parseGuidText(text: string): Uint8Array | null {
  let t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1).trim();
  const m = GUID_HYPHENATED.exec(t) ?? GUID_PLAIN.exec(t);
  return m ? guidTextToBytes(m.slice(1)) : null;
}

/** The octet-string notations: 16 hex bytes in stored order. */
function parseOctets(t: string): Uint8Array | null {
  if (LDAP_ESCAPED.test(t)) return hexToBytes(t.replace(/\\/g, ''));
  const lit = HEX_LITERAL.exec(t);
  if (lit) return hexToBytes(lit[1]!);
  // Attribute Editor `E0 04 25 ...`, `0xE0 0x04 ...`, `0xE0, 0x04, ...`, BitConverter `E0-04-25-...`.
  const tokens = t.split(/[\s,:-]+/).filter((s) => s !== '');
  if (tokens.length !== 16) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const m = /^(?:0x([0-9a-f]{1,2})|([0-9a-f]{2}))$/i.exec(tokens[i]!);
    if (!m) return null;
    out[i] = parseInt(m[1] ?? m[2]!, 16);
  }
  return out;
}

/** Standard base64 of exactly 16 bytes, in its canonical spelling (no stray padding bits). */
function parseImmutableId(t: string): Uint8Array | null {
  if (!IMMUTABLE_ID.test(t)) return null;
  const bytes = Buffer.from(t, 'base64');
  // Re-encoding must give the same text; otherwise the last character carried junk bits,
  // which means a typo rather than an ImmutableId.
  if (bytes.length !== 16 || bytes.toString('base64') !== t) return null;
  return new Uint8Array(bytes);
}

/**
 * Parses a GUID in any notation an admin is likely to paste, into the 16 bytes in AD's stored
 * order; null when the text is none of them.
 *
 * 32 hex digits without separators are read as GUID text (`Guid.ToString('N')`), while the same
 * digits prefixed `0x` are the bytes in stored order, as SQL and hex dumps write them.
 */
export function parseGuid(text: string): Uint8Array | null {
  const t = text.trim();
  if (t === '') return null;
  return parseGuidText(t) ?? parseOctets(t) ?? parseImmutableId(t);
}

function assert16(bytes: Uint8Array): void {
  if (bytes.length !== 16) throw new RangeError(`a GUID has 16 bytes, got ${bytes.length}`);
}

/** Bytes in stored order → lower-case `8-4-4-4-12`. */
export function formatGuid(bytes: Uint8Array): string {
  assert16(bytes);
  const h = Array.from(bytes, byteHex);
  return (
    h[3]! + h[2]! + h[1]! + h[0]! + '-' + h[5]! + h[4]! + '-' + h[7]! + h[6]! + '-' + h[8]! + h[9]! + '-' + h.slice(10).join('')
  );
}

/** Bytes in stored order → the ImmutableId (standard base64, 24 characters). */
export function guidToImmutableId(bytes: Uint8Array): string {
  assert16(bytes);
  return Buffer.from(bytes).toString('base64');
}

/** Bytes in stored order → the Attribute Editor's octet string (`E0 04 25 ...`). */
export function formatOctetString(bytes: Uint8Array): string {
  assert16(bytes);
  return Array.from(bytes, (b) => byteHex(b).toUpperCase()).join(' ');
}

/** `objectId|objectGuid|immutableId|column:<Name>` (names in any letter case); null otherwise. */
export function parseKeySource(text: string): KeySource | null {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'objectid') return { kind: 'objectId' };
  if (lower === 'objectguid') return { kind: 'objectGuid' };
  if (lower === 'immutableid') return { kind: 'immutableId' };
  const m = /^column:(.*)$/is.exec(t);
  if (m) {
    const column = m[1]!.trim();
    // A column name with control characters cannot come from a header line.
    if (column === '' || /\p{Cc}/u.test(column)) return null;
    return { kind: 'column', column };
  }
  return null;
}

/** The spelling of a key source used on the command line and in plan documents. */
export function formatKeySource(source: KeySource): string {
  return source.kind === 'column' ? `column:${source.column}` : source.kind;
}

/** GUID-valued sources default to canonical GUID text; the others are written as given. */
export function defaultKeyFormat(source: KeySource): KeyFormat {
  return source.kind === 'objectId' || source.kind === 'objectGuid' ? 'guid' : 'raw';
}

export type DeriveKeyResult = { ok: true; key: string } | { ok: false; reason: string };

/** Control characters and invisible characters that only get into a key by accident. */
const BAD_RAW_CHAR = /[\p{Cc}\u200B-\u200D\u2028\u2029\uFEFF]/u;

/** Why a raw key is unusable, or null when it is fine. `key` must already be trimmed. */
export function rawKeyProblem(key: string): string | null {
  if (key === '') return 'is empty';
  if (BAD_RAW_CHAR.test(key)) return 'contains a control or invisible character';
  const length = [...key].length;
  if (length > MAX_RAW_KEY_LENGTH) return `is ${length} characters long (at most ${MAX_RAW_KEY_LENGTH})`;
  return null;
}

/** Shortens a value for a message so one absurd cell cannot flood the output. */
function show(value: string): string {
  return quoted(value, 60);
}

function isNil(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/**
 * Derives the key for a user from the chosen source, in the chosen format. Never throws: a user
 * without a usable key becomes an `invalid` plan row carrying `reason`.
 */
export function deriveKey(user: SourceUser, source: KeySource, format: KeyFormat): DeriveKeyResult {
  let value: string | undefined;
  let label: string;
  /** Only GUID text is an Entra object id; other notations would mean a wrong column. */
  let textOnly = false;
  switch (source.kind) {
    case 'objectId':
      value = user.objectId;
      label = 'object id (ExternalDirectoryObjectId/Id/ObjectId)';
      textOnly = true;
      if (value === undefined) return { ok: false, reason: 'no ExternalDirectoryObjectId/Id/ObjectId value' };
      break;
    case 'objectGuid':
      if (user.objectGuid !== undefined) {
        value = user.objectGuid;
        label = 'ObjectGUID';
      } else {
        value = user.immutableId;
        label = 'ImmutableId';
      }
      if (value === undefined) return { ok: false, reason: 'no ObjectGUID/ImmutableId/OnPremisesImmutableId value' };
      break;
    case 'immutableId':
      value = user.immutableId;
      label = 'ImmutableId';
      if (value === undefined) return { ok: false, reason: 'no ImmutableId/OnPremisesImmutableId value' };
      break;
    case 'column':
      value = user.columns[source.column.toLowerCase()];
      label = `column ${shown(source.column)}`;
      break;
  }
  const trimmed = (value ?? '').trim();
  if (trimmed === '') {
    return { ok: false, reason: source.kind === 'column' ? `no value in column ${quoted(source.column)}` : `empty ${label}` };
  }

  // The common case, an Entra object id already in canonical form: the answer is the text itself
  // (what parsing it into bytes and formatting them back would give).
  if (format === 'guid') {
    const lower = trimmed.toLowerCase();
    if (lower !== NIL_GUID && CANONICAL_GUID.test(lower)) return { ok: true, key: lower };
  }

  let bytes: Uint8Array | null = null;
  if (textOnly) {
    bytes = parseGuidText(trimmed);
    if (!bytes) return { ok: false, reason: `${label} ${show(trimmed)} is not a GUID (an Entra object id looks like 3f2504e0-4f89-11d3-9a0c-0305e82c3301)` };
  } else if (format !== 'raw') {
    bytes = parseGuid(trimmed);
    if (!bytes) return { ok: false, reason: `${label} ${show(trimmed)} is not a GUID in any known notation` };
  }
  if (bytes && isNil(bytes)) return { ok: false, reason: `${label} ${show(trimmed)} is the all-zero (nil) GUID` };

  switch (format) {
    case 'guid':
      return { ok: true, key: formatGuid(bytes!) };
    case 'base64':
      return { ok: true, key: guidToImmutableId(bytes!) };
    case 'raw': {
      const problem = rawKeyProblem(trimmed);
      if (problem) return { ok: false, reason: `${label} ${show(trimmed)} ${problem}` };
      return { ok: true, key: trimmed };
    }
  }
}

/**
 * Whether `key` is exactly what deriveKey could have produced in `format`. Apply uses it to
 * refuse plan rows edited into something else (e.g. by Excel).
 */
export function isValidKeyFor(key: string, format: KeyFormat): boolean {
  switch (format) {
    case 'guid':
      return CANONICAL_GUID.test(key) && key !== NIL_GUID;
    case 'base64': {
      const bytes = parseImmutableId(key);
      return bytes !== null && !isNil(bytes);
    }
    case 'raw':
      return key === key.trim() && rawKeyProblem(key) === null;
  }
}
