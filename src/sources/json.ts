/**
 * JSON reader: an array of objects (ConvertTo-Json, Graph exports), one object per line
 * (`ConvertTo-Json -Compress` per object; also pretty objects one after another), a single
 * object, or OData envelopes `{"@odata.context": ..., "value": [...]}` as REST calls return them
 * (one after another when several pages were saved). The input is read in pieces by the streaming splitter (src/util/jsonStream.ts): each
 * top-level object, or each item of the top-level array, is parsed on its own with JSON.parse and
 * handed on at once with the line it starts on, so a 100,000-user file is never held as one text
 * nor as one parsed tree. Where the JSON is broken, the splitter says exactly where (line and
 * column) and what is wrong.
 */
import { MAX_JSON_DEPTH } from '../core/jsonDepth.js';
import { quoted } from '../core/shown.js';
import { InputError } from '../errors.js';
import { JsonStreamError, JsonStreamSplitter, type JsonPosition } from '../util/jsonStream.js';
import type { ParsedRecords, RawProp, RawRecord } from './record.js';

const FIX_HINT = 'Fix the file or export it again (ConvertTo-Json -Depth 5 | Set-Content -Encoding UTF8).';
const ITEM_HINT = 'Every item must be one user object, e.g. {"PrimarySmtpAddress": "...", "ExternalDirectoryObjectId": "..."}.';

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return 'a number';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An OData collection envelope: what Exchange Online's admin API, Graph Explorer,
 * Invoke-MgGraphRequest and Invoke-RestMethod return and admins save as is,
 * `{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}`; also Windows PowerShell 5.1's
 * `{"value": [...], "Count": n}`. Recognised when `value` is an array and every other member is an
 * annotation (`@odata.*`, `@microsoft.graph.tips` ...) or `Count`; null for anything else (a user object).
 */
function odataEnvelope(obj: Record<string, unknown>): { nextLink: boolean } | null {
  let value = false;
  let nextLink = false;
  for (const [k, v] of Object.entries(obj)) {
    const key = k.toLowerCase();
    if (key === 'value') {
      if (!Array.isArray(v)) return null;
      value = true;
    } else if (key.includes('@')) {
      if (key === '@odata.nextlink' && typeof v === 'string') nextLink = true;
    } else if (key !== 'count') {
      return null;
    }
  }
  return value ? { nextLink } : null;
}

/** A property of a record object as written: its name literal and where its value is. */
interface PropSpan {
  /** The name as a JSON string literal, quotes included. */
  rawName: string;
  namePos: number;
  valueStart: number;
  valueEnd: number;
}

interface ObjectSpan {
  /** Index of the closing `}`, or -1 when the object never closes. */
  end: number;
  /** Index of the first `{`/`[` nested more than MAX_DEPTH levels, or -1. */
  tooDeep: number;
  /** The object's own properties (not those of nested objects), in order. */
  props: PropSpan[];
}

/**
 * Scans the object starting at `start` (a `{`) without recursion: where it ends, whether it nests
 * too deeply, and where each of its own properties is (to find a name written twice, which
 * JSON.parse would silently resolve to the last value).
 */
function scanObject(s: string, start: number): ObjectSpan {
  const props: PropSpan[] = [];
  let depth = 0;
  let expectName = false;
  let cur: { rawName: string; namePos: number; valueStart: number } | null = null;
  const finish = (end: number) => {
    if (cur && cur.valueStart >= 0) props.push({ ...cur, valueEnd: end });
    cur = null;
  };
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const from = i;
      // Skip the string, honouring escapes.
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (depth === 1 && expectName) {
        cur = { rawName: s.slice(from, i + 1), namePos: from, valueStart: -1 };
        expectName = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > MAX_JSON_DEPTH) return { end: -1, tooDeep: i, props };
      if (depth === 1) expectName = true;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 1) finish(i);
      depth--;
      if (depth === 0) return { end: i, tooDeep: -1, props };
    } else if (depth === 1) {
      if (c === 0x3a && cur && cur.valueStart < 0) cur.valueStart = i + 1;
      else if (c === 0x2c) {
        finish(i);
        expectName = true;
      }
    }
  }
  return { end: -1, tooDeep: -1, props };
}

