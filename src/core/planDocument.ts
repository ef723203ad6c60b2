/**
 * Assembling the plan document (pure: the caller supplies the clock reading).
 */
import type { PlanDocument } from './types.js';

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
  // What the keys were derived from, on every row for the same reason: apply records it in the
  // ledger as the key's source, also for rows that reach it without their plan document.
  'keySource',
  'keyFormat',
  'previousKeySource',
] as const;

/** What a row carries of its plan when it travels without the document (CSV, JSON lines, PowerShell objects). */
export const PLAN_ROW_CONTEXT = ['zivverUrl', 'keySource', 'keyFormat', 'previousKeySource'] as const;
export type PlanRowContext = Partial<Record<(typeof PLAN_ROW_CONTEXT)[number], string>>;

/** The plan-wide fields each row carries in CSV and JSON lines (empty ones left out). */
export function planRowContext(plan: Partial<Pick<PlanDocument, (typeof PLAN_ROW_CONTEXT)[number]>>): PlanRowContext {
  const out: PlanRowContext = {};
  for (const k of PLAN_ROW_CONTEXT) if (plan[k]) out[k] = plan[k];
  return out;
}

/**
 * The plan document: the parts, plus its kind and format version; optional parts that are empty
 * (no warnings, no filters in force, no previous key source) are left out.
 */
export function assemblePlanDocument(parts: Omit<PlanDocument, 'kind' | 'formatVersion'>): PlanDocument {
  const { warnings, filters, previousKeySource, previousKeyFormat, rows, ...required } = parts;
  const filtersInForce = filters && Object.values(filters).some((v) => Array.isArray(v) && v.length > 0);
  return {
    kind: PLAN_KIND,
    formatVersion: PLAN_FORMAT_VERSION,
    ...required,
    ...(previousKeySource ? { previousKeySource, ...(previousKeyFormat ? { previousKeyFormat } : {}) } : {}),
    ...(warnings?.length ? { warnings } : {}),
    ...(filtersInForce ? { filters } : {}),
    // Last, so a person opening the file sees what it was planned against first.
    rows,
  };
}
