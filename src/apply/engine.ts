/**
 * The apply engine: carries out the `set` rows of a plan against Zivver. No flags, no files of
 * its own: the caller hands in the client, the journal and the ledger.
 *
 * For each set row:
 *  1. skip it when the journal already has it `updated` (resume);
 *  2. read the account for the write (readForWrite, below): gone, or its userName no longer the
 *     planned one (case-insensitive) → `drifted`, nothing written;
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
import { accountIdKey, sameUserName } from '../core/ids.js';
import { keyBefore, type LedgerEntry, type ResultRow, type ResultStatus } from '../core/records.js';
import type { LedgerKnowledge, LedgerLastEntry, PlanRow } from '../core/types.js';
import { ConnectionError, RecordError, ZivverApiError, ZivverOutageError } from '../errors.js';
import { ZIVVER_USER_EXTENSION, type ScimClient, type ScimUser } from '../zivver/types.js';
import { ZivverAbortedError, ZivverStaleWriteError, writeMayHaveApplied } from '../zivver/errors.js';
import type { Logger } from '../util/logger.js';
import type { ProgressReporter } from '../util/progress.js';
import { rowKey } from '../store/journal.js';
import { lastEntryOf } from '../store/ledger.js';
import { AccountReader, type AccountRead, type ReadMode } from './accountReader.js';

export type { ReadMode } from './accountReader.js';

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
  ledger: { append(entry: Omit<LedgerEntry, 'kind' | 'v'>): Promise<void>; readonly file?: string } | null;
  ledgerKnowledge: LedgerKnowledge;
  signal: AbortSignal;
  progress: ProgressReporter;
  logger: Logger;
  /**
   * Called once per row as it finishes (after the journal has it). It may return a promise (its
   * output is full): the run waits for it, so 100,000 results are not queued in memory.
   */
  onResult?: (row: ResultRow) => unknown;
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

/**
 * Why a row reads its account: for the plan (the first read: a listing may serve it), because a
 * listing aged while the row waited, or because a write waited too long and must be rebuilt.
 */
type ReadPurpose = 'planned' | 'aged' | 'rewrite';

/** The engine's read-for-write: the account as read and checked against the plan row. */
type ReadForWrite =
  | { kind: 'ok'; read: AccountRead }
  /** Gone (user null) or renamed: nothing may be written. */
  | { kind: 'drifted'; user: ScimUser | null; httpStatus: number | null }
  | { kind: 'failed'; err: unknown }
  /** Interrupted while waiting to read: nothing was sent. */
  | { kind: 'aborted'; err: ZivverAbortedError };

/**
 * Zivver unreachable: before any request has worked, the first failure stops the run (nothing
 * written, exit 3); later, a run of such failures (5xx/429 after retries too) longer than the rows
 * in flight does. The key refused (401/403) stops it at once.
 */
class OutageWatch {
  fatal: Error | undefined;
  private answered = 0;
  private unreachableInARow = 0;

  constructor(private readonly limit: number) {}

  stop(err: Error): void {
    this.fatal ??= err;
  }

  failure(err: unknown): void {
    if (isFatal(err)) {
      this.stop(err as Error);
      return;
    }
    // Zivver unreachable, or still answering 5xx/429 after every retry: an outage, not this row.
    const outage = err instanceof ConnectionError || (err instanceof ZivverApiError && (err.status === 429 || err.status >= 500));
    if (!outage) {
      // Zivver answered (a refusal about this account): it is up.
      this.unreachableInARow = 0;
      return;
    }
    this.unreachableInARow++;
    if (err instanceof ConnectionError && this.answered === 0) this.stop(err);
    else if (this.unreachableInARow >= this.limit) {
      this.stop(
        new ZivverOutageError(
          `Zivver failed ${this.unreachableInARow} requests in a row, each after its retries (last: ${messageOf(err).split('\n')[0]}); stopped taking rows. ` +
            'Zivver seems to be down or overloaded; run the same command again later: it resumes.',
          { cause: err },
        ),
      );
    }
  }

  /** An answer from Zivver. Only a row that got through (a write, or a what-if read) ends an outage. */
  answer(rowDone = false): void {
    this.answered++;
    if (rowDone) this.unreachableInARow = 0;
  }
}

/** A write: acknowledged (with the read its body came from), a finished row, or left for the rerun. */
type WriteOutcome = { kind: 'written'; read: AccountRead } | { kind: 'result'; row: ResultRow } | { kind: 'aborted' };

export async function runApplyEngine(rows: readonly PlanRow[], deps: ApplyEngineDeps, opts: ApplyEngineOptions): Promise<ApplyOutcome> {
  return new EngineRun(deps, opts).run(rows);
}