/** A property value that says nothing (null or blank text): another spelling of it may say something. */
function isBlankValue(v: unknown): boolean {
  return v === null || (typeof v === 'string' && v.trim() === '');
}

/**
 * A name written twice in one object (compared without regard to case) with two different values:
 * which one is meant cannot be known, and keeping either could give a user another user's key.
 */
function checkDuplicateNames(name: string, text: string, span: ObjectSpan, lineOf: (pos: number) => number): void {
  if (span.props.length < 2) return;
  const seen = new Map<string, PropSpan>();
  for (const p of span.props) {
    const propName = (JSON.parse(p.rawName) as string).trim();
    const lower = propName.toLowerCase();
    if (lower === '' || lower.includes('@odata.')) continue;
    const first = seen.get(lower);
    if (!first) {
      seen.set(lower, p);
      continue;
    }
    const a = JSON.parse(text.slice(first.valueStart, first.valueEnd)) as unknown;
    const b = JSON.parse(text.slice(p.valueStart, p.valueEnd)) as unknown;
    if (isBlankValue(a) || isBlankValue(b) || JSON.stringify(a) === JSON.stringify(b)) continue;
    const firstName = (JSON.parse(first.rawName) as string).trim();
    const line = lineOf(p.namePos);
    throw new InputError(
      `property ${quoted(propName)} appears twice in one object${firstName !== propName ? ` (also as ${quoted(firstName)}; names are compared without regard to case)` : ''}, with different values (first at line ${lineOf(first.namePos)})`,
      name,
      line,
      'Which value is meant cannot be known: remove one of them and export again.',
    );
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = s.indexOf('\n', from); k !== -1 && k < to; k = s.indexOf('\n', k + 1)) n++;
  return n;
}

/**
 * Whether an object's text may name a property twice (trimmed, without regard to case): it has
 * more top-level names than JSON.parse kept, or two kept names that compare equal. Almost never
 * true, and then the full scan (scanObject, checkDuplicateNames) is made; this one counts the
 * colons at the object's own level and allocates nothing per record.
 */
function mayNameTwice(s: string, start: number, obj: Record<string, unknown>): boolean {
  let depth = 0;
  let names = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) break;
    } else if (c === 0x3a && depth === 1) names++;
  }
  const keys = Object.keys(obj);
  if (names !== keys.length) return true;
  // Names that are no user data (empty, @odata.*) are never compared.
  const lowers: string[] = [];
  for (const k of keys) {
    const known = propName(k);
    if (known !== null) lowers.push(known.lower);
  }
  if (lowers.length > 16) return new Set(lowers).size !== lowers.length;
  for (let a = 1; a < lowers.length; a++) for (let b = 0; b < a; b++) if (lowers[a] === lowers[b]) return true;
  return false;
}

/** What a JSON input held besides its records (which went to `onRecord` one by one). */
export type JsonReadSummary = Omit<ParsedRecords, 'records'> & { count: number };

/**
 * Reads JSON input given in chunks (bytes or text), handing each record to `onRecord` as soon as
 * it is complete. `arrayMode`: the input starts with `[` (one array, then nothing); otherwise it is
 * a sequence of objects. Every problem is an InputError naming `name` and a line.
 */
