/**
 * The pure core's data types. Nothing in src/core/ does I/O or imports from outside src/core/.
 */

/** One user read from an input (CSV/JSON row, or Microsoft Graph). */
export interface SourceUser {
  /** Where it came from: input name (file path, "-" for stdin, "graph"). */
  input: string;
  /** 1-based line of the record's start in its input (JSON array: the line the object starts on). */
  line: number;
  /** The primary SMTP address (PrimarySmtpAddress, WindowsEmailAddress, Mail), trimmed; may be absent. */
  primaryEmail?: string;
  /** Every SMTP address the user has (from EmailAddresses/proxyAddresses), primary included, trimmed, de-duplicated case-insensitively. */
  emails: string[];
  userPrincipalName?: string;
  /** Exchange RecipientTypeDetails (e.g. UserMailbox, SharedMailbox); absent when the input has none. */
  recipientTypeDetails?: string;
  displayName?: string;
  /** ExternalDirectoryObjectId, else Id / ObjectId: the Entra object id. */
  objectId?: string;
  /** ObjectGUID as found in the input (any notation). */
  objectGuid?: string;
  /** ImmutableId / OnPremisesImmutableId (base64 of the objectGUID bytes, usually). */
  immutableId?: string;
  /** Every column/property of the record by lower-cased name, as text, for --key-source column:<Name>. */
  columns: Record<string, string>;
  /** Problems noticed while reading this record (e.g. EmailAddresses holds a .NET type name). */
  warnings: string[];
  /** Set by a source that already knows the user must be skipped (Graph guests, no mailbox). */
  skipReason?: string;
}

/** What the planner needs to know of a Zivver account (from a SCIM listing). */
export interface ZivverAccount {
  id: string;
  userName: string;
  displayName?: string;
  active: boolean;
  /** zivver extension aliases (addresses that also reach this account). */
  aliases: string[];
}

export type KeySource =
  | { kind: 'objectId' }
  | { kind: 'objectGuid' }
  | { kind: 'immutableId' }
  | { kind: 'column'; column: string };

export type KeyFormat = 'guid' | 'base64' | 'raw';

export const PLAN_ACTIONS = ['set', 'unchanged', 'not-found', 'ambiguous', 'conflict', 'invalid', 'skipped'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export interface PlanRow {
  /** 1-based line in the input the row came from (0 when the source has no lines). */
  line: number;
  /** The input the row came from. */
  input?: string;
  /** The source user's primary address (or first address). */
  email: string;
  /** Matched Zivver account id ('' when none). */
  zivverId: string;
  /** Matched account userName ('' when none). */
  userName: string;
  /** The key to write ('' when none could be derived). */
  newKey: string;
  action: PlanAction;
  /** Human-readable why, for every action. */
  reason: string;
  /** Identifies the account state the row was planned against ('' when no account). */
  fingerprint: string;
  /** rowCheck() of this row: apply refuses rows whose zivverId/userName/newKey/action were altered. */
  check?: string;
  /**
   * The key Zivver holds now as far as the admin knows it (`plan --previous-key-source`, e.g. the
   * objectGUID the Synctool wrote); set/unchanged rows only, absent when unknown. Part of `check`
   * when present (a wrong previous key would be what rollback restores); apply records it in the
   * ledger as the previous key when the ledger knows none, so that rollback can restore it.
   */
  previousKey?: string;
  /** Warnings about the source record (also collected in the plan's warnings). */
  warnings?: string[];
}

export type PlanSummary = Record<PlanAction, number>;

export interface PlanInput {
  name: string;
  sha256: string;
}

export interface PlanDocument {
  kind: 'zivver-keyplan';
  formatVersion: 1;
  createdAt: string;
  zivverUrl: string;
  keySource: string;
  keyFormat: KeyFormat;
  /** `plan --previous-key-source` (e.g. "objectGuid"), when the admin named where the current keys come from. */
  previousKeySource?: string;
  /** The notation the previous keys were derived in (with previousKeySource). */
  previousKeyFormat?: KeyFormat;
  inputs: PlanInput[];
  summary: PlanSummary;
  /** Plan-wide warnings (input problems that did not stop the plan). */
  warnings?: string[];
  /** Filters in force, for the record. */
  filters?: PlanFilters;
  rows: PlanRow[];
}

export interface PlanFilters {
  includeEmails?: string[];
  excludeEmails?: string[];
  includeDomains?: string[];
  excludeDomains?: string[];
}

/** What the ledger knows: the last key this tool wrote to an account. */
export interface LedgerKnowledge {
  /** zivverId → last key written by this tool. */
  lastKeyById: ReadonlyMap<string, string>;
  /** zivverId → the last ledger entry's key and what it recorded as previous (apply carries it forward). */
  lastEntryById?: ReadonlyMap<string, LedgerLastEntry>;
}

/** What apply needs of an account's last ledger entry. */
export interface LedgerLastEntry {
  key: string;
  previousKey: string | null;
  previousKeySource?: 'ledger' | 'plan';
  previousKeyPlanSource?: string;
}
