/**
 * Input files → source users. The edge where bytes become SourceUsers: decoding, format
 * detection, CSV/JSON parsing, field mapping, and the whole-file checks that must stop a plan
 * before anything is sent (no users, no address column, no column for the chosen key source).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { KeySource, SourceUser } from '../core/types.js';
import { quoted, shown } from '../core/shown.js';
import { InputError } from '../errors.js';
import { readRegularFile, readStreamBounded } from '../util/boundedRead.js';
import { readCsvRecords } from './csv.js';
import { decodeInput, decodeInputPieces } from '../util/decode.js';
import { parseJson, readJsonRecords } from './json.js';
import {
  ADDRESS_LIST_COLUMNS,
  IMMUTABLE_ID_COLUMNS,
  OBJECT_ID_COLUMNS,
  PRIMARY_COLUMNS,
  toSourceUser,
  WARNING_HINTS,
  type WarningKind,
} from './mapping.js';
import type { ParsedRecords, RawRecord } from './record.js';

export type InputFormat = 'auto' | 'csv' | 'json' | 'jsonl';

export interface ReadInputOptions {
  format: InputFormat;
  /** When given, the file must have a column this key source can read. */
  keySource?: KeySource;
  /** Read for the spec `-`; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Relative paths resolve against this; defaults to process.cwd(). */
  cwd?: string;
  /**
   * Which columns (lower-cased names) each user keeps in `columns`, for `--key-source column:`;
   * default all. A plan keeps only those its key sources name: 100,000 users need not carry every column.
   */
  keepColumns?: (lowerName: string) => boolean;
  /** Largest input read, in bytes (--max-input-size; default 2 GiB). */
  maxBytes?: number;
  /** Ends a read of standard input at once when aborted (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
}

export interface InputReadResult {
  /** The spec as given (a path, or `-` for stdin). */
  name: string;
  /** SHA-256 (hex) of the raw bytes, recorded in the plan so a plan names exactly what it read. */
  sha256: string;
  users: SourceUser[];
  /** One line per kind of problem, with a count and the first line it occurs on. */
  warnings: string[];
}

const EXPORT_HINT =
  "Export with e.g. Get-EXOMailbox -ResultSize Unlimited | Select-Object PrimarySmtpAddress,ExternalDirectoryObjectId,RecipientTypeDetails,@{n='EmailAddresses';e={$_.EmailAddresses -join ';'}} | Export-Csv users.csv -NoTypeInformation -Encoding UTF8";

/** Canonical spellings, for messages. */
const DISPLAY: Record<string, string> = {
  primarysmtpaddress: 'PrimarySmtpAddress',
  windowsemailaddress: 'WindowsEmailAddress',
  mail: 'Mail',
  userprincipalname: 'UserPrincipalName',
  emailaddresses: 'EmailAddresses',
  proxyaddresses: 'proxyAddresses',
  externaldirectoryobjectid: 'ExternalDirectoryObjectId',
  id: 'Id',
  objectid: 'ObjectId',
  objectguid: 'ObjectGUID',
  immutableid: 'ImmutableId',
  onpremisesimmutableid: 'OnPremisesImmutableId',
};

const ADDRESS_COLUMNS: readonly string[] = [...PRIMARY_COLUMNS, 'userprincipalname', ...ADDRESS_LIST_COLUMNS];

/** Lower-cased column names that can feed each key source. */
function keySourceColumns(source: KeySource): readonly string[] {
  switch (source.kind) {
    case 'objectId':
      return OBJECT_ID_COLUMNS;
    case 'objectGuid':
      return ['objectguid', ...IMMUTABLE_ID_COLUMNS];
    case 'immutableId':
      return IMMUTABLE_ID_COLUMNS;
    case 'column':
      return [source.column.toLowerCase()];
  }
}

function keySourceLabel(source: KeySource): string {
  return source.kind === 'column' ? `column:${shown(source.column)}` : source.kind;
}

function listNames(names: string[]): string {
  if (names.length === 0) return '(none)';
  const list = names
    .slice(0, 25)
    .map((n) => shown(n, 60))
    .join(', ');
  return names.length > 25 ? `${list} and ${names.length - 25} more` : list;
}

function orList(names: readonly string[]): string {
  const display = names.map((n) => DISPLAY[n] ?? shown(n));
  return display.length <= 1 ? display.join('') : `${display.slice(0, -1).join(', ')} or ${display[display.length - 1]}`;
}

