/**
 * Writing plans: the JSON document, JSON lines (one row per line), CSV rows (Excel-friendly:
 * optional BOM, chosen delimiter) and the HTML report (rendered by the caller: src/report). Files
 * are written through writeOutputFile (fileGuard.ts): a temporary name renamed over the file, so a
 * crash never leaves half a plan behind. Each data form is produced in pieces, row by row, and
 * written as it is produced: a 100,000-row plan never exists as one 50 MB string.
 */
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { PLAN_CSV_COLUMNS, planRowContext, type PlanRowContext } from '../core/planDocument.js';
import type { PlanDocument, PlanRow } from '../core/types.js';
import { shown } from '../core/shown.js';
import { neutralizeFormula } from './csvCell.js';
import { writeOutputFile, type WriteOutputOptions } from './fileGuard.js';
import { csvDelimiterFor, outputKind } from './outputFile.js';

export interface CsvOptions {
  delimiter: string;
  bom: boolean;
}

/**
 * Rows per piece of CSV, JSON lines or the JSON document: about 50 KB, small enough to die young
 * (pieces of a thousand rows, half a megabyte each, lingered until the old generation was collected).
 */
const ROWS_PER_PIECE = 100;

/** The plan rows as CSV, in pieces of a hundred rows (header and BOM first). */
/** `context` (the plan's URL and key source) fills the columns of the plan-wide fields on every row. */
export function* planCsvPieces(rows: readonly PlanRow[], opts: CsvOptions & { context?: PlanRowContext }): Generator<string> {
  const cell = (r: PlanRow, c: (typeof PLAN_CSV_COLUMNS)[number]) => {
    const v = c in r ? r[c as keyof PlanRow] : opts.context?.[c as keyof PlanRowContext];
    return v === undefined ? '' : neutralizeFormula(String(v));
  };
  const csv = (records: string[][]) => stringify(records, { delimiter: opts.delimiter, record_delimiter: 'windows' });
  yield (opts.bom ? '\uFEFF' : '') + csv([PLAN_CSV_COLUMNS as unknown as string[]]);
  for (let i = 0; i < rows.length; i += ROWS_PER_PIECE) {
    yield csv(rows.slice(i, i + ROWS_PER_PIECE).map((r) => PLAN_CSV_COLUMNS.map((c) => cell(r, c))));
  }
}

export function planRowsToCsv(rows: readonly PlanRow[], opts: CsvOptions & { context?: PlanRowContext }): string {
  return [...planCsvPieces(rows, opts)].join('');
}

/** The plan rows as JSON lines, in pieces of a hundred rows. */
/** Each row with `context` (the plan's URL and key source), so apply can record them without the document. */
export function* planJsonlPieces(rows: readonly PlanRow[], context: PlanRowContext = {}): Generator<string> {
  const contextKeys = Object.keys(context);
  // `{...row, ...context}` without a new object per row: the row's own JSON with the context's
  // members added before its closing brace (as the spread would, when the row has none of them).
  let tail = '';
  for (const k of contextKeys) {
    const v = context[k as keyof PlanRowContext];
    if (v !== undefined) tail += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  const line = (r: PlanRow): string => {
    if (tail === '') return JSON.stringify(r);
    const own = JSON.stringify(r);
    if (own === '{}' || contextKeys.some((k) => k in r)) return JSON.stringify({ ...r, ...context });
    return own.slice(0, -1) + tail + '}';
  };
  for (let i = 0; i < rows.length; i += ROWS_PER_PIECE) {
    const end = Math.min(i + ROWS_PER_PIECE, rows.length);
    let piece = '';
    for (let j = i; j < end; j++) piece += line(rows[j]!) + '\n';
    yield piece;
  }
}

export function planRowsToJsonl(rows: readonly PlanRow[], context: PlanRowContext = {}): string {
  return [...planJsonlPieces(rows, context)].join('');
}

/**
 * One row as `JSON.stringify(row, null, 2)` writes it inside the document's rows array (its lines
 * `indent` further in), without the generic pretty-printer: a row's members are text and numbers,
 * each written with JSON.stringify; a nested value (warnings) is pretty-printed and indented as a whole.
 */
function prettyRow(row: PlanRow, indent: string): string {
  const inner = indent + '  ';
  let out = '';
  for (const key of Object.keys(row)) {
    const value = (row as unknown as Record<string, unknown>)[key];
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value, null, 2)?.replace(/\n/g, '\n' + inner) : JSON.stringify(value);
    // undefined, functions and symbols are left out, as JSON.stringify leaves them out.
    if (text === undefined) continue;
    out += (out === '' ? '{\n' : ',\n') + inner + JSON.stringify(key) + ': ' + text;
  }
  return out === '' ? '{}' : out + '\n' + indent + '}';
}

/**
 * The plan document exactly as `JSON.stringify(plan, null, 2) + '\n'` writes it, in pieces: the
 * head, then the rows a hundred at a time (rows come last in a plan document).
 */
export function* planJsonPieces(plan: PlanDocument): Generator<string> {
  const keys = Object.keys(plan);
  if (plan.rows.length === 0 || keys[keys.length - 1] !== 'rows') {
    yield JSON.stringify(plan, null, 2) + '\n';
    return;
  }
  const head = JSON.stringify({ ...plan, rows: [] }, null, 2);
  // `"rows": []\n}` ends the head; the rows go between the brackets.
  yield head.slice(0, head.length - '[]\n}'.length) + '[\n';
  const rows = plan.rows;
  for (let i = 0; i < rows.length; i += ROWS_PER_PIECE) {
    const end = Math.min(i + ROWS_PER_PIECE, rows.length);
    let piece = '';
    for (let j = i; j < end; j++) {
      const row = rows[j];
      // An array holds null where JSON.stringify cannot write a value (a plan row never is one).
      const text = typeof row === 'object' && row !== null ? prettyRow(row, '    ') : (JSON.stringify(row) ?? 'null');
      piece += '    ' + text + (j < rows.length - 1 ? ',\n' : '\n');
    }
    yield piece;
  }
  yield '  ]\n}\n';
}

/** Writes pieces of text to a stream (stdout), a few at a time, waiting when it is full. */
export async function writePieces(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!stream.write(piece)) await drained(stream);
  }
}

/** When a full stream (write returned false) has room again, or is closed or broken. */
export function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/**
 * Writes the plan to each --out file by its extension. `renderHtml` makes the HTML report; it is
 * given the plan's other files (the page names them as where every row is).
 */
export async function writePlanOutputs(
  files: readonly string[],
  plan: PlanDocument,
  csv: CsvOptions,
  cwd: string,
  renderHtml?: (otherFiles: string[]) => string,
  write: Omit<WriteOutputOptions, 'label'> = {},
): Promise<string[]> {
  const written: string[] = [];
  const html = { html: renderHtml !== undefined };
  for (const f of files) outputKind(f, html); // refuse bad names before writing anything
  const dataFiles = files.filter((f) => outputKind(f, html) !== 'html').map((f) => path.basename(f));
  for (const f of files) {
    const file = path.resolve(cwd, f);
    const kind = outputKind(file, html);
    const content =
      kind === 'html'
        ? renderHtml!(dataFiles)
        : kind === 'json'
        ? planJsonPieces(plan)
        : kind === 'jsonl'
          ? planJsonlPieces(plan.rows, planRowContext(plan))
          : planCsvPieces(plan.rows, {
              ...csv,
              delimiter: csvDelimiterFor(file, csv.delimiter),
              context: planRowContext(plan),
            });
    await writeOutputFile(file, content, { ...write, label: `--out ${shown(f)}` });
    written.push(file);
  }
  return written;
}
