/**
 * Reading a plan for `apply`: the JSON plan document, plan rows as JSON lines (`plan --output jsonl`,
 * or PowerShell objects piped as `ConvertTo-Json -Compress`), a JSON array of rows, or a plan CSV
 * that may have been through Excel (`;` or tab delimiter, BOM, rows deleted or reordered, other
 * quoting, extra empty lines or columns).
 *
 * Everything is validated before anything is written: an unknown format version or action, a set
 * row without an id/userName/key, a set row whose `check` no longer matches its fields (altered in
 * Excel), two set rows for one account or one key. Each is an InputError (exit 2) naming the file,
 * the line and what to do.
 */
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { rowCheck } from '../core/fingerprint.js';
import { accountIdKey } from '../core/ids.js';
import { rawKeyProblem } from '../core/keys.js';
import { PLAN_ACTIONS, type PlanAction, type PlanDocument, type PlanRow } from '../core/types.js';
import { InputError } from '../errors.js';
import { shown } from '../core/shown.js';
import { restoreFormula } from './csvCell.js';
import { firstTooDeep, MAX_JSON_DEPTH } from '../core/jsonDepth.js';
import { readRegularFile, readStreamBounded } from '../util/boundedRead.js';
import { decodeInput } from '../util/decode.js';
import { summarize } from '../core/plan.js';
import { PLAN_CSV_COLUMNS, PLAN_FORMAT_VERSION, PLAN_KIND, PLAN_ROW_CONTEXT, assemblePlanDocument, type PlanRowContext } from '../core/planDocument.js';

export { PLAN_KIND, PLAN_FORMAT_VERSION };

export interface ReadPlanOptions {
  stdin: NodeJS.ReadableStream;
  cwd: string;
  /** Largest plan read, in bytes (--max-input-size; default 2 GiB). */
  maxBytes?: number;
  /** Ends a read of standard input at once when aborted. */
  signal?: AbortSignal;
}

/** A plan as read, plus where each row came from (for messages) and what was tolerated. */
export interface ReadPlanResult {
  plan: PlanDocument;
  /** Display name of the source ("-" is shown as "stdin"). */
  name: string;
  /** Absolute path, or null for stdin. */
  file: string | null;
  format: 'json' | 'jsonl' | 'csv';
  /** Physical line in the file of each plan row (same order as plan.rows). */
  sourceLines: number[];
  /** Non-fatal findings (e.g. a non-set row whose check no longer matches). */
  warnings: string[];
}

export async function readPlan(spec: string, opts: ReadPlanOptions): Promise<PlanDocument> {
  return (await readPlanDetailed(spec, opts)).plan;
}

export async function readPlanDetailed(spec: string, opts: ReadPlanOptions): Promise<ReadPlanResult> {
  const fromStdin = spec === '-';
  const file = fromStdin ? null : path.resolve(opts.cwd, spec);
  const name = fromStdin ? 'stdin' : shown(spec);
  const limits = { maxBytes: opts.maxBytes, signal: opts.signal };
  const bytes = fromStdin
    ? await readStreamBounded(opts.stdin, name, limits)
    : await readRegularFile(file!, name, {
        ...limits,
        notFound: () => new InputError('plan file not found', name, undefined, 'Give the path of a plan written by `zivver-keytool plan --out <file.json|file.csv>`.'),
        notAFileHint: 'Give the path of a plan file, or - to read the plan from standard input.',
      });
  return parsePlanText(decodeInput(name, bytes, PLAN_ENCODING_HINT).text, name, file);
}

/** Parses plan text of any accepted form and validates it. Exported for tests. */
export function parsePlanText(text: string, name: string, file: string | null = null): ReadPlanResult {
  const trimmed = text.trimStart();
  if (!trimmed) throw new InputError('the plan is empty', name, undefined, 'Pass a plan written by `zivver-keytool plan`.');
  let parsed: { plan: PlanDocument; format: ReadPlanResult['format']; sourceLines: number[] };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) parsed = parseJsonPlan(text, name);
  else {
    const scalar = jsonScalarKind(trimmed);
    if (scalar) throw new InputError(`the plan holds ${scalar} (JSON), not a plan document or plan rows`, name, 1, PLAN_HINT);
    parsed = parseCsvPlan(text, name);
  }
  const warnings = validatePlan(parsed.plan, name, parsed.sourceLines);
  return { ...parsed, name, file, warnings };
}

/** What a whole text is when it is one JSON null, boolean, number or string; null otherwise. */
function jsonScalarKind(t: string): string | null {
  if (t.length > 10_000) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return null;
  }
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'string') return 'a string';
  return null;
}