/**
 * The first non-blank character decides: `[` or `{` is JSON. So is a whole file that is one JSON
 * null, boolean or number (or a string, in a file named .json): the JSON reader then says what it
 * holds, where reading it as CSV would say "only a header line". Anything else is CSV.
 */
function detectFormat(name: string, text: string): 'csv' | 'json' {
  const m = /\S/.exec(text);
  if (m && (m[0] === '[' || m[0] === '{')) return 'json';
  const t = text.trim();
  if (t.length > 1000) return 'csv';
  if (/^(null|true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(t)) return 'json';
  if (/\.(json|jsonl|ndjson)$/i.test(name) && /^"/.test(t)) return 'json';
  return 'csv';
}

/**
 * detectFormat on the first pieces of a text, reading on only while the whole file could still be
 * one JSON scalar (at most 1000 characters from its first non-blank one): the answer the whole
 * text gets, without decoding a large file whole.
 */
function detectFormatOfPieces(name: string, head: string[], pieces: Iterator<string>): 'csv' | 'json' {
  for (;;) {
    const sofar = head.join('');
    if (sofar.trim().length > 1000) return detectFormat(name, sofar);
    const r = pieces.next();
    if (r.done) return detectFormat(name, sofar);
    head.push(r.value);
  }
}

function checkColumns(name: string, parsed: Pick<ParsedRecords, 'columns' | 'headerLine'>, keySource: KeySource | undefined): void {
  const { columns } = parsed;
  const found = [...columns.values()];
  const where = parsed.headerLine;
  const isCsv = parsed.headerLine !== undefined;
  const what = isCsv ? 'columns' : 'properties';
  const one = isCsv ? 'column' : 'property';
  if (!ADDRESS_COLUMNS.some((c) => columns.has(c))) {
    throw new InputError(
      `no address ${one}: expected one of ${orList(ADDRESS_COLUMNS)}; found ${what}: ${listNames(found)}`,
      name,
      where,
      EXPORT_HINT,
    );
  }
  if (keySource) {
    const wanted = keySourceColumns(keySource);
    if (!wanted.some((c) => columns.has(c))) {
      const wantedText = keySource.kind === 'column' ? quoted(keySource.column) : orList(wanted);
      throw new InputError(
        `--key-source ${keySourceLabel(keySource)} needs a ${wantedText} ${one}, and there is none; found ${what}: ${listNames(found)}`,
        name,
        where,
        keySource.kind === 'column'
          ? 'Column names are matched without regard to case; check the spelling, or export that column too.'
          : 'Export that property too, or choose another --key-source.',
      );
    }
  }
}

/**
 * Parses the bytes of one input. Pure apart from hashing: every problem is an InputError naming
 * `name` and a line.
 */
export function parseInputBuffer(
  name: string,
  bytes: Uint8Array,
  opts: Pick<ReadInputOptions, 'format' | 'keySource' | 'keepColumns'>,
): InputReadResult {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const users: SourceUser[] = [];
  const tally = new Map<WarningKind, { count: number; firstLine: number; example: string }>();
  const take = (rec: RawRecord): void => {
    const { user, warnings } = toSourceUser(name, rec, opts.keepColumns);
    users.push(user);
    for (const w of warnings) {
      const t = tally.get(w.kind);
      if (t) t.count++;
      else tally.set(w.kind, { count: 1, firstLine: rec.line, example: w.message });
    }
  };

  // UTF-8 JSON, the common large case, is read straight from the bytes, record by record: never
  // decoded whole (a 60 MB file would be a 120 MB string) nor held as a list of records.
  let parsed: Omit<ParsedRecords, 'records'> & { count: number };
  const json = utf8JsonStart(bytes, opts.format);
  if (json) {
    parsed = readJsonRecords(name, json.arrayMode, [json.body], take);
  } else {
    // Everything else is decoded piece by piece; CSV is read as it is decoded, never as one text.
    const pieces = decodeInputPieces(name, bytes);
    const head: string[] = [];
    let first: string | undefined;
    for (let r = pieces.next(); !r.done; r = pieces.next()) {
      head.push(r.value);
      first = /\S/.exec(r.value)?.[0];
      if (first !== undefined) break;
    }
    if (first === undefined) {
      throw new InputError('no users in this file: it is empty', name, undefined, EXPORT_HINT);
    }
    const rest = function* (): Generator<string> {
      yield* head.splice(0);
      for (let r = pieces.next(); !r.done; r = pieces.next()) yield r.value;
    };
    const format = opts.format === 'auto' ? detectFormatOfPieces(name, head, pieces) : opts.format;
    if (format === 'csv') {
      try {
        parsed = readCsvRecords(name, rest(), take, { wholeText: () => decodeInput(name, bytes).text });
      } catch (err) {
        // A file that does not decode says so first, wherever the bytes are, as when it was decoded whole.
        for (let r = pieces.next(); !r.done; r = pieces.next());
        throw err;
      }
    } else {
      const { records, ...summary } = parseJson(name, [...rest()].join(''));
      parsed = { ...summary, count: records.length };
      for (const rec of records) take(rec);
    }
  }
  if (parsed.count === 0) {
    throw new InputError(`no users in this file: ${parsed.emptyBecause ?? 'it holds no records'}`, name, parsed.headerLine, EXPORT_HINT);
  }
  checkColumns(name, parsed, opts.keySource);

  const warnings = [...tally].map(
    ([kind, t]) =>
      `${name}: ${t.count === 1 ? '1 record' : `${t.count} records`} (first at line ${t.firstLine}): ${t.example}. ${WARNING_HINTS[kind]}`,
  );
  warnings.push(...(parsed.notes ?? []));
  if (parsed.columns.has('recipienttype') && !parsed.columns.has('recipienttypedetails')) {
    // Exchange's RecipientType is UserMailbox for shared, room and equipment mailboxes too; only
    // RecipientTypeDetails tells them apart, so RecipientType is never read as if it were that.
    warnings.push(
      `${name}: has ${parsed.columns.get('recipienttype')} but no RecipientTypeDetails: RecipientType is UserMailbox for shared, room and equipment mailboxes too, ` +
        'so they cannot be told apart from user mailboxes and are planned like them. Export RecipientTypeDetails as well to skip them.',
    );
  }
  return { name, sha256, users, warnings };
}

/**
 * When the bytes are valid UTF-8 (with or without BOM) and JSON is asked for or detected (the
 * first non-blank character is `[` or `{`): the body after the BOM and whether it is one array.
 * Anything else (UTF-16, legacy code pages, CSV) takes the decoding path.
 */
function utf8JsonStart(bytes: Uint8Array, format: InputFormat): { body: Uint8Array; arrayMode: boolean } | null {
  if (format === 'csv') return null;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  const first = body[i];
  if (first !== 0x5b && first !== 0x7b) return null;
  // Two NUL-free leading bytes of an ASCII character rule out BOM-less UTF-16; isUtf8 rules out the rest.
  if (!bom && bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) return null;
  if (!isUtf8(body)) return null;
  return { body, arrayMode: first === 0x5b };
}

/** Reads one input: a file path (relative to opts.cwd) or `-` for opts.stdin, as a regular file or a stream, within the size bound. */
export async function readInput(spec: string, opts: ReadInputOptions): Promise<InputReadResult> {
  const limits = { maxBytes: opts.maxBytes, signal: opts.signal };
  let bytes: Buffer;
  if (spec === '-') {
    bytes = await readStreamBounded(opts.stdin ?? process.stdin, '(stdin)', limits);
  } else {
    const path = resolve(opts.cwd ?? process.cwd(), spec);
    bytes = await readRegularFile(path, shown(spec), {
      ...limits,
      notFound: () => new InputError('cannot read the input: file not found', shown(spec), undefined, `Looked for ${shown(path, 400)}.`),
    });
  }
  try {
    // Messages and the plan name standard input as such, not as a bare "-".
    return parseInputBuffer(spec === '-' ? '(stdin)' : spec, bytes, opts);
  } finally {
    releaseBytes(bytes);
  }
}

/**
 * Gives a large input's memory back at once. A 60 MB file read whole lives in an old-generation
 * buffer that is otherwise freed only when the old generation is next collected, which may be
 * long after it was read: through the listing and the plan, 60 MB on top of the peak. Moving its
 * memory to a new, unreferenced buffer (structuredClone with transfer detaches this one) lets the
 * next minor collection free it. Only a buffer that owns all of its memory (a small one may share
 * Node's pool) and is large enough to matter.
 */
export function releaseBytes(bytes: Buffer): void {
  if (bytes.length < 1024 * 1024 || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) return;
  if (!(bytes.buffer instanceof ArrayBuffer)) return;
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
}
