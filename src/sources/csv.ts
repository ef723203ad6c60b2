/**
 * CSV reader on csv-parse. What it adds around the parser is what admins' files need: the
 * PowerShell `#TYPE` line and Excel's `sep=` line, delimiter detection (Dutch Excel writes `;`),
 * case-insensitive unique headers, and physical line numbers for every record and every error.
 */
import { CsvError, parse } from 'csv-parse/sync';
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

/** Parses decoded CSV text (BOM already removed) into records with physical start lines. */
export function parseCsv(name: string, decoded: string, opts: CsvOptions = {}): ParsedRecords & { delimiter: CsvDelimiter } {
  // One newline convention keeps line counting trivial; embedded CRLFs in quoted values become LF.
  const text = decoded.includes('\r') ? decoded.replace(/\r\n?/g, '\n') : decoded;
  const pre = skipPreamble(text);
  const delimiter = opts.delimiter ?? pre.sep ?? detectDelimiter(text, pre.headerStart);
  const columns = new Map<string, string>();
  if (pre.headerStart >= text.length) {
    // No header line exists, so there is no line to point at.
    return { records: [], columns, delimiter, emptyBecause: 'it holds no header and no rows' };
  }

  let rows: { record: string[]; raw: string }[];
  try {
    rows = parse(text.slice(pre.headerStart), {
      delimiter,
      raw: true,
      // Quotes inside unquoted fields (Jan "JJ" Jansen) are kept as text; a field that opens
      // a quote and never closes it is still an error.
      relax_quotes: true,
      // Field counts are checked below, with our own line numbers and a better message.
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; raw: string }[];
  } catch (err) {
    if (err instanceof CsvError) {
      if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
        const line = findUnclosedQuoteLine(text, delimiter, pre.headerStart, pre.headerLine) ?? pre.headerLine;
        throw new InputError(
          `a quoted field starting at line ${line} is never closed (unbalanced ")`,
          name,
          line,
          'Check that line for a value with a stray double quote; inside a quoted value a quote is written as "".',
        );
      }
      const rel = (err as unknown as { lines?: number }).lines;
      const line = typeof rel === 'number' && rel > 0 ? pre.headerLine + rel - 1 : pre.headerLine;
      throw new InputError(`cannot read this as CSV: ${err.message}`, name, line);
    }
    throw err;
  }

  const [header, ...data] = rows;
  if (!header) {
    return { records: [], columns, headerLine: pre.headerLine, delimiter, emptyBecause: 'it holds no header and no rows' };
  }
  // Header names: trimmed, matched case-insensitively; an empty name (a trailing delimiter) is ignored.
  const names: (string | null)[] = [];
  const seenAt = new Map<string, number>();
  header.record.forEach((h, idx) => {
    const n = h.trim();
    if (n === '') {
      names.push(null);
      return;
    }
    const lower = n.toLowerCase();
    const prev = seenAt.get(lower);
    if (prev !== undefined) {
      throw new InputError(
        `column ${quoted(n)} appears twice in the header (columns ${prev + 1} and ${idx + 1}; names are compared without regard to case)`,
        name,
        pre.headerLine,
        'Remove or rename one of the two columns.',
      );
    }
    seenAt.set(lower, idx);
    if (!lower.startsWith('@odata.')) columns.set(lower, n);
    names.push(lower.startsWith('@odata.') ? null : n);
  });

  const records: RawRecord[] = [];
  let cursor = pre.headerLine + countNewlines(header.raw);
  for (const row of data) {
    // raw holds everything consumed since the previous record, including skipped blank lines.
    let lead = 0;
    while (row.raw[lead] === '\n') lead++;
    const line = cursor + lead;
    cursor += countNewlines(row.raw);
    const values = row.record;
    if (values.every((v) => BLANK.test(v))) continue; // Excel's ";;;;" rows, whitespace-only lines
    if (values.length < names.length || values.slice(names.length).some((v) => !BLANK.test(v))) {
      // A record that swallowed line breaks is the signature of a quote closed in the wrong place.
      const lastLine = line + countNewlines(row.raw.replace(/\n+$/, '')) - lead;
      const spans = lastLine > line ? `; it runs on to line ${lastLine}, so a quote in it is probably unbalanced` : '';
      throw new InputError(
        `line ${line} has ${values.length} fields but the header has ${names.length} (${DELIMITER_NAMES[delimiter]}-separated)${spans}`,
        name,
        line,
        `A value that contains a ${DELIMITER_NAMES[delimiter]}, a line break or a double quote must be enclosed in double quotes, with inner quotes doubled ("").`,
      );
    }
    const props = new Map<string, RawProp>();
    names.forEach((n, idx) => {
      if (n !== null) props.set(n.toLowerCase(), { name: n, value: values[idx]! });
    });
    records.push({ line, props });
  }
  return {
    records,
    columns,
    headerLine: pre.headerLine,
    delimiter,
    ...(records.length === 0 ? { emptyBecause: 'it holds only a header line, no rows' } : {}),
  };
}
