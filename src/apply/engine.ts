/**
 * The apply engine: carries out the `set` rows of a plan against Zivver. No yargs, no files of
 * its own: the caller hands in the client, the journal and the ledger.
 *
 * For each set row:
 *  1. skip it when the journal already has it `updated` (resume);
 *  2. read the account fresh (see "Reads" below); gone, or its userName no longer the planned one
 *     (case-insensitive) → `drifted`, nothing written;
 *  3. PUT back the whole object exactly as read (every schema, attribute and extension key,
 *     unknown ones included) with only `SsoAccountKey` set in the zivver extension. Never a body
 *     built from the plan: Zivver erases every extension key a PUT leaves out (aliases, delegates);
 *  4. 2xx → journal `updated` + ledger entry. An error → journal `failed` with Zivver's status and
 *     text; when the write may nevertheless have been applied (reset/timeout/5xx after sending) the
 *     error says so. A row is never reported `updated` unless Zivver acknowledged the write.
 * The journal line is fsynced before the row is reported anywhere (stdout, progress), and the
 * ledger entry before the journal line, so a crash can at worst leave a ledger entry whose row the
 * rerun writes again with the same key (harmless), never an `updated` row the ledger lacks.
 *
 * Reads. Two modes, chosen by the caller:
 *  - 'fresh' (default): GET /Users/{id} right before each PUT: 2 requests per row, so under Zivver's
 *    budget of 50 per 10 s at most 2.5 rows/s. The window between read and write is the wait for
 *    one budget slot (~1 s), so a change someone else makes to an account (an alias added, a rename)
 *    is almost never overwritten with what we read.
 *  - 'listing': one GET /Users listing (one request at Zivver, which sends everyone at once) serves
 *    every row while it is younger than maxReadAgeMs, then a new listing is taken; ~1 request per
 *    row, ~5 rows/s. The price is a read→write window of up to maxReadAgeMs: a change made to an
 *    account in that window is overwritten by the PUT. That is why it is not the default and why
 *    the age is bounded and reported. If a listing costs more requests than the rows it served (a
 *    server that pages in small pages), the engine falls back to 'fresh' reads for the rest.
 *
 * Interruption: when `signal` aborts, no new row is started; rows whose PUT is in flight finish and
 * are journaled; rows that had only been read are left for the rerun (nothing was written).
 */
import { ZIVVER_USER_EXTENSION, type ScimClient, type ScimUser } from '../zivver/types.js';
import type { LedgerKnowledge, LedgerLastEntry, PlanRow } from '../core/types.js';
import { ConnectionError, RecordError, ZivverApiError, ZivverOutageError } from '../errors.js';
import { ZivverAbortedError, ZivverStaleWriteError } from '../zivver/errors.js';
import type { Logger } from '../util/logger.js';
import type { ProgressReporter } from '../util/progress.js';
import type { LedgerWriter } from '../store/ledger.js';
import { lastEntryOf, ledgerIdKey, type LedgerEntry } from '../store/ledger.js';
import { rowKey, type ResultRow, type ResultStatus } from '../store/journal.js';

export type ReadMode = 'fresh' | 'listing';

/** Fresh reads: a PUT body is not sent more than this long after its read (see maxWriteAgeMs). */
export const DEFAULT_MAX_WRITE_AGE_MS = 15_000;
/** Reads + writes of one row when writes keep outliving their bodies (429/5xx waits). */
const WRITE_ROUNDS = 4;

export interface ApplyEngineOptions {
  concurrency: number;
  whatIf: boolean;
  readMode: ReadMode;
  /** Listing mode: the oldest a listing may be when its data is written back. */
  maxReadAgeMs: number;
  /** This run's id (journal header, ledger entries). */
  runId: string;
  /** What the keys were derived from, for the ledger (e.g. "objectId from mailboxes.csv"). */
  source: string;
  /** The Zivver URL written to (recorded in ledger entries; no trailing slash). */
  zivverUrl?: string;
  /**
   * Fresh reads: the oldest (ms after the read) a PUT body may be when it is sent or re-sent after
   * a 429/5xx wait (default 15 s); listing reads use maxReadAgeMs. Past it the account is read again.
   */
  maxWriteAgeMs?: number;
  /** The plan's --previous-key-source (e.g. "objectGuid"), recorded with previous keys taken from plan rows. */
  previousKeySource?: string;
  /**
   * apply --canary: set rows this run does not write (the reason, e.g. "not in the canary"), reported
   * as skipped and not journaled, so a later run writes them. Null/undefined: write the row.
   */
  holdBack?: (row: PlanRow) => string | null;
  now?: () => number;
}

