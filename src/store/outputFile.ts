/**
 * What every --out file shares, plans and results alike: its kind by extension. Files are written
 * by the file guard's one writer (fileGuard.ts writeOutputFile).
 */
import path from 'node:path';
import { shown } from '../core/shown.js';
import { UsageError } from '../errors.js';

export type OutputKind = 'json' | 'jsonl' | 'csv' | 'html';

/**
 * .json → the document, .jsonl/.ndjson → rows as JSON lines, .csv/.tsv/.txt → rows for Excel (.tsv
 * tab-separated), .html/.htm → a page for reviewers, where the command writes one (`html`).
 */
export function outputKind(file: string, opts: { html?: boolean } = {}): OutputKind {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if ((ext === '.html' || ext === '.htm') && opts.html) return 'html';
  if (ext === '.html' || ext === '.htm') {
    throw new UsageError(`--out ${shown(file)}: this command writes its HTML page with --report, not --out; use --report ${shown(file)}`);
  }
  throw new UsageError(
    `--out ${shown(file)}: unknown file type "${shown(ext) || '(none)'}"; use a name ending in .json (the document), .jsonl (rows as JSON lines), ` +
      `.csv/.tsv (rows for Excel)${opts.html ? ' or .html (a page for reviewers)' : ''}`,
  );
}

/** The delimiter for a CSV output: a tab for .tsv, else the one asked for. */
export function csvDelimiterFor(file: string, delimiter: string): string {
  return path.extname(file).toLowerCase() === '.tsv' ? '\t' : delimiter;
}
