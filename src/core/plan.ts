/**
 * planKeyChanges: which Zivver account gets which new key. A pure function of
 * (source users, Zivver accounts, ledger knowledge, options): no I/O, no clock, no randomness.
 */
import { accountFingerprint, rowCheck } from './fingerprint.js';
import { compileFilters } from './filters.js';
import { accountIdKey } from './ids.js';
import { defaultKeyFormat, deriveKey, formatKeySource } from './keys.js';
import { keyBefore } from './records.js';
import { displayAddress, indexAccounts, matchAccount, normalizeAddress, userAddresses } from './match.js';
import {
  PLAN_ACTIONS,
  type KeyFormat,
  type KeySource,
  type LedgerKnowledge,
  type PlanFilters,
  type PlanRow,
  type PlanSummary,
  type SourceUser,
  type ZivverAccount,
} from './types.js';

export interface PlanOptions {
  keySource: KeySource;
  keyFormat: KeyFormat;
  filters?: PlanFilters;
  /**
   * Where the key Zivver holds now comes from, as far as the admin knows it (e.g. the objectGUID the
   * Zivver Synctool wrote). Derived per row into PlanRow.previousKey; a row whose previous key equals
   * its new key is `unchanged`. Absent: nothing is assumed about the current keys.
   */
  previousKeySource?: KeySource;
  /** Notation of the previous key (default: defaultKeyFormat(previousKeySource)). */
  previousKeyFormat?: KeyFormat;
  /** Summarise the source users' own warnings into the plan warnings (default true). */
  summarizeUserWarnings?: boolean;
}

export interface KeyChangePlan {
  rows: PlanRow[];
  /**
   * The `skipped` rows the admin's own filters (--include-/--exclude-emails/-domains) left out:
   * people need only their number, not 300 "not in --include-emails" rows burying the two that matter.
   */
  filteredOut: ReadonlySet<PlanRow>;
  summary: PlanSummary;
  /** Plan-wide warnings (e.g. several rows whose EmailAddresses was a .NET type name). */
  warnings: string[];
}

export const USER_MAILBOX = 'usermailbox';

export function emptySummary(): PlanSummary {
  return Object.fromEntries(PLAN_ACTIONS.map((a) => [a, 0])) as PlanSummary;
}

export function summarize(rows: readonly Pick<PlanRow, 'action'>[]): PlanSummary {
  const summary = emptySummary();
  // Rows read back from an edited file may carry an unknown action; validation names it, the count skips it.
  for (const row of rows) if (row.action in summary) summary[row.action]++;
  return summary;
}

/** `Plan: N to set, N unchanged, N not found, N ambiguous, N conflict, N invalid, N skipped.` */
export function planSummaryLine(s: PlanSummary): string {
  return (
    `Plan: ${s.set} to set, ${s.unchanged} unchanged, ${s['not-found']} not found, ` +
    `${s.ambiguous} ambiguous, ${s.conflict} conflict, ${s.invalid} invalid, ${s.skipped} skipped.`
  );
}

interface Draft {
  row: PlanRow;
  /** Skipped by the admin's filters (a structured kind; the reason is text for people). */
  filtered?: boolean;
  account?: ZivverAccount;
  /** Why the previous key could not be derived (with a previous key source), for the plan warning. */
  previousProblem?: string;
  user?: SourceUser;
}