export interface ApplyEngineDeps {
  client: ScimClient;
  /** Journal sink (null with --what-if: nothing is recorded). Must resolve once the row is on disk. */
  journal: { append(row: ResultRow): Promise<void> } | null;
  /** Rows already `updated` by earlier runs (by rowKey). */
  done: ReadonlyMap<string, ResultRow>;
  ledger: Pick<LedgerWriter, 'append'> | null;
  ledgerKnowledge: LedgerKnowledge;
  signal: AbortSignal;
  progress: ProgressReporter;
  logger: Logger;
  /** Called once per row as it finishes (after the journal has it). */
  onResult?: (row: ResultRow) => void;
}

export interface ApplyOutcome {
  /** One result per plan row that got one, in the order they finished. */
  results: ResultRow[];
  counts: Record<ResultStatus, number>;
  /** Set rows not attempted because of an interruption or a fatal error (the rerun does them). */
  notStarted: number;
  /** Set rows skipped because an earlier run had done them (journal); counted in counts.skipped too. */
  alreadyDone: number;
  interrupted: boolean;
  /** An error that stopped the run early (the API key refused mid-run), if any. */
  fatal?: Error;
  /** Oldest read used for a write, ms (0 when nothing was written). */
  maxReadAgeUsedMs: number;
  readMode: ReadMode;
  listings: number;
}

/** Set rows that still need a write (not already `updated` in the journal). */
export function rowsToWrite(rows: readonly PlanRow[], done: ReadonlyMap<string, ResultRow>): PlanRow[] {
  return rows.filter((r) => r.action === 'set' && !done.has(rowKey(r)));
}

export function emptyCounts(): Record<ResultStatus, number> {
  return { updated: 0, 'would-update': 0, drifted: 0, failed: 0, skipped: 0 };
}

/** The PUT body: the account exactly as read, with only SsoAccountKey set in the zivver extension. */
export function bodyWithKey(user: ScimUser, newKey: string): ScimUser {
  const body = structuredClone(user);
  // Schema URNs compare case-insensitively (RFC 7643 §2.1): use the extension object under whatever
  // spelling the server returned, never add a second one that would carry only the key.
  const extensionKey =
    Object.keys(body).find((k) => k.toLowerCase() === ZIVVER_USER_EXTENSION.toLowerCase()) ?? ZIVVER_USER_EXTENSION;
  const existing = body[extensionKey];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) {
    (existing as Record<string, unknown>).SsoAccountKey = newKey;
  } else if (existing === undefined || existing === null) {
    // The account had no zivver extension, so there are no aliases or delegates to lose.
    body[extensionKey] = { SsoAccountKey: newKey };
  } else {
    throw new Error(`the account's ${extensionKey} is not an object; not writing it`);
  }
  const schemas = Array.isArray(body.schemas) ? (body.schemas as unknown[]) : undefined;
  if (schemas && !schemas.some((x) => typeof x === 'string' && x.toLowerCase() === extensionKey.toLowerCase())) {
    body.schemas = [...schemas, extensionKey];
  }
  return body;
}

export function sameUserName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

interface Read {
  user: ScimUser | null;
  /** Served from a listing (its age bound applies), not a GET of its own. */
  fromListing?: boolean;
  /** When the data was read (request start), ms. */
  readAt: number;
  httpStatus: number | null;
}

/** Reads accounts for the engine, per row or from a bounded-age listing. */
class AccountReader {
  private snapshot: { byId: Map<string, ScimUser>; takenAt: number; served: number; cost: number } | null = null;
  private refreshing: Promise<void> | null = null;
  private listFailedAt = -Infinity;
  mode: ReadMode;
  listings = 0;

  constructor(
    private readonly client: ScimClient,
    mode: ReadMode,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.mode = mode;
  }

  async read(id: string): Promise<Read> {
    if (this.mode === 'listing') {
      const snap = await this.freshSnapshot();
      if (snap) {
        const user = snap.byId.get(id.toLowerCase());
        if (user) {
          snap.served++;
          return { user, readAt: snap.takenAt, httpStatus: 200, fromListing: true };
        }
        // Not in the listing: confirm with a direct read before calling it gone.
      }
    }
    const user = await this.client.getUser(id);
    // When the answer arrived: the GET may have waited long for a budget slot (after a 429), and
    // what counts for a body's age is when Zivver produced the data.
    return { user, readAt: this.now(), httpStatus: user ? 200 : 404 };
  }