const PLAN_ENCODING_HINT = 'Save the plan CSV from Excel as "CSV UTF-8 (comma delimited)" and try again.';

// ---------------------------------------------------------------------------------------------
// JSON forms

function parseJsonPlan(text: string, name: string): { plan: PlanDocument; format: 'json' | 'jsonl'; sourceLines: number[] } {
  const deep = firstTooDeep(text);
  if (deep >= 0) {
    const line = text.slice(0, deep).split('\n').length;
    throw new InputError(`nested more than ${MAX_JSON_DEPTH} levels deep at line ${line}; a plan is never nested like that`, name, line, PLAN_HINT);
  }
  let whole: unknown;
  let wholeOk = true;
  try {
    whole = JSON.parse(text);
  } catch {
    wholeOk = false;
  }
  if (wholeOk) {
    if (Array.isArray(whole)) {
      const rows = whole.map((v, i) => toPlanRow(v, name, i + 1, 'item'));
      return { plan: documentFromRows(rows, name), format: 'json', sourceLines: rows.map((_r, i) => i + 1) };
    }
    if (whole && typeof whole === 'object' && (whole as Record<string, unknown>).kind !== undefined) {
      return { ...parseDocument(whole as Record<string, unknown>, name, text), format: 'json' };
    }
    if (whole && typeof whole === 'object') {
      // A single row on one line (a plan of one row, as JSON lines).
      return { plan: documentFromRows([toPlanRow(whole, name, 1, 'line')]), format: 'jsonl', sourceLines: [1] };
    }
    throw new InputError('the plan is JSON but neither a plan document nor plan rows', name, 1, PLAN_HINT);
  }
  // JSON lines: one row per line; a plan document header line may come first.
  const rows: ReadRow[] = [];
  const sourceLines: number[] = [];
  let header: Record<string, unknown> | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new InputError(
        `not valid JSON (${(err as Error).message})`,
        name,
        i + 1,
        'A plan in JSON lines has one plan row object per line, as `zivver-keytool plan --output jsonl` prints.',
      );
    }
    if (v && typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>).kind === PLAN_KIND) {
      header = v as Record<string, unknown>;
      checkVersion(header, name, i + 1);
      if (Array.isArray(header.rows) && header.rows.length) {
        throw new InputError('a plan document inside JSON lines', name, i + 1, PLAN_HINT);
      }
      return;
    }
    rows.push(toPlanRow(v, name, i + 1, 'line'));
    sourceLines.push(i + 1);
  });
  const plan = documentFromRows(rows, name);
  if (header) Object.assign(plan, metadataFrom(header));
  return { plan, format: 'jsonl', sourceLines };
}

const PLAN_HINT = 'Pass a plan written by `zivver-keytool plan --out plan.json` (or .csv), or its `--output jsonl` rows.';

function checkVersion(doc: Record<string, unknown>, name: string, line?: number): void {
  if (doc.kind !== PLAN_KIND) {
    throw new InputError(`not a zivver-keytool plan (kind is ${JSON.stringify(doc.kind)})`, name, line, PLAN_HINT);
  }
  if (doc.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new InputError(
      `plan format version ${JSON.stringify(doc.formatVersion)} is not supported (this zivver-keytool reads version ${PLAN_FORMAT_VERSION})`,
      name,
      line,
      'Make the plan with this version of zivver-keytool, or apply it with the version that made it.',
    );
  }
}

function metadataFrom(doc: Record<string, unknown>): Partial<PlanDocument> {
  const out: Partial<PlanDocument> = {};
  if (typeof doc.createdAt === 'string') out.createdAt = doc.createdAt;
  if (typeof doc.zivverUrl === 'string') out.zivverUrl = doc.zivverUrl;
  if (typeof doc.keySource === 'string') out.keySource = doc.keySource;
  if (doc.keyFormat === 'guid' || doc.keyFormat === 'base64' || doc.keyFormat === 'raw') out.keyFormat = doc.keyFormat;
  if (typeof doc.previousKeySource === 'string' && doc.previousKeySource) out.previousKeySource = doc.previousKeySource;
  if (doc.previousKeyFormat === 'guid' || doc.previousKeyFormat === 'base64' || doc.previousKeyFormat === 'raw') out.previousKeyFormat = doc.previousKeyFormat;
  if (Array.isArray(doc.inputs)) out.inputs = doc.inputs as PlanDocument['inputs'];
  if (Array.isArray(doc.warnings)) out.warnings = doc.warnings.map(String);
  if (doc.filters && typeof doc.filters === 'object') out.filters = doc.filters as PlanDocument['filters'];
  return out;
}