/** One engine run: its counters, the ledger knowledge it keeps current, and the per-row steps. */
class EngineRun {
  private readonly now: () => number;
  private readonly counts = emptyCounts();
  private readonly results: ResultRow[] = [];
  private readonly reader: AccountReader;
  /** What the ledger knows per account, kept current as this run writes (the last key is entry.key). */
  private readonly lastEntry: Map<string, LedgerLastEntry>;
  private readonly maxWriteAgeMs: number;
  private readonly watch: OutageWatch;
  private maxReadAgeUsedMs = 0;

  constructor(
    private readonly deps: ApplyEngineDeps,
    private readonly opts: ApplyEngineOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.reader = new AccountReader(deps.client, opts.readMode, opts.maxReadAgeMs, this.now, deps.logger);
    this.lastEntry = new Map<string, LedgerLastEntry>(
      deps.ledgerKnowledge.lastEntryById ??
        [...deps.ledgerKnowledge.lastKeyById].map(([id, key]): [string, LedgerLastEntry] => [id, { key, previousKey: null }]),
    );
    this.maxWriteAgeMs = opts.maxWriteAgeMs ?? DEFAULT_MAX_WRITE_AGE_MS;
    this.watch = new OutageWatch(Math.max(3, opts.concurrency + 1));
  }

