/**
 * CSV reader on csv-parse. What it adds around the parser is what admins' files need: the
 * PowerShell `#TYPE` line and Excel's `sep=` line, delimiter detection (Dutch Excel writes `;`),
 * case-insensitive unique headers, and physical line numbers for every record and every error.
 * The text is read in pieces as it is decoded, each record handed on as soon as it is complete: a
 * 100,000-row file is never held as one text, nor as a list of parsed rows.
 */
import { CsvError, Parser } from 'csv-parse';
import { quoted } from '../core/shown.js';
import { InputError } from '../errors.js';
import type { ParsedRecords, RawProp, RawRecord } from './record.js';

const DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Counts each candidate delimiter in the header record, outside quotes, and takes the most
 * frequent. A header of one column has none; comma is then as good as any.
 */
export function detectDelimiter(text: string, start = 0): CsvDelimiter {
  const counts = new Map<string, number>();
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted; // "" inside quotes toggles twice: net no change
    else if (!quoted && c === '\n') break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = counts.get(d) ?? 0;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The physical line on which the field that was never closed starts. csv-parse only reports
 * where it ran out of text, which for a stray quote is the end of the file.
 */
export function findUnclosedQuoteLine(text: string, delimiter: string, start: number, firstLine: number): number | null {
  let line = firstLine;
  let atFieldStart = true;
  let quoted = false;
  let quoteLine = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      } else if (c === '\n') line++;
      continue;
    }
    if (c === '\n') {
      line++;
      atFieldStart = true;
    } else if (c === delimiter) atFieldStart = true;
    else if (c === '"' && atFieldStart) {
      quoted = true;
      quoteLine = line;
      atFieldStart = false;
    } else atFieldStart = false;
  }
  return quoted ? quoteLine : null;
}

interface Preamble {
  /** Offset in the text where the header record starts. */
  headerStart: number;
  /** Physical line of the header record. */
  headerLine: number;
  /** Delimiter named by an Excel `sep=` line, if any. */
  sep?: CsvDelimiter;
}

/**
 * Skips what comes before the header: blank lines, `#` lines (Windows PowerShell writes
 * `#TYPE Selected.Microsoft...` unless -NoTypeInformation) and Excel's `sep=;` line. Only at the
 * very top: further down, a line starting with `#` is data.
 */
function skipPreamble(text: string): Preamble {
  let pos = 0;
  let line = 1;
  let sep: CsvDelimiter | undefined;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const rawLine = text.slice(pos, end);
    const content = rawLine.trim();
    // Matched untrimmed: `sep=<tab>` would lose its delimiter to trim().
    const sepMatch = /^"?sep=(.)"?[ ]*$/i.exec(rawLine);
    if (content === '' || content.startsWith('#')) {
      // skip
    } else if (sepMatch && sep === undefined && (DELIMITERS as readonly string[]).includes(sepMatch[1]!)) {
      sep = sepMatch[1] as CsvDelimiter;
    } else break;
    if (nl === -1) {
      pos = text.length;
      break;
    }
    pos = nl + 1;
    line++;
  }
  return { headerStart: pos, headerLine: line, sep };
}

const BLANK = /^\s*$/;

export interface CsvOptions {
  /** Force a delimiter instead of detecting it. */
  delimiter?: CsvDelimiter;
}

export interface CsvReadOptions extends CsvOptions {
  /**
   * The whole text (as decoded, before line endings are made one), asked for only to name the
   * line where a quoted field that is never closed starts (csv-parse only says that the text ran out).
   */
  wholeText?: () => string;
}

/** What a CSV input held besides its records (which went to `onRecord` one by one). */
export type CsvReadSummary = Omit<ParsedRecords, 'records'> & { count: number; delimiter: CsvDelimiter };

/** Index of the first newline outside quotes from `start` (where the header record ends), or -1. */
function headerRecordEnd(text: string, start: number): number {
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x0a && !quoted) return i;
  }
  return -1;
}

/** What csv-parse's streaming parser is fed through: its own chunk API, called synchronously. */
interface CsvParseApi {
  parse(buf: Buffer | undefined, end: boolean, push: (row: { record: string[]; raw: string }) => void, close: () => void): Error | undefined;
}