function parseDocument(doc: Record<string, unknown>, name: string, text: string): { plan: PlanDocument; sourceLines: number[] } {
  checkVersion(doc, name);
  if (!Array.isArray(doc.rows)) throw new InputError('the plan document has no "rows" array', name, undefined, PLAN_HINT);
  const lineOfRow = rowLinesInDocument(text, doc.rows.length);
  const rows = doc.rows.map((v, i) => toPlanRow(v, name, lineOfRow[i], 'row', i + 1));
  const plan = documentFromRows(rows);
  Object.assign(plan, metadataFrom(doc));
  return { plan, sourceLines: lineOfRow };
}

/**
 * Best-effort physical line of each row object in a pretty-printed plan document, so messages
 * can say "plan.json:57"; falls back to 0 (unknown) when the layout is not what we wrote.
 */
function rowLinesInDocument(text: string, count: number): number[] {
  const out = new Array<number>(count).fill(0);
  const lines = text.split('\n');
  const rowsAt = lines.findIndex((l) => /^\s*"rows"\s*:\s*\[/.test(l));
  if (rowsAt < 0) return out;
  let n = 0;
  const indent = /^(\s*)/.exec(lines[rowsAt + 1] ?? '')?.[1] ?? '';
  for (let i = rowsAt + 1; i < lines.length && n < count; i++) {
    if (lines[i].startsWith(indent + '{') && !lines[i].startsWith(indent + ' ')) out[n++] = i + 1;
  }
  return n === count ? out : new Array<number>(count).fill(0);
}

// ---------------------------------------------------------------------------------------------
// CSV

const CSV_FIELDS = PLAN_CSV_COLUMNS;
const REQUIRED_CSV_FIELDS = ['zivverId', 'newKey', 'action'] as const;

function parseCsvPlan(text: string, name: string): { plan: PlanDocument; format: 'csv'; sourceLines: number[] } {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = pickDelimiter(firstLine);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      bom: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new InputError(`the plan CSV cannot be read: ${e.message}`, name, e.lines, 'Check for an unbalanced quote (") on that line.');
  }
  if (!records.length) throw new InputError('the plan CSV is empty', name, 1, PLAN_HINT);
  const header = records[0].record.map((h) => h.trim().toLowerCase());
  const index = new Map<string, number>();
  for (const f of CSV_FIELDS) {
    const at = header.indexOf(f.toLowerCase());
    if (at >= 0) index.set(f, at);
  }
  const missing = REQUIRED_CSV_FIELDS.filter((f) => !index.has(f));
  if (missing.length) {
    throw new InputError(
      `the plan CSV has no ${missing.map((m) => `"${m}"`).join(', ')} column (found: ${records[0].record.join(', ') || 'nothing'})`,
      name,
      records[0].info.lines,
      'A plan CSV has the columns line,input,email,zivverId,userName,newKey,action,reason,fingerprint,check(,previousKey) as `zivver-keytool plan --out plan.csv` writes them. In Excel, delete rows but keep the header row and the columns.',
    );
  }
  const rows: ReadRow[] = [];
  const sourceLines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.every((c) => c.trim() === '')) continue; // Excel's empty trailing rows (";;;;;;")
    const obj: Record<string, string> = {};
    // Cells were neutralised against Excel formulas when written (csvCell.ts): take that back.
    for (const [f, at] of index) obj[f] = restoreFormula(record[at] ?? '');
    // info.lines is the line the record ends on; records we write never span lines, so this is its line.
    rows.push(toPlanRow(obj, name, info.lines, 'line'));
    sourceLines.push(info.lines);
  }
  return { plan: documentFromRows(rows, name), format: 'csv', sourceLines };
}

function pickDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = -1;
  for (const d of [',', ';', '\t']) {
    const cells = headerLine.split(d).map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
    const known = cells.filter((c) => (CSV_FIELDS as readonly string[]).some((f) => f.toLowerCase() === c)).length;
    if (known > bestCount) {
      best = d;
      bestCount = known;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Rows

function field(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

/**
 * A plan row as read, with the plan-wide fields (Zivver URL, key source, ...) a CSV or JSON-lines
 * row carries: such a file has no document header to carry them.
 */
interface ReadRow {
  row: PlanRow;
  context?: PlanRowContext;
}

function toPlanRow(v: unknown, name: string, line: number, unit: 'row' | 'line' | 'item', rowNo?: number): ReadRow {
  const where = unit === 'row' ? `row ${rowNo}` : unit === 'item' ? `item ${line}` : undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new InputError(`${where ? where + ': ' : ''}expected a plan row object`, name, unit === 'line' ? line : line || undefined, PLAN_HINT);
  }
  const o = v as Record<string, unknown>;
  const lineValue = Number.parseInt(text(field(o, 'line')), 10);
  const row: PlanRow = {
    line: Number.isFinite(lineValue) ? lineValue : 0,
    email: text(field(o, 'email')).trim(),
    zivverId: text(field(o, 'zivverId')).trim(),
    userName: text(field(o, 'userName')).trim(),
    // Keys are compared exactly; only surrounding whitespace (a spreadsheet's padding) is dropped.
    newKey: text(field(o, 'newKey')).trim(),
    action: text(field(o, 'action')).trim() as PlanAction,
    reason: text(field(o, 'reason')),
    fingerprint: text(field(o, 'fingerprint')).trim(),
  };
  const input = field(o, 'input');
  if (input !== undefined && input !== '') row.input = text(input);
  const check = text(field(o, 'check')).trim();
  if (check) row.check = check;
  // The key Zivver held before (plan --previous-key-source). An empty cell (CSV, or Import-Csv rows
  // piped as JSON) means unknown; anything else is validated with the set rows.
  const previousKey = field(o, 'previousKey');
  if (previousKey !== undefined && previousKey !== null) {
    if (typeof previousKey !== 'string') {
      throw new InputError(
        `${where ? where + ': ' : ''}previousKey is ${Array.isArray(previousKey) ? 'an array' : typeof previousKey}, not text`,
        name,
        line || undefined,
        PLAN_HINT,
      );
    }
    if (previousKey.trim() !== '') row.previousKey = previousKey.trim();
  }
  restoreNeutralized(row);
  const warnings = field(o, 'warnings');
  if (Array.isArray(warnings) && warnings.length) row.warnings = warnings.map(String);
  // Rows without their document (CSV, JSON lines) carry the plan's Zivver URL and key source;
  // documentFromRows lifts them onto the plan.
  const context: PlanRowContext = {};
  for (const k of PLAN_ROW_CONTEXT) {
    const value = field(o, k);
    if (typeof value === 'string' && value.trim()) context[k] = value.trim();
  }
  return Object.keys(context).length ? { row, context } : { row };
}

/**
 * A row of a plan CSV that reached us as JSON (Import-Csv piped through the PowerShell module)
 * still carries the apostrophes that kept Excel from evaluating its cells. When the row's check
 * fails as read and matches with them taken away, they were ours: take them away.
 */
function restoreNeutralized(row: PlanRow): void {
  if (!row.check || rowCheck(row) === row.check) return;
  const fields = ['email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint', 'input', 'previousKey'] as const;
  const restored: PlanRow = { ...row };
  for (const f of fields) {
    const v = row[f];
    if (typeof v === 'string') (restored as unknown as Record<string, string>)[f] = restoreFormula(v);
  }
  if (rowCheck(restored) === row.check) Object.assign(row, restored);
}

const CONTEXT_LABEL: Record<keyof PlanRowContext, string> = {
  zivverUrl: 'Zivver URLs',
  keySource: 'key sources',
  keyFormat: 'key formats',
  previousKeySource: 'previous key sources',
};

/** A plan document around rows read without one (CSV, JSON lines, an array), with the one URL, key source, ... they name. */
function documentFromRows(read: readonly ReadRow[], name = 'the plan'): PlanDocument {
  const lifted: PlanRowContext = {};
  for (const k of PLAN_ROW_CONTEXT) {
    const seen = new Map<string, ReadRow>();
    const norm = (v: string) => (k === 'zivverUrl' ? v.replace(/\/+$/, '').toLowerCase() : v);
    for (const r of read) {
      const v = r.context?.[k];
      if (v && !seen.has(norm(v))) seen.set(norm(v), r);
    }
    if (seen.size > 1) {
      const [a, b] = [...seen.values()] as [ReadRow, ReadRow];
      throw new InputError(
        `rows of this plan were made with different ${CONTEXT_LABEL[k]} (${a.context![k]} at plan line ${a.row.line}, ${b.context![k]} at plan line ${b.row.line})`,
        name,
        undefined,
        'Apply plans one at a time; do not paste rows of several plans into one file.',
      );
    }
    if (seen.size) lifted[k] = [...seen.values()][0]!.context![k];
  }
  const rows = read.map((r) => r.row);
  const keyFormat = lifted.keyFormat === 'guid' || lifted.keyFormat === 'base64' ? lifted.keyFormat : 'raw';
  // The inputs the rows came from (their plan named them), so the ledger records where keys came from.
  const inputs = [...new Set(rows.map((r) => r.input).filter((i): i is string => Boolean(i)))].map((i) => ({ name: i, sha256: '' }));
  return assemblePlanDocument({
    createdAt: '',
    zivverUrl: lifted.zivverUrl ?? '',
    keySource: lifted.keySource ?? '',
    keyFormat,
    ...(lifted.previousKeySource ? { previousKeySource: lifted.previousKeySource } : {}),
    inputs,
    summary: summarize(rows),
    rows,
  });
}

// ---------------------------------------------------------------------------------------------
// Validation

const MAX_LISTED = 10;

/** Throws one InputError listing every problem (up to 10), so an admin fixes a file in one go. */
function validatePlan(plan: PlanDocument, name: string, sourceLines: number[]): string[] {
  const problems: { line: number; text: string }[] = [];
  const warnings: string[] = [];
  const byId = new Map<string, number>();
  const byKey = new Map<string, number>();
  const at = (i: number) => sourceLines[i] || 0;
  const label = (r: PlanRow) => `${r.email || r.userName || r.zivverId || '(no address)'}${r.line ? ` (plan line ${r.line})` : ''}`;
  plan.rows.forEach((r, i) => {
    if (!(PLAN_ACTIONS as readonly string[]).includes(r.action)) {
      problems.push({
        line: at(i),
        text: `${label(r)}: unknown action ${JSON.stringify(r.action)} (expected one of ${PLAN_ACTIONS.join(', ')})`,
      });
      return;
    }
    if (r.action !== 'set') {
      if (r.check && r.check !== rowCheck(r)) {
        warnings.push(`${name}${at(i) ? ':' + at(i) : ''}: ${label(r)} (${r.action}) was edited since it was planned; it is not written either way`);
      }
      return;
    }
    const missing = (['zivverId', 'userName', 'newKey'] as const).filter((f) => !r[f]);
    if (missing.length) {
      problems.push({ line: at(i), text: `${label(r)}: a set row without ${missing.join(', ')}` });
      return;
    }
    if (!r.check) {
      problems.push({ line: at(i), text: `${label(r)}: a set row without its "check" value, so an edit cannot be ruled out` });
      return;
    }
    if (r.check !== rowCheck(r)) {
      problems.push({
        line: at(i),
        text: `${label(r)}: the zivverId, userName, newKey or action of this row was changed after planning (check ${r.check} does not match)`,
      });
      return;
    }
    if (r.previousKey !== undefined) {
      const problem = rawKeyProblem(r.previousKey);
      if (problem) {
        const shown = JSON.stringify(r.previousKey.length > 60 ? `${r.previousKey.slice(0, 57)}...` : r.previousKey);
        problems.push({ line: at(i), text: `${label(r)}: previousKey ${shown} ${problem}; it would be recorded as the key to restore on rollback` });
        return;
      }
    }
    const id = accountIdKey(r.zivverId);
    const prevId = byId.get(id);
    if (prevId !== undefined) {
      problems.push({ line: at(i), text: `${label(r)}: a second set row for account ${r.zivverId} (first at line ${at(prevId) || '?'})` });
      return;
    }
    byId.set(id, i);
    const prevKey = byKey.get(r.newKey);
    if (prevKey !== undefined) {
      problems.push({
        line: at(i),
        text: `${label(r)}: key ${r.newKey} is also planned for ${label(plan.rows[prevKey])}; two accounts cannot share a key`,
      });
      return;
    }
    byKey.set(r.newKey, i);
  });
  if (problems.length) {
    const first = problems[0];
    const rest = problems
      .slice(1, MAX_LISTED)
      .map((p) => `\n  ${name}${p.line ? ':' + p.line : ''}: ${p.text}`)
      .join('');
    const more = problems.length > MAX_LISTED ? `\n  ... and ${problems.length - MAX_LISTED} more` : '';
    throw new InputError(
      `${first.text}${rest}${more}`,
      name,
      first.line || undefined,
      `Nothing was written. ${problems.length === 1 ? 'This row is' : `These ${problems.length} rows are`} not safe to apply: make a new plan with \`zivver-keytool plan\`. To leave rows out, delete them (whole rows) instead of editing their fields.`,
    );
  }
  return warnings;
}
