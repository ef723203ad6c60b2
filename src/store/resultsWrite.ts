/**
 * Writing apply results to --out files: .json document, .jsonl rows, .csv rows for Excel, each
 * written through the file guard's one writer (writeOutputFile).
 */
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { shown } from '../core/shown.js';
import type { ResultRow, ResultStatus } from '../core/records.js';
import { neutralizeFormula } from './csvCell.js';
import { writeOutputFile, type WriteOutputOptions } from './fileGuard.js';
import { csvDelimiterFor, outputKind } from './outputFile.js';

export const RESULT_CSV_COLUMNS = ['email', 'zivverId', 'userName', 'newKey', 'status', 'httpStatus', 'error', 'at', 'line', 'runId'] as const;

export function resultsToCsv(rows: readonly ResultRow[], delimiter: string, bom: boolean): string {
  const records = rows.map((r) =>
    RESULT_CSV_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? '' : typeof r[c] === 'string' ? neutralizeFormula(String(r[c])) : String(r[c]))),
  );
  return (bom ? '\uFEFF' : '') + stringify([[...RESULT_CSV_COLUMNS], ...records], { delimiter, record_delimiter: 'windows' });
}

export interface ResultsMeta {
  planSha256: string;
  plan: string;
  zivverUrl: string;
  runId: string;
  whatIf: boolean;
  counts: Record<ResultStatus, number>;
  journal: string | null;
}

export async function writeResultOutputs(
  files: readonly string[],
  cwd: string,
  rows: readonly ResultRow[],
  csv: { csvDelimiter: string; csvBom: boolean },
  meta: ResultsMeta,
  write: Omit<WriteOutputOptions, 'label'> = {},
): Promise<void> {
  for (const f of files) {
    const file = path.resolve(cwd, f);
    const kind = outputKind(file);
    const content =
      kind === 'json'
        ? JSON.stringify({ kind: 'zivver-keyresults', ...meta, results: rows }, null, 2) + '\n'
        : kind === 'jsonl'
          ? rows.map((r) => JSON.stringify(r) + '\n').join('')
          : resultsToCsv(rows, csvDelimiterFor(file, csv.csvDelimiter), csv.csvBom);
    await writeOutputFile(file, content, { ...write, label: `--out ${shown(f)}` });
  }
}
