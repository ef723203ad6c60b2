/**
 * Writing plans: the JSON document, JSON lines (one row per line) and CSV rows (Excel-friendly:
 * optional BOM, chosen delimiter). Files are written to a temporary name and renamed, so a
 * crash never leaves half a plan behind.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { PLAN_CSV_COLUMNS } from '../core/planDocument.js';
import type { PlanDocument, PlanRow } from '../core/types.js';
import { UsageError } from '../errors.js';

export interface CsvOptions {
  delimiter: string;
  bom: boolean;
}

export function planRowsToCsv(rows: readonly PlanRow[], opts: CsvOptions & { zivverUrl?: string }): string {
  const cell = (r: PlanRow, c: (typeof PLAN_CSV_COLUMNS)[number]) => {
    const v = c === 'zivverUrl' ? opts.zivverUrl : r[c];
    return v === undefined ? '' : String(v);
  };
  const records = rows.map((r) => PLAN_CSV_COLUMNS.map((c) => cell(r, c)));
  const body = stringify([PLAN_CSV_COLUMNS as unknown as string[], ...records], {
    delimiter: opts.delimiter,
    record_delimiter: 'windows',
  });
  return (opts.bom ? '\uFEFF' : '') + body;
}

export function planRowsToJsonl(rows: readonly PlanRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  await fs.writeFile(tmp, content, 'utf8');
  await fs.rename(tmp, file);
}

export function planOutputKind(file: string): 'json' | 'jsonl' | 'csv' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  throw new UsageError(`--out ${file}: unknown file type "${ext || '(none)'}"; use a name ending in .json (the plan document), .jsonl (rows as JSON lines) or .csv/.tsv (rows for Excel)`);
}

/** Writes the plan to each --out file by its extension. */
export async function writePlanOutputs(files: readonly string[], plan: PlanDocument, csv: CsvOptions, cwd: string): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) planOutputKind(f); // refuse bad names before writing anything
  for (const f of files) {
    const file = path.resolve(cwd, f);
    const kind = planOutputKind(file);
    const content =
      kind === 'json'
        ? JSON.stringify(plan, null, 2) + '\n'
        : kind === 'jsonl'
          ? planRowsToJsonl(plan.rows)
          : planRowsToCsv(plan.rows, {
              ...csv,
              delimiter: path.extname(file).toLowerCase() === '.tsv' ? '\t' : csv.delimiter,
              zivverUrl: plan.zivverUrl,
            });
    await writeFileAtomic(file, content);
    written.push(file);
  }
  return written;
}
