/**
 * Rollback planning: from a results journal and the ledger, a plan that puts back the key each
 * updated account had before. The result is an ordinary plan (apply it like any other), so the
 * same safety applies: fresh read, drift check, whole-object PUT, journal, ledger.
 *
 * Zivver never returns keys, so "before" is what the ledger knows: the previousKey recorded when
 * this tool wrote the key — the key it had written itself before, or, for the first migration, the
 * key the plan said Zivver held (`plan --previous-key-source`, e.g. the Synctool's objectGUID).
 * Keys set by anything else and not named by the plan are unknown; those accounts are listed as
 * `invalid` rows with the reason, not guessed.
 * An account whose key this tool changed again after the journal's run is `conflict`: rolling back
 * the older run would silently undo the newer one.
 */
import { accountFingerprint, rowCheck } from './fingerprint.js';
import { accountIdKey } from './ids.js';
import { summarize } from './plan.js';
import { assemblePlanDocument } from './planDocument.js';
import type { LedgerEntry, ResultRow } from './records.js';
import type { PlanDocument, PlanRow } from './types.js';

/** What rollback needs of a results journal (src/store/journal.ts reads one). */
export interface RollbackJournal {
  /** The runs' headers: the first names the Zivver URL written to. */
  headers: readonly { zivverUrl: string }[];
  rows: readonly ResultRow[];
}

export interface RollbackInput {
  journal: RollbackJournal;
  journalName: string;
  journalSha256: string;
  ledger: readonly LedgerEntry[];
  createdAt: string;
}