  /** Whether data read at readAt may still be written back. */
  fresh(readAt: number): boolean {
    return this.mode === 'fresh' || this.now() - readAt <= this.maxAgeMs;
  }

  private async freshSnapshot() {
    const age = this.snapshot ? this.now() - this.snapshot.takenAt : Infinity;
    // Leave a quarter of the age for the PUT's wait in the budget queue.
    const usable = this.maxAgeMs * 0.75;
    const mayList = this.now() - this.listFailedAt > this.maxAgeMs;
    if (age > usable / 2 && !this.refreshing && mayList) {
      this.refreshing = this.refresh()
        .catch((err) => {
          // Rows fall back to their own GET until a listing succeeds again.
          this.listFailedAt = this.now();
          this.logger.warn(`Listing the accounts failed (${err instanceof Error ? err.message : String(err)}); reading accounts one by one for now.`);
        })
        .finally(() => (this.refreshing = null));
    }
    if (age > usable && this.refreshing) await this.refreshing;
    const snap = this.snapshot;
    if (this.mode !== 'listing' || !snap || this.now() - snap.takenAt > usable) return null;
    return snap;
  }

  private async refresh(): Promise<void> {
    const prev = this.snapshot;
    if (prev && prev.cost > Math.max(1, prev.served)) {
      this.logger.warn(
        `A listing cost ${prev.cost} requests but served only ${prev.served} rows; reading each account with its own GET from here on.`,
      );
      this.mode = 'fresh';
      this.snapshot = null;
      return;
    }
    const takenAt = this.now();
    const before = this.client.stats.requests;
    const users = await this.client.listUsers();
    const byId = new Map<string, ScimUser>();
    for (const u of users) byId.set(String(u.id).toLowerCase(), u);
    this.listings++;
    this.snapshot = { byId, takenAt, served: 0, cost: this.client.stats.requests - before };
    this.logger.verbose(`Listed ${users.length} accounts (${this.snapshot.cost} request(s)); using it for up to ${Math.round(this.maxAgeMs / 1000)} s`);
  }
}

