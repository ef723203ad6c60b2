/**
 * `apply --canary "a@org.nl;b@org.nl"`, the pure part: which set rows of a plan the canary
 * names, and what is wrong with a canary list. A canary writes only those rows; the rest of the
 * plan waits until the admin has tested the SSO login for them and confirmed (--canary-ok).
 */
import { splitList } from './filters.js';
import { normalizeAddress } from './match.js';
import { shown } from './shown.js';
import type { PlanRow } from './types.js';

export interface CanarySelection {
  /** The set rows the canary writes. */
  rows: PlanRow[];
  /** Addresses that name no set row, each with why. */
  problems: string[];
}

/** Parses the --canary value(s): addresses separated by ";", "," or spaces. */
export function parseCanary(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  return splitList(typeof values === 'string' ? [values] : values).filter((a) => a.includes('@'));
}

/** Whether a row is named by one of the canary addresses (its email or its Zivver userName). */
export function inCanary(row: Pick<PlanRow, 'email' | 'userName'>, canary: ReadonlySet<string>): boolean {
  return canary.has(normalizeAddress(row.email)) || (row.userName !== '' && canary.has(normalizeAddress(row.userName)));
}

export function selectCanaryRows(rows: readonly PlanRow[], addresses: readonly string[]): CanarySelection {
  const problems: string[] = [];
  const picked: PlanRow[] = [];
  for (const a of addresses) {
    const one = new Set([a]);
    const named = rows.filter((r) => inCanary(r, one));
    const set = named.filter((r) => r.action === 'set');
    if (set.length) {
      for (const r of set) if (!picked.includes(r)) picked.push(r);
    } else if (named.length) {
      problems.push(`${shown(a)} is in the plan, but as ${named.map((r) => `${r.action}${r.reason ? ` (${r.reason})` : ''}`).join(', ')}: only set rows can be a canary`);
    } else {
      problems.push(`${shown(a)} is not in the plan`);
    }
  }
  return { rows: picked, problems };
}