export function planRollback(input: RollbackInput): PlanDocument {
  const { journal, ledger } = input;
  // The last `updated` row per account (a journal belongs to one plan: one key per account).
  const updated = new Map<string, ResultRow>();
  for (const r of journal.rows) if (r.status === 'updated') updated.set(accountIdKey(r.zivverId), r);
  // Rows that failed in a way that may nevertheless have set the key, and were not done later.
  const maybe = new Map<string, ResultRow>();
  for (const r of journal.rows) {
    const k = accountIdKey(r.zivverId);
    if (r.status === 'failed' && r.mayHaveBeenApplied && !updated.has(k)) maybe.set(k, r);
  }

  const byAccount = new Map<string, { e: LedgerEntry; i: number }[]>();
  ledger.forEach((e, i) => {
    // An entry that "changed" a key to itself (re-applied by an older version, which recorded
    // previousKey = key) changed nothing and knows nothing: ignore it.
    if (e.previousKey !== null && e.previousKey === e.key) return;
    const k = accountIdKey(e.zivverId);
    let list = byAccount.get(k);
    if (!list) byAccount.set(k, (list = []));
    list.push({ e, i });
  });

  const rows: PlanRow[] = [];
  for (const [k, u] of updated) {
    const entries = byAccount.get(k) ?? [];
    // The ledger entry this journal row made: same run and key; else the latest one with this key.
    let mine = entries.filter(({ e }) => e.key === u.newKey && e.runId === u.runId).at(-1);
    mine ??= entries.filter(({ e }) => e.key === u.newKey).at(-1);
    const base = { line: u.line, email: u.email, zivverId: u.zivverId, userName: u.userName, fingerprint: accountFingerprint(u.zivverId, u.userName) };
    if (!mine) {
      rows.push(finish({ ...base, newKey: '', action: 'invalid', reason: `previous key unknown: the ledger has no record of setting ${u.newKey} on this account (another ledger file?)` }));
      continue;
    }
    // What counts is the account's key now: the ledger's last entry for it.
    const last = entries.at(-1)!;
    const later = last.i > mine.i && last.e.key !== u.newKey ? last : undefined;
    if (later) {
      rows.push(
        finish({
          ...base,
          newKey: '',
          action: 'conflict',
          reason: `the key was changed again after this run (to ${later.e.key} at ${later.e.at}, run ${later.e.runId}); roll that run back first`,
        }),
      );
      continue;
    }
    if (mine.e.previousKey === null) {
      rows.push(
        finish({
          ...base,
          newKey: '',
          action: 'invalid',
          reason:
            'previous key unknown: the key before this run was not set by zivver-keytool (e.g. by the Zivver Synctool), so the ledger never knew it, ' +
            'and the plan named none (plan --previous-key-source, e.g. objectGuid, records it)',
        }),
      );
      continue;
    }
    rows.push(
      finish({
        ...base,
        newKey: mine.e.previousKey,
        action: 'set',
        reason: `rollback: restores ${mine.e.previousKey} (recorded before the change, ${previousKeyOrigin(mine.e)}); undoes the key set at ${u.at} (run ${u.runId})`,
      }),
    );
  }

  for (const [k, f] of maybe) {
    const entries = byAccount.get(k) ?? [];
    const base = { line: f.line, email: f.email, zivverId: f.zivverId, userName: f.userName, fingerprint: accountFingerprint(f.zivverId, f.userName) };
    const last = entries.at(-1);
    // What the account held before the attempt: the journal's record (what apply would have put
    // in the ledger), else the ledger's last key for it (a key it wrote again later is not it).
    let restore: { key: string; origin: string } | undefined;
    if (f.previousKey && f.previousKey !== f.newKey) restore = { key: f.previousKey, origin: 'recorded in the results journal before the attempt' };
    else if (last && last.e.key !== f.newKey) restore = { key: last.e.key, origin: `the ledger's last key for the account (set ${last.e.at})` };
    else if (last && last.e.previousKey && last.e.previousKey !== f.newKey) restore = { key: last.e.previousKey, origin: `recorded in the ledger (${previousKeyOrigin(last.e)})` };
    if (last && last.e.at > f.at && last.e.key !== f.newKey) {
      rows.push(finish({ ...base, newKey: '', action: 'conflict', reason: `the key was changed again after this run (to ${last.e.key} at ${last.e.at}, run ${last.e.runId}); roll that run back first` }));
      continue;
    }
    if (!restore) {
      rows.push(
        finish({
          ...base,
          newKey: '',
          action: 'invalid',
          reason: `may have been applied; previous key unknown (the write of ${f.newKey} at ${f.at} got no clear answer from Zivver, and neither the journal nor the ledger knows the key before it)`,
        }),
      );
      continue;
    }
    rows.push(
      finish({
        ...base,
        newKey: restore.key,
        action: 'set',
        reason: `rollback: restores ${restore.key} (${restore.origin}); the write of ${f.newKey} at ${f.at} (run ${f.runId}) got no clear answer and may have been applied`,
      }),
    );
  }

  // Two accounts must not be given one key; leave such rows for a person to decide.
  const byKey = new Map<string, PlanRow[]>();
  for (const r of rows) if (r.action === 'set') byKey.set(r.newKey, [...(byKey.get(r.newKey) ?? []), r]);
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    for (const r of list) {
      r.action = 'conflict';
      r.reason = `the previous key ${key} belonged to ${list.length} accounts according to the ledger; restore by hand`;
      r.newKey = '';
      r.check = rowCheck(r);
    }
  }
  rows.sort((a, b) => a.line - b.line || a.email.localeCompare(b.email));
  const header = journal.headers[0];
  return assemblePlanDocument({
    createdAt: input.createdAt,
    zivverUrl: header?.zivverUrl ?? '',
    keySource: 'rollback',
    keyFormat: 'raw',
    inputs: [{ name: input.journalName, sha256: input.journalSha256 }],
    summary: summarize(rows),
    rows,
  });
}

/** Where a ledger entry's previous key came from, for people. */
export function previousKeyOrigin(e: Pick<LedgerEntry, 'previousKeySource' | 'previousKeyPlanSource'>): string {
  if (e.previousKeySource === 'plan') {
    return e.previousKeyPlanSource ? `from the plan's --previous-key-source ${e.previousKeyPlanSource}` : "from the plan's previousKey column";
  }
  return 'from the ledger: zivver-keytool had set it';
}

function finish(r: Omit<PlanRow, 'check'>): PlanRow {
  return { ...r, check: rowCheck(r) };
}