export function readJsonRecords(
  name: string,
  arrayMode: boolean,
  chunks: Iterable<Uint8Array | string>,
  onRecord: (rec: RawRecord) => void,
): JsonReadSummary {
  const columns = new Map<string, string>();
  let count = 0;
  let tops = 0;
  let envelopes = 0;
  let lastPageContinues = false;
  const notObject = (v: unknown, at: JsonPosition): never => {
    throw new InputError(`item ${count + 1} is ${kindOf(v)}, not an object`, name, at.line, ITEM_HINT);
  };
  const take = (v: unknown, at: JsonPosition, text?: string): void => {
    if (!isObject(v)) notObject(v, at);
    // A name written twice with two values: JSON.parse kept the last one silently.
    if (text !== undefined) {
      const start = text.indexOf('{');
      if (mayNameTwice(text, start, v as Record<string, unknown>)) checkDuplicateNames(name, text, scanObject(text, start), (pos) => at.line + countNewlines(text, 0, pos));
    }
    onRecord(toRecord(at.line, v as Record<string, unknown>, columns));
    count++;
  };
  const splitter = new JsonStreamSplitter(
    {
      value: (v, at, text) => {
        if (++tops === 1 && !isObject(v)) {
          throw new InputError(
            `the file holds ${v === null ? 'JSON null' : `${kindOf(v)} (JSON)`}, not user objects: expected an array of objects, or one object per line`,
            name,
            at.line,
            'Export objects: ... | ConvertTo-Json (an array), or ConvertTo-Json -Compress per object.',
          );
        }
        const envelope = isObject(v) ? odataEnvelope(v) : null;
        if (!envelope) return take(v, at, text);
        // A page of a REST answer: its "value" items are the records. Read once more, item by
        // item, for the line each starts on (a saved page is at most a few thousand users).
        envelopes++;
        lastPageContinues = envelope.nextLink;
        const page = new JsonStreamSplitter({ item: take }, { streamMember: (key) => key.toLowerCase() === 'value', start: at });
        page.write(text);
        page.end();
      },
      // Only the top-level array of arrayMode is streamed; an array later in a sequence is an item.
      arrayStart: (_key, at) => {
        if (++tops > 1) throw new InputError(`item ${count + 1} is an array, not an object`, name, at.line, ITEM_HINT);
      },
      item: take,
    },
    { top: arrayMode ? 'single' : 'sequence', endName: 'end of file' },
  );
  try {
    for (const chunk of chunks) splitter.write(chunk);
    splitter.end();
  } catch (err) {
    if (err instanceof JsonStreamError) {
      throw new InputError(`broken JSON at line ${err.position.line}, column ${err.position.column}: ${err.reason}`, name, err.position.line, FIX_HINT);
    }
    throw err;
  }
  const summary: JsonReadSummary = { columns, count };
  if (count === 0) summary.emptyBecause = envelopes > 0 ? 'its OData "value" list is empty' : arrayMode ? 'it holds an empty JSON array' : 'it is empty';
  if (lastPageContinues) {
    summary.notes = [
      `${name}: holds one page of ${count === 1 ? '1 record' : `${count} records`} with an @odata.nextLink to the next page: ` +
        `only these ${count} are planned. Save every page (follow @odata.nextLink until there is none: Invoke-MgGraphRequest -All, ` +
        'Get-MgUser -All, or Get-EXOMailbox -ResultSize Unlimited) to plan them all.',
    ];
  }
  return summary;
}

/** Parses decoded JSON text (BOM removed) into records with the line each object starts on. */
export function parseJson(name: string, text: string): ParsedRecords {
  const records: RawRecord[] = [];
  const first = /\S/.exec(text);
  if (!first) return { records, columns: new Map(), emptyBecause: 'it is empty' };
  const { count: _count, ...rest } = readJsonRecords(name, first[0] === '[', [text], (rec) => records.push(rec));
  return { records, ...rest };
}

/** A property name as written (trimmed) and as matched (lower-cased); null for names that are no user data. */
type PropName = { name: string; lower: string } | null;

/** Names seen before: 100,000 records repeat the same few names, each trimmed and lower-cased once. */
const PROP_NAMES = new Map<string, PropName>();

function propName(rawName: string): PropName {
  let known = PROP_NAMES.get(rawName);
  if (known !== undefined) return known;
  const n = rawName.trim();
  const lower = n.toLowerCase();
  // @odata.* are Graph/EXO REST metadata, not user data: leave them out of mapping and messages.
  known = n === '' || lower.startsWith('@odata.') || lower.includes('@odata.') ? null : { name: n, lower };
  if (PROP_NAMES.size < 1000) PROP_NAMES.set(rawName, known);
  return known;
}

function toRecord(line: number, obj: Record<string, unknown>, columns: Map<string, string>): RawRecord {
  const props = new Map<string, RawProp>();
  for (const rawName of Object.keys(obj)) {
    const value = obj[rawName];
    const known = propName(rawName);
    if (known === null) continue;
    const { name: n, lower } = known;
    const existing = props.get(lower);
    // Same name in another letter case: the first non-empty value wins.
    if (existing && !(existing.value === null || existing.value === '')) continue;
    props.set(lower, { name: n, value });
    if (!columns.has(lower)) columns.set(lower, n);
  }
  return { line, props };
}