/**
 * Reads CSV text given in pieces (BOM already removed), handing each record to `onRecord` with its
 * physical start line as soon as it is complete. Whole-file problems come first, as if the file had
 * been parsed whole before any record was looked at: a quote never closed anywhere is reported
 * even when an earlier row has the wrong number of fields.
 */
export function readCsvRecords(name: string, pieces: Iterable<string>, onRecord: (rec: RawRecord) => void, opts: CsvReadOptions = {}): CsvReadSummary {
  const columns = new Map<string, string>();
  let count = 0;
  // One newline convention keeps line counting trivial; embedded CRLFs in quoted values become LF.
  // The last character of a piece waits for the next piece when it is a CR (half of a CRLF?) or
  // the first half of a surrogate pair (each piece is encoded on its own).
  let held = '';
  const normalize = (piece: string): string => {
    let t = held + piece;
    held = '';
    const last = t.charCodeAt(t.length - 1);
    if (last === 0x0d || (last >= 0xd800 && last <= 0xdbff)) {
      held = t.slice(-1);
      t = t.slice(0, -1);
    }
    return t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t;
  };

  // Until the header record is complete: the text so far (preamble, `sep=` line, header).
  let head = '';
  let pre: Preamble | undefined;
  let delimiter: CsvDelimiter = ',';
  let parser: CsvParseApi | undefined;

  // Per record, after the header: each column's name as written and lower-cased (null: left out).
  let names: ({ name: string; lower: string } | null)[] | undefined;
  let cursor = 0;
  // The first problem found in a record waits until the whole text has parsed: a CSV error wins.
  // What the receiver of the records throws comes last of all (it would have seen them only then).
  let pending: unknown;
  let pendingReceiver: unknown;

  const header = (row: { record: string[]; raw: string }) => {
    // Header names: trimmed, matched case-insensitively; an empty name (a trailing delimiter) is ignored.
    const out: ({ name: string; lower: string } | null)[] = [];
    const seenAt = new Map<string, number>();
    row.record.forEach((h, idx) => {
      const n = h.trim();
      if (n === '') {
        out.push(null);
        return;
      }
      const lower = n.toLowerCase();
      const prev = seenAt.get(lower);
      if (prev !== undefined) {
        throw new InputError(
          `column ${quoted(n)} appears twice in the header (columns ${prev + 1} and ${idx + 1}; names are compared without regard to case)`,
          name,
          pre!.headerLine,
          'Remove or rename one of the two columns.',
        );
      }
      seenAt.set(lower, idx);
      if (!lower.startsWith('@odata.')) columns.set(lower, n);
      out.push(lower.startsWith('@odata.') ? null : { name: n, lower });
    });
    names = out;
    cursor = pre!.headerLine + countNewlines(row.raw);
  };

  const record = (row: { record: string[]; raw: string }) => {
    const cols = names!;
    // raw holds everything consumed since the previous record, including skipped blank lines.
    let lead = 0;
    while (row.raw[lead] === '\n') lead++;
    const line = cursor + lead;
    cursor += countNewlines(row.raw);
    const values = row.record;
    if (values.every((v) => BLANK.test(v))) return; // Excel's ";;;;" rows, whitespace-only lines
    if (values.length < cols.length || values.slice(cols.length).some((v) => !BLANK.test(v))) {
      // A record that swallowed line breaks is the signature of a quote closed in the wrong place.
      const lastLine = line + countNewlines(row.raw.replace(/\n+$/, '')) - lead;
      const spans = lastLine > line ? `; it runs on to line ${lastLine}, so a quote in it is probably unbalanced` : '';
      throw new InputError(
        `line ${line} has ${values.length} fields but the header has ${cols.length} (${DELIMITER_NAMES[delimiter]}-separated)${spans}`,
        name,
        line,
        `A value that contains a ${DELIMITER_NAMES[delimiter]}, a line break or a double quote must be enclosed in double quotes, with inner quotes doubled ("").`,
      );
    }
    const props = new Map<string, RawProp>();
    for (let idx = 0; idx < cols.length; idx++) {
      const col = cols[idx];
      if (col != null) props.set(col.lower, { name: col.name, value: values[idx]! });
    }
    count++;
    if (pendingReceiver !== undefined) return;
    try {
      onRecord({ line, props });
    } catch (err) {
      pendingReceiver = err;
    }
  };

  const push = (row: { record: string[]; raw: string }) => {
    if (pending !== undefined) return;
    try {
      if (names === undefined) header(row);
      else record(row);
    } catch (err) {
      pending = err;
    }
  };

  const feed = (text: string, end: boolean) => {
    // An empty piece would read as the end of the text.
    if (text === '' && !end) return;
    const err = parser!.parse(text === '' ? undefined : Buffer.from(text, 'utf8'), end, push, () => undefined);
    if (err !== undefined) throw csvError(err);
  };

  const csvError = (err: Error): Error => {
    if (!(err instanceof CsvError)) return err;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      const whole = opts.wholeText?.();
      const text = whole === undefined ? undefined : whole.includes('\r') ? whole.replace(/\r\n?/g, '\n') : whole;
      const line = (text !== undefined ? findUnclosedQuoteLine(text, delimiter, pre!.headerStart, pre!.headerLine) : null) ?? pre!.headerLine;
      return new InputError(
        `a quoted field starting at line ${line} is never closed (unbalanced ")`,
        name,
        line,
        'Check that line for a value with a stray double quote; inside a quoted value a quote is written as "".',
      );
    }
    const rel = (err as unknown as { lines?: number }).lines;
    const line = typeof rel === 'number' && rel > 0 ? pre!.headerLine + rel - 1 : pre!.headerLine;
    return new InputError(`cannot read this as CSV: ${err.message}`, name, line);
  };

  const start = (end: boolean): boolean => {
    // The header record is complete (or the text ended): the preamble and the delimiter are known.
    pre = skipPreamble(head);
    if (!end && (pre.headerStart >= head.length || headerRecordEnd(head, pre.headerStart) === -1)) return false;
    delimiter = opts.delimiter ?? pre.sep ?? detectDelimiter(head, pre.headerStart);
    if (pre.headerStart >= head.length) return true;
    parser = (
      new Parser({
        delimiter,
        raw: true,
        // Quotes inside unquoted fields (Jan "JJ" Jansen) are kept as text; a field that opens
        // a quote and never closes it is still an error.
        relax_quotes: true,
        // Field counts are checked below, with our own line numbers and a better message.
        relax_column_count: true,
        skip_empty_lines: true,
      }) as unknown as { api: CsvParseApi }
    ).api;
    const rest = head.slice(pre.headerStart);
    head = '';
    feed(rest, false);
    return true;
  };

  for (const piece of pieces) {
    const text = normalize(piece);
    if (parser) feed(text, false);
    else {
      head += text;
      start(false);
    }
  }
  const last = held === '\r' ? '\n' : held;
  if (parser) feed(last, true);
  else {
    head += last;
    start(true);
    if (parser) feed('', true);
  }
  if (pending !== undefined) throw pending;
  if (pendingReceiver !== undefined) throw pendingReceiver;

  const summary: CsvReadSummary = { columns, count, delimiter };
  if (!parser || names === undefined) {
    // No header line exists, so there is no line to point at.
    if (parser) summary.headerLine = pre!.headerLine;
    summary.emptyBecause = 'it holds no header and no rows';
    return summary;
  }
  summary.headerLine = pre!.headerLine;
  if (count === 0) summary.emptyBecause = 'it holds only a header line, no rows';
  return summary;
}

/** Parses decoded CSV text (BOM already removed) into records with physical start lines. */
export function parseCsv(name: string, decoded: string, opts: CsvOptions = {}): ParsedRecords & { delimiter: CsvDelimiter } {
  const records: RawRecord[] = [];
  const { count: _count, ...rest } = readCsvRecords(name, [decoded], (rec) => records.push(rec), { ...opts, wholeText: () => decoded });
  return { records, ...rest };
}