export function planKeyChanges(
  users: readonly SourceUser[],
  accounts: readonly ZivverAccount[],
  ledger: LedgerKnowledge,
  options: PlanOptions,
): KeyChangePlan {
  const index = indexAccounts(accounts);
  const filters = compileFilters(options.filters ?? {});
  const drafts: Draft[] = [];

  for (const user of users) {
    const row: PlanRow = {
      line: user.line,
      input: user.input,
      email: displayAddress(user),
      zivverId: '',
      userName: '',
      newKey: '',
      action: 'set',
      reason: '',
      fingerprint: '',
    };
    if (user.warnings.length) row.warnings = [...user.warnings];
    drafts.push(decide(user, row));
  }

  function decide(user: SourceUser, row: PlanRow): Draft {
    const skip = (reason: string): Draft => ((row.action = 'skipped'), (row.reason = reason), { row });
    // The admin's own filters first: a shared mailbox outside --include-emails is "filtered out",
    // so a plan for two people does not also list every shared mailbox.
    const filtered = filters.active ? filters.reasonToSkip(userAddresses(user)) : undefined;
    if (filtered) return { ...skip(filtered), filtered: true };
    if (user.skipReason) return skip(user.skipReason);
    const type = user.recipientTypeDetails?.trim();
    if (type && type.toLowerCase() !== USER_MAILBOX) {
      return skip(`RecipientTypeDetails is ${type}: only user mailboxes have a Zivver account key`);
    }

    const match = matchAccount(user, index);
    if (match.kind === 'no-address') {
      row.action = 'invalid';
      row.reason = 'no e-mail address (PrimarySmtpAddress, EmailAddresses, Mail or UserPrincipalName)';
      return { row };
    }
    if (match.kind === 'not-found') {
      row.action = 'not-found';
      row.reason = `no Zivver account with userName or alias ${match.tried.join(', ')}`;
      return { row };
    }
    if (match.kind === 'ambiguous') {
      row.action = 'ambiguous';
      row.reason = `more than one Zivver account matches: ${match.how}`;
      return { row };
    }
    const account = match.account;
    row.zivverId = account.id;
    row.userName = account.userName;
    row.fingerprint = accountFingerprint(account.id, account.userName);

    const derived = deriveKey(user, options.keySource, options.keyFormat);
    if (!derived.ok) {
      row.action = 'invalid';
      row.reason = derived.reason;
      return { row, account };
    }
    row.newKey = derived.key;
    row.reason = `matched by ${match.how}${account.active ? '' : '; account is disabled'}`;
    if (options.previousKeySource) {
      const previous = deriveKey(user, options.previousKeySource, options.previousKeyFormat ?? defaultKeyFormat(options.previousKeySource));
      if (previous.ok) row.previousKey = previous.key;
      else return { row, account, previousProblem: previous.reason, user };
    }
    return { row, account };
  }

  const previousLabel = options.previousKeySource ? formatKeySource(options.previousKeySource) : '';
  resolveConflicts(drafts, ledger, previousLabel);

  const rows = drafts.map((d) => d.row);
  for (const row of rows) {
    if (row.action === 'set' || row.action === 'unchanged') row.check = rowCheck(row);
    // The previous key only means something where a key is (or would be) written.
    else if ('previousKey' in row) delete row.previousKey;
  }
  // Readers that already summarise their own per-record warnings (with hints) turn this off.
  const warnings = options.summarizeUserWarnings === false ? [] : collectWarnings(users);
  warnings.push(...unusedIncludeFilters(users, options.filters));
  if (options.previousKeySource) {
    const missing = drafts.filter((d) => d.previousProblem && (d.row.action === 'set' || d.row.action === 'unchanged'));
    if (missing.length) {
      const first = missing[0]!;
      const eligible = rows.filter((r) => r.action === 'set' || r.action === 'unchanged').length;
      warnings.push(
        `--previous-key-source ${previousLabel}: no previous key for ${missing.length} of ${eligible} row(s) to set or unchanged ` +
          `(first at ${first.user!.input}:${first.user!.line}: ${first.previousProblem}); ` +
          'rollback cannot restore the keys of those accounts unless the ledger knows them',
      );
    }
  }
  const filteredOut = new Set(drafts.filter((d) => d.filtered && d.row.action === 'skipped').map((d) => d.row));
  return { rows, filteredOut, summary: summarize(rows), warnings };
}

/**
 * Cross-row rules, applied after every row has its account and key:
 * - rows for one account that disagree about its key → conflict (all of them);
 *   rows that agree → the first is kept, the others are skipped as duplicates;
 * - two accounts that would get the same key → conflict (all rows involved);
 * - a key the ledger says is already on another account that this plan does not re-key → conflict;
 * - the ledger says this tool already set exactly this key on this account → unchanged;
 * - the ledger knows nothing of the account and the previous key (per that source) is this key → unchanged.
 * The ledger wins over the asserted previous key: it records what this tool wrote since.
 */
