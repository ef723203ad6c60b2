/**
 * The records apply and rollback work with, and the rule about a key's predecessor. Pure: the
 * files that hold them (src/store/journal.ts, src/store/ledger.ts) read and write them.
 */
import type { LedgerLastEntry } from './types.js';

export type ResultStatus = 'updated' | 'drifted' | 'failed' | 'skipped' | 'would-update';

/** One result row (results journal, --out files): the SPEC fields first, then context that helps people and rollback. */
export interface ResultRow {
  email: string;
  zivverId: string;
  newKey: string;
  status: ResultStatus;
  /** Zivver's HTTP status for the write (or the read that decided), null when none. */
  httpStatus: number | null;
  /** Why the row is not `updated`: Zivver's text verbatim, or ours. Null when updated. */
  error: string | null;
  /** When the row finished (ISO). */
  at: string;
  userName: string;
  /** The plan row's line (in the input the plan was made from). */
  line: number;
  runId: string;
  /** Set when a write failed in a way that may nevertheless have applied the key. */
  mayHaveBeenApplied?: boolean;
  /** With mayHaveBeenApplied: the key the account held before, when known (for rollback). */
  previousKey?: string;
}

export const LEDGER_KIND = 'zivver-keyledger';

/** One ledger entry: a key this tool wrote to an account, and the key it replaced. */
export interface LedgerEntry {
  kind: typeof LEDGER_KIND;
  v: 1;
  /** ISO time the write was acknowledged by Zivver. */
  at: string;
  zivverId: string;
  userName: string;
  key: string;
  /**
   * The key the account held before this write (null: unknown, e.g. set by the Synctool and no
   * --previous-key-source in the plan).
   */
  previousKey: string | null;
  /**
   * Where previousKey came from: `ledger` (this tool wrote it before) or `plan` (the plan row's
   * previousKey, from `plan --previous-key-source`). Absent in entries written before this field
   * existed, where a previousKey can only have come from the ledger.
   */
  previousKeySource?: 'ledger' | 'plan';
  /** With previousKeySource `plan`: the plan's --previous-key-source (e.g. "objectGuid"), when the plan names it. */
  previousKeyPlanSource?: string;
  /** What the key was derived from (plan key source and inputs). */
  source: string;
  /** The apply run that wrote it (also in the results journal). */
  runId: string;
  /**
   * The Zivver SCIM base URL the key was written to (no trailing slash). Entries without it
   * (written before this field existed) count for every URL.
   */
  zivverUrl?: string;
}

/** What an account's key was before a write, and how it is known. */
export type KeyBefore =
  /** The key this tool wrote last (the ledger). */
  | { from: 'ledger'; key: string }
  /** The key the plan says Zivver holds (plan --previous-key-source, e.g. the Synctool's objectGUID). */
  | { from: 'plan'; key: string }
  /** Writing the key the ledger already has: its entry's own previous key is carried forward. */
  | { from: 'carried'; key: string; entry: LedgerLastEntry }
  | { from: 'unknown' };

/**
 * The rule, stated once: what this tool wrote last (the ledger) wins over what the plan says Zivver
 * holds; the plan's previous key counts only when the ledger knows nothing of the account. Writing
 * the key the ledger already has (a resumed or repeated plan) carries the earlier entry's previous
 * key forward: "previous = this key" would make rollback restore nothing. A previous key equal to
 * the new key is no previous key.
 */
export function keyBefore(newKey: string, ledger: LedgerLastEntry | { key: string } | undefined, planPrevious: string | undefined): KeyBefore {
  const fromPlan = (): KeyBefore => (planPrevious && planPrevious !== newKey ? { from: 'plan', key: planPrevious } : { from: 'unknown' });
  if (ledger === undefined) return fromPlan();
  if (ledger.key !== newKey) return { from: 'ledger', key: ledger.key };
  if ('previousKey' in ledger && ledger.previousKey !== null && ledger.previousKey !== ledger.key) {
    return { from: 'carried', key: ledger.previousKey, entry: ledger };
  }
  return fromPlan();
}