export async function runApplyEngine(
  rows: readonly PlanRow[],
  deps: ApplyEngineDeps,
  opts: ApplyEngineOptions,
): Promise<ApplyOutcome> {
  const now = opts.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const { client, logger } = deps;
  const counts = emptyCounts();
  const results: ResultRow[] = [];
  const reader = new AccountReader(client, opts.readMode, opts.maxReadAgeMs, now, logger);
  // What the ledger knows per account, kept current as this run writes (one map: the last key is entry.key).
  const lastEntry = new Map<string, LedgerLastEntry>(
    deps.ledgerKnowledge.lastEntryById ??
      [...deps.ledgerKnowledge.lastKeyById].map(([id, key]): [string, LedgerLastEntry] => [id, { key, previousKey: null }]),
  );
  const maxWriteAgeMs = opts.maxWriteAgeMs ?? DEFAULT_MAX_WRITE_AGE_MS;
  let maxReadAgeUsedMs = 0;
  const ledgerName = () => (deps.ledger && 'file' in deps.ledger ? String((deps.ledger as { file: unknown }).file) : '');
  let fatal: Error | undefined;
  let finished = 0;
  // Zivver unreachable: before any request has worked, the first failure stops the run (nothing
  // written, exit 3); later, a run of such failures (5xx/429 after retries too) longer than the
  // rows in flight does.
  let answered = 0;
  let unreachableInARow = 0;
  const outageLimit = Math.max(3, opts.concurrency + 1);
  const noteFailure = (err: unknown) => {
    if (isFatal(err)) {
      fatal ??= err as Error;
      return;
    }
    // Zivver unreachable, or still answering 5xx/429 after every retry: an outage, not this row.
    const outage = err instanceof ConnectionError || (err instanceof ZivverApiError && (err.status === 429 || err.status >= 500));
    if (!outage) {
      // Zivver answered (a refusal about this account): it is up.
      unreachableInARow = 0;
      return;
    }
    unreachableInARow++;
    if (err instanceof ConnectionError && answered === 0) fatal ??= err;
    else if (unreachableInARow >= outageLimit) {
      fatal ??= new ZivverOutageError(
        `Zivver failed ${unreachableInARow} requests in a row, each after its retries (last: ${messageOf(err).split('\n')[0]}); stopped taking rows. ` +
          'Zivver seems to be down or overloaded; run the same command again later: it resumes.',
        { cause: err },
      );
    }
  };
  /** An answer from Zivver. Only a row that got through (a write, or a what-if read) ends an outage. */
  const noteAnswer = (rowDone = false) => {
    answered++;
    if (rowDone) unreachableInARow = 0;
  };

  const base = (r: PlanRow): Omit<ResultRow, 'status' | 'httpStatus' | 'error' | 'at'> => ({
    email: r.email,
    zivverId: r.zivverId,
    newKey: r.newKey,
    userName: r.userName,
    line: r.line,
    runId: opts.runId,
  });

  /**
   * The key an account held before this row's write: what this tool wrote last (the ledger), else
   * what the plan says Zivver held (plan --previous-key-source, e.g. the Synctool's objectGUID),
   * else unknown. Writing the key the ledger already has (a resumed or repeated plan) carries the
   * earlier entry's previous key forward: "previous = this key" would make rollback restore nothing.
   */
  const previousFor = (r: PlanRow): Pick<LedgerEntry, 'previousKey' | 'previousKeySource' | 'previousKeyPlanSource'> => {
    const idKey = ledgerIdKey(r.zivverId);
    const e = lastEntry.get(idKey);
    const fromLedger = e?.key;
    const fromPlan = () =>
      r.previousKey && r.previousKey !== r.newKey
        ? { previousKey: r.previousKey, previousKeySource: 'plan' as const, ...(opts.previousKeySource ? { previousKeyPlanSource: opts.previousKeySource } : {}) }
        : { previousKey: null };
    if (fromLedger === undefined) return fromPlan();
    if (fromLedger !== r.newKey) return { previousKey: fromLedger, previousKeySource: 'ledger' };
    if (e && e.previousKey !== null && e.previousKey !== fromLedger) {
      return {
        previousKey: e.previousKey,
        ...(e.previousKeySource ? { previousKeySource: e.previousKeySource } : {}),
        ...(e.previousKeyPlanSource ? { previousKeyPlanSource: e.previousKeyPlanSource } : {}),
      };
    }
    return fromPlan();
  };

  /** A failed write as a result row; says so when the key may have been applied anyway. */
  const failedWrite = (r: PlanRow, err: unknown, maybeEarlier: boolean, what?: string): ResultRow => {
    const maybe = maybeEarlier || mayHaveBeenApplied(err);
    const text = what ? `${what}: ${messageOf(err)}` : messageOf(err);
    const before = maybe ? previousFor(r).previousKey : null;
    return {
      ...base(r),
      status: 'failed',
      httpStatus: statusOf(err),
      error: maybe ? `no clear answer from Zivver (${text}); the key may have been applied — rerun apply to retry this row` : text,
      at: iso(),
      ...(maybe ? { mayHaveBeenApplied: true } : {}),
      ...(before ? { previousKey: before } : {}),
    };
  };

  /** Records a finished row: ledger (for updates) was written first; journal, then the world. */
  const finish = async (row: ResultRow, journal: boolean) => {
    if (journal && deps.journal) await deps.journal.append(row);
    counts[row.status]++;
    results.push(row);
    deps.onResult?.(row);
  };

  let alreadyDone = 0;
  // Rows with nothing to do are reported first, without touching Zivver or the journal.
  const work: PlanRow[] = [];
  for (const r of rows) {
    if (r.action !== 'set') {
      await finish({ ...base(r), status: 'skipped', httpStatus: null, error: `not a set row (plan action: ${r.action}${r.reason ? `: ${r.reason}` : ''})`, at: iso() }, false);
      continue;
    }
    const prior = deps.done.get(rowKey(r));
    if (prior) {
      alreadyDone++;
      await finish({ ...base(r), status: 'skipped', httpStatus: null, error: `already updated (results journal, ${prior.at})`, at: iso() }, false);
      continue;
    }
    const held = opts.holdBack?.(r);
    if (held) {
      await finish({ ...base(r), status: 'skipped', httpStatus: null, error: held, at: iso() }, false);
      continue;
    }
    work.push(r);
  }

  deps.progress.start(opts.whatIf ? 'Checking accounts (what-if)' : 'Setting account keys', work.length);
  let next = 0;
  const stopped = () => deps.signal.aborted || fatal !== undefined;

  const processRow = async (r: PlanRow): Promise<ResultRow | null> => {
    let read: Read;
    try {
      read = await reader.read(r.zivverId);
      noteAnswer(opts.whatIf);
    } catch (err) {
      // Interrupted while waiting to read: nothing was written; the rerun does this row.
      if (err instanceof ZivverAbortedError) return null;
      noteFailure(err);
      return { ...base(r), status: 'failed', httpStatus: statusOf(err), error: `reading the account failed, nothing was written: ${messageOf(err)}`, at: iso() };
    }
    if (!read.user) {
      return { ...base(r), status: 'drifted', httpStatus: read.httpStatus, error: 'the account no longer exists in Zivver; nothing was written', at: iso() };
    }
    if (!sameUserName(String(read.user.userName ?? ''), r.userName)) {
      return {
        ...base(r),
        status: 'drifted',
        httpStatus: read.httpStatus,
        error: `the account's userName is now ${String(read.user.userName)} (planned for ${r.userName}); nothing was written — make a new plan`,
        at: iso(),
      };
    }
    if (opts.whatIf) {
      return { ...base(r), status: 'would-update', httpStatus: null, error: null, at: iso() };
    }
    // Nothing is written after an interruption: a row that was only read is left for the rerun.
    if (stopped()) return null;
    if (!reader.fresh(read.readAt)) {
      // The listing aged while this row waited: read this one account again.
      try {
        const again = await client.getUser(r.zivverId);
        if (!again || !sameUserName(String(again.userName ?? ''), r.userName)) {
          return { ...base(r), status: 'drifted', httpStatus: again ? 200 : 404, error: 'the account changed while the run was under way; nothing was written — make a new plan', at: iso() };
        }
        read = { user: again, readAt: now(), httpStatus: 200, fromListing: false };
      } catch (err) {
        if (err instanceof ZivverAbortedError) return null;
        noteFailure(err);
        return { ...base(r), status: 'failed', httpStatus: statusOf(err), error: `reading the account failed, nothing was written: ${messageOf(err)}`, at: iso() };
      }
      if (stopped()) return null;
    }
    // The write. The client never (re)sends a body older than its bound (a retry after a long
    // 429/5xx wait would write back stale data and erase what changed meanwhile, e.g. a new
    // alias): it gives up with ZivverStaleWriteError, and the account is read again, checked for
    // drift again, and written with a body built from that read, a bounded number of times.
    let maybeEarlier = false;
    for (let round = 1; ; round++) {
      let body: ScimUser;
      try {
        body = bodyWithKey(read.user as ScimUser, r.newKey);
      } catch (err) {
        return { ...base(r), status: 'failed', httpStatus: read.httpStatus, error: `nothing was written: ${messageOf(err)}`, at: iso() };
      }
      const notAfter = read.readAt + (reader.mode === 'listing' && read.fromListing ? opts.maxReadAgeMs : maxWriteAgeMs);
      try {
        await client.replaceUser(r.zivverId, body, { notAfter });
        noteAnswer(true);
        break;
      } catch (err) {
        if (err instanceof ZivverStaleWriteError && round < WRITE_ROUNDS && !stopped()) {
          maybeEarlier ||= err.mayHaveBeenApplied;
          logger.verbose(`${r.userName}: ${err.message.split('\n')[0]}; reading the account again (round ${round + 1} of ${WRITE_ROUNDS})`);
          let again: ScimUser | null;
          try {
            again = await client.getUser(r.zivverId);
            noteAnswer();
          } catch (readErr) {
            if (readErr instanceof ZivverAbortedError && !maybeEarlier) return null;
            noteFailure(readErr);
            return failedWrite(r, readErr, maybeEarlier, 'reading the account again before retrying the write failed');
          }
          if (!again || !sameUserName(String(again.userName ?? ''), r.userName)) {
            return {
              ...base(r),
              status: maybeEarlier ? 'failed' : 'drifted',
              httpStatus: again ? 200 : 404,
              error:
                (again ? `the account's userName changed to ${String(again.userName)} while the write waited` : 'the account was deleted while the write waited') +
                (maybeEarlier ? '; an earlier attempt may have applied the key' : '; nothing was written') +
                ' — make a new plan',
              at: iso(),
              ...(maybeEarlier ? { mayHaveBeenApplied: true } : {}),
            };
          }
          read = { user: again, readAt: now(), httpStatus: 200, fromListing: false };
          continue;
        }
        // Interrupted while the write waited (budget, Retry-After, backoff): never sent, or only
        // sent in attempts that were answered 429; not done, the rerun does it.
        if (err instanceof ZivverAbortedError && !err.mayHaveBeenApplied && !maybeEarlier) return null;
        if (err instanceof ZivverStaleWriteError && !err.mayHaveBeenApplied && !maybeEarlier && stopped()) return null;
        noteFailure(err);
        return failedWrite(r, err, maybeEarlier);
      }
    }
    maxReadAgeUsedMs = Math.max(maxReadAgeUsedMs, now() - read.readAt);
    const at = iso();
    const idKey = ledgerIdKey(r.zivverId);
    const previous = previousFor(r);
    if (deps.ledger) {
      try {
        await deps.ledger.append({
          at,
          zivverId: r.zivverId,
          userName: String(read.user?.userName ?? r.userName),
          key: r.newKey,
          ...previous,
          source: opts.source,
          runId: opts.runId,
          ...(opts.zivverUrl ? { zivverUrl: opts.zivverUrl.replace(/\/+$/, '') } : {}),
        });
      } catch (err) {
        // The key IS set, but without its ledger entry rollback cannot restore the key before it
        // and plan cannot mark it unchanged. Stop taking rows; journal the row as failed (may have
        // been applied), so the rerun writes the same key again and records it.
        fatal ??= new RecordError(
          `the ledger ${ledgerName()} could not be written (${messageOf(err)}); stopped taking rows. ` +
            'Fix the cause (disk full? permissions?) and run the same command again: it resumes and records the keys already set.',
        );
        return {
          ...base(r),
          status: 'failed',
          httpStatus: 200,
          error: `the key was set (Zivver acknowledged it), but the ledger could not record it: ${messageOf(err)} — rerun apply to record it`,
          at,
          mayHaveBeenApplied: true,
          ...(previous.previousKey ? { previousKey: previous.previousKey } : {}),
        };
      }
    }
    lastEntry.set(idKey, lastEntryOf({ key: r.newKey, ...previous }));
    return { ...base(r), status: 'updated', httpStatus: 200, error: null, at };
  };

  const worker = async () => {
    while (!stopped() && next < work.length) {
      const r = work[next++];
      const result = await processRow(r);
      if (result) {
        try {
          await finish(result, true);
        } catch (err) {
          // The journal is what makes the run resumable: without it, stop taking rows. The row
          // itself is still reported (it happened), and rows in flight finish.
          fatal ??= new RecordError(
            `the results journal could not be written (${messageOf(err)}); stopped taking rows. ` +
              'Fix the cause (disk full? permissions?) and run the same command again: it resumes (a row done but not journaled is written again with the same key).',
          );
          counts[result.status]++;
          results.push(result);
          deps.onResult?.(result);
        }
        finished++;
        deps.progress.update(finished, r.email || r.userName);
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency, work.length || 1)) }, () => worker());
  await Promise.all(workers);
  deps.progress.end();

  return {
    results,
    counts,
    notStarted: work.length - finished,
    alreadyDone,
    interrupted: deps.signal.aborted,
    ...(fatal ? { fatal } : {}),
    maxReadAgeUsedMs,
    readMode: reader.mode,
    listings: reader.listings,
  };
}

/** Errors after which every further row would fail the same way (the API key refused): stop taking rows. */
function isFatal(err: unknown): boolean {
  if (err instanceof ZivverApiError) return err.status === 401 || err.status === 403;
  return false;
}

function statusOf(err: unknown): number | null {
  return err instanceof ZivverApiError && err.status > 0 ? err.status : null;
}

/** Zivver's own words where it gave any (often plain text), else the error's message. */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function mayHaveBeenApplied(err: unknown): boolean {
  if (err && typeof err === 'object' && 'mayHaveBeenApplied' in err) return Boolean((err as { mayHaveBeenApplied: unknown }).mayHaveBeenApplied);
  // An error we cannot classify after a write was sent: assume the worst.
  return !(err instanceof ZivverApiError) && !(err instanceof ConnectionError);
}