function resolveConflicts(drafts: Draft[], ledger: LedgerKnowledge, previousLabel: string): void {
  for (const list of sharedGroups(drafts, (d) => (d.row.action === 'set' && d.account ? d.row.zivverId : undefined)).values()) {
    const keys = new Set(list.map((d) => d.row.newKey));
    if (keys.size > 1) {
      const where = list.map((d) => `line ${d.row.line}: ${d.row.newKey}`).join('; ');
      for (const d of list) {
        d.row.action = 'conflict';
        d.row.reason = `source rows disagree about the key of ${d.row.userName} (${where})`;
      }
    } else {
      for (const d of list.slice(1)) {
        d.row.action = 'skipped';
        d.row.reason = `duplicate of line ${list[0]!.row.line} (same account, same key)`;
      }
    }
  }

  for (const [key, list] of sharedGroups(drafts, (d) => (d.row.action === 'set' ? d.row.newKey : undefined))) {
    const who = list.map((d) => `${d.row.userName} (line ${d.row.line})`).join(', ');
    for (const d of list) {
      d.row.action = 'conflict';
      d.row.reason = `key ${key} would be set on ${list.length} accounts: ${who}`;
    }
  }

  // Ledger: who holds which key now (as far as this tool knows), and which accounts this plan re-keys.
  // The ledger keys accounts by accountIdKey (ids are UUIDs; Zivver may change their case).
  const idKey = accountIdKey;
  // An empty ledger (a first run, --ignore-ledger) knows no account: nothing to look up per row.
  const ledgerKnows = ledger.lastKeyById.size > 0;
  const ledgerOwners = new Map<string, string>();
  for (const [id, key] of ledger.lastKeyById) ledgerOwners.set(key, idKey(id));
  const rekeyed = new Map<string, string>();
  for (const d of ledgerKnows ? drafts : []) {
    if ((d.row.action === 'set' || d.row.action === 'conflict') && d.row.zivverId) rekeyed.set(idKey(d.row.zivverId), d.row.newKey);
  }
  for (const d of drafts) {
    if (d.row.action !== 'set') continue;
    const known = ledgerKnows ? ledger.lastKeyById.get(idKey(d.row.zivverId)) : undefined;
    if (known === d.row.newKey) {
      d.row.action = 'unchanged';
      d.row.reason = 'the ledger records that zivver-keytool already set this key on this account';
      continue;
    }
    const owner = ledgerKnows ? ledgerOwners.get(d.row.newKey) : undefined;
    if (owner && owner !== idKey(d.row.zivverId) && rekeyed.get(owner) === undefined) {
      d.row.action = 'conflict';
      d.row.reason = `the ledger records key ${d.row.newKey} on another account (${owner}) that this plan does not change`;
      continue;
    }
    const prev = d.row.previousKey;
    if (known === undefined && prev === d.row.newKey) {
      d.row.action = 'unchanged';
      d.row.reason = `the key Zivver holds (per ${previousLabel}) is already this key`;
      continue;
    }
    // The ledger wins over the plan's previous key (keyBefore states the rule, for apply too).
    const before = keyBefore(d.row.newKey, known === undefined ? undefined : { key: known }, prev);
    if (before.from === 'plan') d.row.reason += `; replaces ${before.key} (per ${previousLabel})`;
    else if (before.from === 'ledger') {
      d.row.reason += `; replaces the key zivver-keytool set before (${before.key})`;
      if (prev !== undefined && prev !== before.key) d.row.reason += `, not ${prev} (per ${previousLabel}): the ledger is newer`;
    }
  }
}

/**
 * The drafts that share a key (an account, a new key) with another draft, grouped by it in the
 * order the keys first appear; usually none. One set operation per draft: a plan of 100,000 rows
 * has 100,000 keys and almost never a shared one, so no group is made for a key seen once.
 */
function sharedGroups(drafts: readonly Draft[], keyOf: (d: Draft) => string | undefined): Map<string, Draft[]> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const d of drafts) {
    const key = keyOf(d);
    if (key === undefined) continue;
    const before = seen.size;
    seen.add(key);
    if (seen.size === before) shared.add(key);
  }
  const groups = new Map<string, Draft[]>();
  if (shared.size === 0) return groups;
  for (const d of drafts) {
    const key = keyOf(d);
    if (key === undefined || !shared.has(key)) continue;
    const list = groups.get(key);
    if (list) list.push(d);
    else groups.set(key, [d]);
  }
  return groups;
}

/**
 * An --include-emails address that no input user has is almost always a typo: without this
 * warning the plan would just show everybody as skipped.
 */
function unusedIncludeFilters(users: readonly SourceUser[], filters: PlanFilters | undefined): string[] {
  const wanted = filters?.includeEmails ?? [];
  if (!wanted.length) return [];
  const present = new Set<string>();
  for (const u of users) {
    for (const a of userAddresses(u)) present.add(a);
    if (u.userPrincipalName) present.add(normalizeAddress(u.userPrincipalName));
  }
  const unused = wanted.filter((w) => !present.has(w));
  return unused.length ? [`--include-emails: no user in the input has ${unused.join(', ')} (a typo?)`] : [];
}

function collectWarnings(users: readonly SourceUser[]): string[] {
  const counts = new Map<string, { count: number; first: SourceUser }>();
  for (const u of users) {
    for (const w of u.warnings) {
      const entry = counts.get(w);
      if (entry) entry.count++;
      else counts.set(w, { count: 1, first: u });
    }
  }
  return [...counts].map(([w, { count, first }]) =>
    count === 1 ? `${first.input}:${first.line}: ${w}` : `${w} (${count} rows, first at ${first.input}:${first.line})`,
  );
}
