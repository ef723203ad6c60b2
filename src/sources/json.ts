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
  const take = (v: unknown, at: JsonPosition): void => {
    if (!isObject(v)) notObject(v, at);
    onRecord(toRecord(at.line, v as Record<string, unknown>, columns));
    count++;
  };
  const splitter = new JsonStreamSplitter(
    {
      value: (v, at, text) => {
        if (++tops === 1 && !isObject(v)) {
          throw new InputError(
            'the file is JSON but holds neither an array of objects nor objects (one per line)',
            name,
            at.line,
            'Export objects: ... | ConvertTo-Json (an array), or ConvertTo-Json -Compress per object.',
          );
        }
        const envelope = isObject(v) ? odataEnvelope(v) : null;
        if (!envelope) return take(v, at);
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

function toRecord(line: number, obj: Record<string, unknown>, columns: Map<string, string>): RawRecord {
  const props = new Map<string, RawProp>();
  for (const [rawName, value] of Object.entries(obj)) {
    const n = rawName.trim();
    const lower = n.toLowerCase();
    // @odata.* are Graph/EXO REST metadata, not user data: leave them out of mapping and messages.
    if (n === '' || lower.startsWith('@odata.') || lower.includes('@odata.')) continue;
    const existing = props.get(lower);
    // Same name in another letter case: the first non-empty value wins.
    if (existing && !(existing.value === null || existing.value === '')) continue;
    props.set(lower, { name: n, value });
    if (!columns.has(lower)) columns.set(lower, n);
  }
  return { line, props };
}