  async run(rows: readonly PlanRow[]): Promise<ApplyOutcome> {
    const { deps, opts } = this;
    let alreadyDone = 0;
    // One copy of each "not a set row" message: a sync run reports 100,000 rows its filters left out.
    const notSetMessages = new Map<string, string>();
    const notSet = (r: PlanRow): string => {
      const message = `not a set row (plan action: ${r.action}${r.reason ? `: ${r.reason}` : ''})`;
      const known = notSetMessages.get(message);
      if (known !== undefined) return known;
      if (notSetMessages.size < 1000) notSetMessages.set(message, message);
      return message;
    };
    // Rows with nothing to do are reported first, without touching Zivver or the journal.
    const work: PlanRow[] = [];
    for (const r of rows) {
      if (r.action !== 'set') {
        await this.finish(this.result(r, 'skipped', null, notSet(r)), false);
        continue;
      }
      const prior = deps.done.get(rowKey(r));
      if (prior) {
        alreadyDone++;
        await this.finish(this.result(r, 'skipped', null, `already updated (results journal, ${prior.at})`), false);
        continue;
      }
      const held = opts.holdBack?.(r);
      if (held) {
        await this.finish(this.result(r, 'skipped', null, held), false);
        continue;
      }
      work.push(r);
    }

    deps.progress.start(opts.whatIf ? 'Checking accounts (what-if)' : 'Setting account keys', work.length);
    let next = 0;
    let finished = 0;
    const worker = async () => {
      while (!this.stopped() && next < work.length) {
        const r = work[next++]!;
        const result = await this.processRow(r);
        if (result) {
          await this.finish(result, true);
          finished++;
          deps.progress.update(finished, r.email || r.userName);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, work.length || 1)) }, () => worker()));
    deps.progress.end();

    const fatal = this.watch.fatal;
    return {
      results: this.results,
      counts: this.counts,
      notStarted: work.length - finished,
      alreadyDone,
      interrupted: deps.signal.aborted,
      ...(fatal ? { fatal } : {}),
      maxReadAgeUsedMs: this.maxReadAgeUsedMs,
      readMode: this.reader.mode,
      listings: this.reader.listings,
    };
  }

  private stopped(): boolean {
    return this.deps.signal.aborted || this.watch.fatal !== undefined;
  }

  private result(r: PlanRow, status: ResultStatus, httpStatus: number | null, error: string | null, extra: Partial<ResultRow> = {}): ResultRow {
    return {
      email: r.email,
      zivverId: r.zivverId,
      newKey: r.newKey,
      userName: r.userName,
      line: r.line,
      runId: this.opts.runId,
      status,
      httpStatus,
      error,
      at: extra.at ?? new Date(this.now()).toISOString(),
      ...extra,
    };
  }

  /**
   * Records a finished row: the ledger (for updates) was written first; then the journal, then the
   * world. A journal that cannot be written stops the run (it is what makes the run resumable);
   * the row itself is still reported (it happened), and rows in flight finish.
   */
  private async finish(row: ResultRow, journal: boolean): Promise<void> {
    if (journal && this.deps.journal) {
      try {
        await this.deps.journal.append(row);
      } catch (err) {
        this.watch.stop(
          new RecordError(
            `the results journal could not be written (${messageOf(err)}); stopped taking rows. ` +
              'Fix the cause (disk full? permissions?) and run the same command again: it resumes (a row done but not journaled is written again with the same key).',
          ),
        );
      }
    }
    this.counts[row.status]++;
    this.results.push(row);
    await this.deps.onResult?.(row);
  }

  /**
   * Reads the account for a write and checks it is still the planned one. `planned` may be served
   * by a listing; `aged` and `rewrite` always GET the account.
   */
  private async readForWrite(r: PlanRow, purpose: ReadPurpose): Promise<ReadForWrite> {
    let read: AccountRead;
    try {
      read = purpose === 'planned' ? await this.reader.read(r.zivverId) : await this.reader.readAgain(r.zivverId);
      this.watch.answer(purpose === 'planned' && this.opts.whatIf);
    } catch (err) {
      if (err instanceof ZivverAbortedError) return { kind: 'aborted', err };
      this.watch.failure(err);
      return { kind: 'failed', err };
    }
    if (!read.user || !sameUserName(String(read.user.userName ?? ''), r.userName)) return { kind: 'drifted', user: read.user, httpStatus: read.httpStatus };
    return { kind: 'ok', read };
  }

  private readFailed(r: PlanRow, err: unknown): ResultRow {
    return this.result(r, 'failed', statusOf(err), `reading the account failed, nothing was written: ${messageOf(err)}`);
  }

  /** A row's result, or null when it was left for the rerun (interrupted before anything was sent). */
  private async processRow(r: PlanRow): Promise<ResultRow | null> {
    const first = await this.readForWrite(r, 'planned');
    if (first.kind === 'aborted') return null;
    if (first.kind === 'failed') return this.readFailed(r, first.err);
    if (first.kind === 'drifted') {
      return first.user
        ? this.result(r, 'drifted', first.httpStatus, `the account's userName is now ${String(first.user.userName)} (planned for ${r.userName}); nothing was written — make a new plan`)
        : this.result(r, 'drifted', first.httpStatus, 'the account no longer exists in Zivver; nothing was written');
    }
    if (this.opts.whatIf) return this.result(r, 'would-update', null, null);
    // Nothing is written after an interruption: a row that was only read is left for the rerun.
    if (this.stopped()) return null;
    let read = first.read;
    if (!this.reader.fresh(read.readAt)) {
      // The listing aged while this row waited: read this one account again.
      const again = await this.readForWrite(r, 'aged');
      if (again.kind === 'aborted') return null;
      if (again.kind === 'failed') return this.readFailed(r, again.err);
      if (again.kind === 'drifted') return this.result(r, 'drifted', again.httpStatus, 'the account changed while the run was under way; nothing was written — make a new plan');
      read = again.read;
      if (this.stopped()) return null;
    }
    const written = await this.write(r, read);
    if (written.kind === 'result') return written.row;
    if (written.kind === 'aborted') return null;
    return this.recordWrite(r, written.read);
  }

  /**
   * The write. The client never (re)sends a body older than its bound (a retry after a long
   * 429/5xx wait would write back stale data and erase what changed meanwhile, e.g. a new alias):
   * it gives up with ZivverStaleWriteError, and the account is read again, checked for drift
   * again, and written with a body built from that read, a bounded number of times.
   */
  private async write(r: PlanRow, firstRead: AccountRead): Promise<WriteOutcome> {
    let read = firstRead;
    let maybeEarlier = false;
    for (let round = 1; ; round++) {
      let body: ScimUser;
      try {
        body = bodyWithKey(read.user as ScimUser, r.newKey);
      } catch (err) {
        return { kind: 'result', row: this.result(r, 'failed', read.httpStatus, `nothing was written: ${messageOf(err)}`) };
      }
      const notAfter = read.readAt + (this.reader.mode === 'listing' && read.fromListing ? this.opts.maxReadAgeMs : this.maxWriteAgeMs);
      try {
        await this.deps.client.replaceUser(r.zivverId, body, { notAfter });
        this.watch.answer(true);
        return { kind: 'written', read };
      } catch (err) {
        if (err instanceof ZivverStaleWriteError && round < WRITE_ROUNDS && !this.stopped()) {
          maybeEarlier ||= err.mayHaveBeenApplied;
          this.deps.logger.verbose(`${r.userName}: ${err.message.split('\n')[0]}; reading the account again (round ${round + 1} of ${WRITE_ROUNDS})`);
          const again = await this.readForWrite(r, 'rewrite');
          if (again.kind === 'aborted') {
            // Nothing sent yet: the rerun does this row. Else the earlier attempt may have applied it.
            if (!maybeEarlier) return { kind: 'aborted' };
            this.watch.failure(again.err);
          }
          if (again.kind === 'aborted' || again.kind === 'failed') {
            return { kind: 'result', row: this.failedWrite(r, again.err, maybeEarlier, 'reading the account again before retrying the write failed') };
          }
          if (again.kind === 'drifted') {
            return {
              kind: 'result',
              row: this.result(
                r,
                maybeEarlier ? 'failed' : 'drifted',
                again.httpStatus,
                (again.user ? `the account's userName changed to ${String(again.user.userName)} while the write waited` : 'the account was deleted while the write waited') +
                  (maybeEarlier ? '; an earlier attempt may have applied the key' : '; nothing was written') +
                  ' — make a new plan',
                maybeEarlier ? { mayHaveBeenApplied: true } : {},
              ),
            };
          }
          read = again.read;
          continue;
        }
        // Interrupted while the write waited (budget, Retry-After, backoff): never sent, or only
        // sent in attempts that were answered 429; not done, the rerun does it.
        if (err instanceof ZivverAbortedError && !err.mayHaveBeenApplied && !maybeEarlier) return { kind: 'aborted' };
        if (err instanceof ZivverStaleWriteError && !err.mayHaveBeenApplied && !maybeEarlier && this.stopped()) return { kind: 'aborted' };
        this.watch.failure(err);
        return { kind: 'result', row: this.failedWrite(r, err, maybeEarlier) };
      }
    }
  }

  /**
   * What the account held before this row's write, as the ledger records it (the rule is
   * keyBefore in src/core/records.ts: the ledger wins over the plan).
   */
  private previousFor(r: PlanRow): Pick<LedgerEntry, 'previousKey' | 'previousKeySource' | 'previousKeyPlanSource'> {
    const before = keyBefore(r.newKey, this.lastEntry.get(accountIdKey(r.zivverId)), r.previousKey);
    switch (before.from) {
      case 'ledger':
        return { previousKey: before.key, previousKeySource: 'ledger' };
      case 'plan':
        return { previousKey: before.key, previousKeySource: 'plan', ...(this.opts.previousKeySource ? { previousKeyPlanSource: this.opts.previousKeySource } : {}) };
      case 'carried':
        return {
          previousKey: before.key,
          ...(before.entry.previousKeySource ? { previousKeySource: before.entry.previousKeySource } : {}),
          ...(before.entry.previousKeyPlanSource ? { previousKeyPlanSource: before.entry.previousKeyPlanSource } : {}),
        };
      case 'unknown':
        return { previousKey: null };
    }
  }

  /** A failed write as a result row; says so when the key may have been applied anyway. */
  private failedWrite(r: PlanRow, err: unknown, maybeEarlier: boolean, what?: string): ResultRow {
    const maybe = maybeEarlier || writeMayHaveApplied(err);
    const text = what ? `${what}: ${messageOf(err)}` : messageOf(err);
    const before = maybe ? this.previousFor(r).previousKey : null;
    return this.result(
      r,
      'failed',
      statusOf(err),
      maybe ? `no clear answer from Zivver (${text}); the key may have been applied — rerun apply to retry this row` : text,
      { ...(maybe ? { mayHaveBeenApplied: true } : {}), ...(before ? { previousKey: before } : {}) },
    );
  }

  /** Zivver acknowledged the write: the ledger entry first, then the row is `updated`. */
  private async recordWrite(r: PlanRow, read: AccountRead): Promise<ResultRow> {
    const { deps, opts } = this;
    this.maxReadAgeUsedMs = Math.max(this.maxReadAgeUsedMs, this.now() - read.readAt);
    const at = new Date(this.now()).toISOString();
    const previous = this.previousFor(r);
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
        this.watch.stop(
          new RecordError(
            `the ledger ${deps.ledger.file ?? ''} could not be written (${messageOf(err)}); stopped taking rows. ` +
              'Fix the cause (disk full? permissions?) and run the same command again: it resumes and records the keys already set.',
          ),
        );
        return this.result(r, 'failed', 200, `the key was set (Zivver acknowledged it), but the ledger could not record it: ${messageOf(err)} — rerun apply to record it`, {
          at,
          mayHaveBeenApplied: true,
          ...(previous.previousKey ? { previousKey: previous.previousKey } : {}),
        });
      }
    }
    this.lastEntry.set(accountIdKey(r.zivverId), lastEntryOf({ key: r.newKey, ...previous }));
    return this.result(r, 'updated', 200, null, { at });
  }
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
