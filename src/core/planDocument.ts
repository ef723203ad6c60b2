/**
 * Assembling the plan document (pure: the caller supplies the clock reading).
 */
import type { KeyFormat, PlanDocument, PlanFilters, PlanInput, PlanRow, PlanSummary } from './types.js';

export const PLAN_KIND = 'zivver-keyplan';
export const PLAN_FORMAT_VERSION = 1;

/** The CSV columns of a plan, in order (apply accepts the same). */
export const PLAN_CSV_COLUMNS = [
  'line',
  'input',
  'email',
  'zivverId',
  'userName',
  'newKey',
  'action',
  'reason',
  'fingerprint',
  'check',
  // Added after `check` so that consumers of the older column list still find the others in place.
  'previousKey',
  // The Zivver URL the plan was made against, on every row: a CSV has no header to carry it, and
  // apply refuses a plan for another URL (Excel keeps the column; admins may delete rows freely).
  'zivverUrl',
] as const;

export function keySourceText(source: { kind: string; column?: string }): string {
  return source.kind === 'column' ? `column:${source.column}` : source.kind;
}

export function assemblePlanDocument(parts: {
  createdAt: string;
  zivverUrl: string;
  keySource: string;
  keyFormat: KeyFormat;
  previousKeySource?: string;
  previousKeyFormat?: KeyFormat;
  inputs: PlanInput[];
  summary: PlanSummary;
  rows: PlanRow[];
  warnings?: string[];
  filters?: PlanFilters;
}): PlanDocument {
  const filters =
    parts.filters && Object.values(parts.filters).some((v) => Array.isArray(v) && v.length > 0) ? parts.filters : undefined;
  return {
    kind: PLAN_KIND,
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: parts.createdAt,
    zivverUrl: parts.zivverUrl,
    keySource: parts.keySource,
    keyFormat: parts.keyFormat,
    ...(parts.previousKeySource ? { previousKeySource: parts.previousKeySource, ...(parts.previousKeyFormat ? { previousKeyFormat: parts.previousKeyFormat } : {}) } : {}),
    inputs: parts.inputs,
    summary: parts.summary,
    ...(parts.warnings && parts.warnings.length ? { warnings: parts.warnings } : {}),
    ...(filters ? { filters } : {}),
    rows: parts.rows,
  };
}
