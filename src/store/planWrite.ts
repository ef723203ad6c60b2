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

/** Rows per piece of CSV or JSON lines. */
const ROWS_PER_PIECE = 1000;

/** The plan rows as CSV, in pieces of a thousand rows (header and BOM first). */
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

/** The plan rows as JSON lines, in pieces of a thousand rows. */
/** Each row with `context` (the plan's URL and key source), so apply can record them without the document. */
export function* planJsonlPieces(rows: readonly PlanRow[], context: PlanRowContext = {}): Generator<string> {
  for (let i = 0; i < rows.length; i += ROWS_PER_PIECE) {
    let piece = '';
    for (const r of rows.slice(i, i + ROWS_PER_PIECE)) piece += JSON.stringify({ ...r, ...context }) + '\n';
    yield piece;
  }
}

export function planRowsToJsonl(rows: readonly PlanRow[], context: PlanRowContext = {}): string {
  return [...planJsonlPieces(rows, context)].join('');
}

/**
 * The plan document exactly as `JSON.stringify(plan, null, 2) + '\n'` writes it, in pieces: the
 * head, then the rows a thousand at a time (rows come last in a plan document).
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
  for (let i = 0; i < plan.rows.length; i += ROWS_PER_PIECE) {
    // A thousand rows as an array one level deep, then every line two spaces further in (JSON
    // text has no raw line breaks inside strings); the array's brackets are left off.
    const end = Math.min(i + ROWS_PER_PIECE, plan.rows.length);
    const block = JSON.stringify(plan.rows.slice(i, end), null, 2).replace(/\n/g, '\n  ');
    yield block.slice(2, block.length - 4) + (end < plan.rows.length ? ',\n' : '\n');
  }
  yield '  ]\n}\n';
}

/** Writes pieces of text to a stream (stdout), a few at a time, waiting when it is full. */
export async function writePieces(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!stream.write(piece)) {
      await new Promise<void>((resolve) => {
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
  }
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
