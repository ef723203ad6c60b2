/**
 * The results journal: what `apply` did, one JSON line per finished row, fsynced before the row is
 * reported anywhere else. It is what makes a run resumable: a rerun with the same plan and journal
 * skips rows already `updated`, so a crash, Ctrl-C or `kill -9` costs at most the rows in flight.
 *
 * Layout (JSON lines, appended by each run):
 *   {"kind":"zivver-keyresults","v":1,"runId":..,"planSha256":..,"plan":..,"zivverUrl":..,"started":..,"whatIf":false}
 *   {"email":..,"zivverId":..,"newKey":..,"status":"updated","httpStatus":200,"error":null,"at":..,"userName":..,"line":..,"runId":..}
 *   ...
 * A run appends its own header line, so one journal holds every attempt at one plan.
 *
 * A journal belongs to one plan (`planSha256`, see planIdentity, plus the plan document's
 * `createdAt` when it has one): a journal the user named with --results that belongs to another
 * plan is refused; the default journal beside a plan re-made under the same name is moved aside
 * (`<plan>.results.<time>.jsonl`), or removed when it recorded no row.
 * Two runs on one journal at the same time are refused with a lock file beside it (`<journal>.lock`,
 * created with O_EXCL); a lock left by a process that no longer runs (kill -9) is taken over.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountIdKey, userNameKey } from '../core/ids.js';
import type { ResultRow, ResultStatus } from '../core/records.js';
import type { PlanDocument, PlanRow } from '../core/types.js';
import { InputError, UsageError } from '../errors.js';
import { AppendOnlyFile, readJsonLines } from './appendFile.js';
import { shown } from '../core/shown.js';
import type { ReadLimits } from '../util/boundedRead.js';

export const JOURNAL_KIND = 'zivver-keyresults';

export type { ResultRow, ResultStatus };

export interface JournalHeader {
  kind: typeof JOURNAL_KIND;
  v: 1;
  runId: string;
  planSha256: string;
  /** The plan document's createdAt ('' for plans without one: CSV, JSON lines, piped rows). */
  planCreatedAt?: string;
  plan: string;
  zivverUrl: string;
  started: string;
  whatIf: boolean;
  /** apply --canary: the addresses this run wrote as a canary (the rest of the plan waits). */
  canary?: string[];
  /** apply --canary-ok (or 'yes' at a console): the canary's SSO logins were confirmed before this run. */
  canaryOk?: boolean;
}

/**
 * A plan's identity for its journal: sha256 over its set rows in a canonical form (sorted, only the
 * fields that are written). The same plan as JSON, JSON lines or CSV (any delimiter, quoting, row
 * order or BOM) has one identity; a plan with another set of writes has another.
 */
export function planIdentity(plan: Pick<PlanDocument, 'rows'>): string {
  const lines = plan.rows
    .filter((r) => r.action === 'set')
    .map((r) => `${accountIdKey(r.zivverId)}\t${userNameKey(r.userName)}\t${r.newKey}`)
    .sort();
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex');
}

/** The key under which a row's outcome is remembered: the account and the key written to it. */
export function rowKey(r: Pick<PlanRow, 'zivverId' | 'newKey'>): string {
  return `${accountIdKey(r.zivverId)}\t${r.newKey}`;
}

/** Default journal for a plan file: `<plan>.results.jsonl` beside it. */
export function defaultJournalPath(planFile: string): string {
  return `${planFile}.results.jsonl`;
}

/**
 * Default journal for a plan read from stdin (the PowerShell module pipes rows): a file in the
 * working directory named after the plan's identity, so piping the same rows again resumes.
 */
export function defaultStdinJournalPath(cwd: string, planSha256: string): string {
  return path.join(cwd, `zivver-keytool-${planSha256.slice(0, 12)}.results.jsonl`);
}

export interface JournalContents {
  headers: JournalHeader[];
  rows: ResultRow[];
  /** Lines skipped (a torn last line after a crash, or foreign content). */
  skipped: { line: number; reason: string }[];
}

export async function readJournal(file: string, limits: ReadLimits = {}): Promise<JournalContents | null> {
  const read = await readJsonLines(file, {
    ...limits,
    name: shown(file, 400),
    notAFileHint: 'Give --results the path of a results journal (a .results.jsonl file that apply wrote).',
  });
  if (!read) return null;
  const out: JournalContents = { headers: [], rows: [], skipped: [] };
  let currentRunId = '';
  for (const l of read) {
    const { line } = l;
    if ('invalid' in l) {
      out.skipped.push({ line, reason: l.invalid });
      continue;
    }
    const v = l.value as Record<string, unknown>;
    if (v && v.kind === JOURNAL_KIND) {
      const h: JournalHeader = {
        kind: JOURNAL_KIND,
        v: 1,
        runId: String(v.runId ?? ''),
        planSha256: String(v.planSha256 ?? ''),
        ...(typeof v.planCreatedAt === 'string' && v.planCreatedAt ? { planCreatedAt: v.planCreatedAt } : {}),
        plan: String(v.plan ?? ''),
        zivverUrl: String(v.zivverUrl ?? ''),
        started: String(v.started ?? ''),
        whatIf: v.whatIf === true,
        ...(Array.isArray(v.canary) && v.canary.length ? { canary: v.canary.map(String) } : {}),
        ...(v.canaryOk === true ? { canaryOk: true } : {}),
      };
      currentRunId = h.runId;
      out.headers.push(h);
      continue;
    }
    if (v && typeof v.zivverId === 'string' && typeof v.status === 'string') {
      out.rows.push({
        email: String(v.email ?? ''),
        zivverId: v.zivverId,
        newKey: String(v.newKey ?? ''),
        status: v.status as ResultStatus,
        httpStatus: typeof v.httpStatus === 'number' ? v.httpStatus : null,
        error: typeof v.error === 'string' ? v.error : null,
        at: String(v.at ?? ''),
        userName: String(v.userName ?? ''),
        line: typeof v.line === 'number' ? v.line : 0,
        runId: typeof v.runId === 'string' && v.runId ? v.runId : currentRunId,
        ...(v.mayHaveBeenApplied === true ? { mayHaveBeenApplied: true } : {}),
        ...(typeof v.previousKey === 'string' && v.previousKey ? { previousKey: v.previousKey } : {}),
      });
      continue;
    }
    out.skipped.push({ line, reason: 'not a results journal line' });
  }
  if (!out.headers.length && out.rows.length === 0 && out.skipped.length) {
    throw new InputError('this is not a zivver-keytool results journal', file, out.skipped[0].line, 'Give the .results.jsonl file that `apply` wrote.');
  }
  return out;
}

/** Rows already `updated` (acknowledged by Zivver) in a journal, by rowKey. */
export function updatedRows(contents: JournalContents | null): Map<string, ResultRow> {
  const done = new Map<string, ResultRow>();
  for (const r of contents?.rows ?? []) if (r.status === 'updated') done.set(rowKey(r), r);
  return done;
}

export interface OpenJournalOptions {
  planSha256: string;
  /** The plan document's createdAt, when it has one: a re-made plan is another plan. */
  planCreatedAt?: string;
  /**
   * What to do with a journal of another plan at this path: refuse (the user named it with
   * --results), or move it aside (the default journal beside a plan re-made under the same name).
   */
  foreign?: 'refuse' | 'move-aside';
  planName: string;
  zivverUrl: string;
  runId?: string;
  now?: () => Date;
  /** Recorded in this run's header: a canary run's addresses, or that a canary was confirmed. */
  canary?: string[];
  canaryOk?: boolean;
}

/**
 * A journal opened for appending by one run (holding its lock). `append` resolves once the line is
 * on disk (fsync), so a row reported anywhere was journaled first.
 */
export class JournalWriter {
  private constructor(
    readonly file: string,
    readonly header: JournalHeader,
    /** Rows already updated by earlier runs (resume skips them). */
    readonly done: Map<string, ResultRow>,
    /** Where another plan's journal found at this path was moved (null: none, or it was empty and removed). */
    readonly movedAside: string | null,
    private readonly out: AppendOnlyFile,
    private readonly lock: JournalLock,
  ) {}

  /**
   * Opens (or creates) the journal for this plan: takes the lock, refuses another plan's journal,
   * then appends this run's header.
   */
  static async open(file: string, opts: OpenJournalOptions): Promise<JournalWriter> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const lock = await JournalLock.acquire(file);
    try {
      let previous = await readJournal(file);
      let movedAside: string | null = null;
      if (previous && !journalBelongs(previous, opts.planSha256, opts.planCreatedAt)) {
        if (opts.foreign !== 'move-aside') checkJournalPlan(previous, file, opts.planSha256, opts.planCreatedAt);
        if (previous.rows.length === 0) {
          await fs.rm(file, { force: true }); // recorded nothing: nothing to keep
        } else {
          movedAside = asidePath(file, opts.now?.() ?? new Date());
          await fs.rename(file, movedAside);
        }
        previous = null;
      }
      const out = await AppendOnlyFile.open(file);
      const header: JournalHeader = {
        kind: JOURNAL_KIND,
        v: 1,
        runId: opts.runId ?? randomUUID(),
        planSha256: opts.planSha256,
        ...(opts.planCreatedAt ? { planCreatedAt: opts.planCreatedAt } : {}),
        plan: opts.planName,
        zivverUrl: opts.zivverUrl,
        started: (opts.now?.() ?? new Date()).toISOString(),
        whatIf: false,
        ...(opts.canary?.length ? { canary: opts.canary } : {}),
        ...(opts.canaryOk ? { canaryOk: true } : {}),
      };
      const writer = new JournalWriter(file, header, updatedRows(previous), movedAside, out, lock);
      // AppendOnlyFile starts on a fresh line when the last one lacks its newline (torn by a crash).
      await out.appendJson(header);
      return writer;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Appends one finished row and flushes it to disk. */
  append(row: ResultRow): Promise<void> {
    return this.out.appendJson(row);
  }

  async close(): Promise<void> {
    await this.out.close();
    await this.lock.release();
  }
}

/**
 * Whether a journal belongs to this plan: the same planned writes (planSha256) and, when both
 * the plan and the journal's runs know it, the same plan document (createdAt): a plan made again
 * under the same file name starts a new journal even when it plans the same writes. The same plan
 * as CSV or JSON lines (no createdAt) still resumes its JSON document's journal.
 */
export function journalBelongs(previous: JournalContents, planSha256: string, planCreatedAt?: string): boolean {
  if (!previous.headers.length) return previous.rows.length === 0;
  return previous.headers.every(
    (h) => h.planSha256 === planSha256 && (!planCreatedAt || !h.planCreatedAt || h.planCreatedAt === planCreatedAt),
  );
}

/** `<plan>.results.jsonl` → `<plan>.results.<timestamp>.jsonl` (a journal moved aside). */
export function asidePath(file: string, when: Date): string {
  const stamp = when.toISOString().replace(/[:.]/g, '-');
  const ext = path.extname(file) || '';
  return `${file.slice(0, file.length - ext.length)}.${stamp}${ext || '.jsonl'}`;
}

export function checkJournalPlan(previous: JournalContents, file: string, planSha256: string, planCreatedAt?: string): void {
  if (!previous.headers.length && previous.rows.length) {
    throw new UsageError(`the results journal ${file} has no run header, so it cannot be tied to this plan; give --results a new file.`);
  }
  if (journalBelongs(previous, planSha256, planCreatedAt)) return;
  const other =
    previous.headers.find((h) => h.planSha256 !== planSha256) ??
    previous.headers.find((h) => planCreatedAt && h.planCreatedAt && h.planCreatedAt !== planCreatedAt)!;
  const why =
    other.planSha256 !== planSha256
      ? `planned writes differ: journal ${other.planSha256.slice(0, 12)}, this plan ${planSha256.slice(0, 12)}`
      : `the same writes, but planned at ${other.planCreatedAt}; this plan was made at ${planCreatedAt}`;
  throw new UsageError(
    `the results journal ${file} belongs to another plan (${why}; that journal was started ${other.started} for ${other.plan || 'a plan'}).\n` +
      '  Nothing was written. Give this plan its own journal with --results <new file>, or apply the plan that journal belongs to.',
  );
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** `<journal>.lock`: one apply per journal at a time. */
export class JournalLock {
  private released = false;
  private constructor(readonly file: string) {}

  static async acquire(journal: string): Promise<JournalLock> {
    const file = `${journal}.lock`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const h = await fs.open(file, 'wx', 0o600);
        const info: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
        await h.writeFile(JSON.stringify(info) + '\n');
        await h.close();
        return new JournalLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let info: Partial<LockInfo> = {};
      try {
        info = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
      } catch {
        // Unreadable or half-written: its writer died between creating and filling it (or is
        // filling it right now; the retry below tells which).
        if (attempt === 0) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
      }
      if (info.host === os.hostname() && typeof info.pid === 'number' && !processAlive(info.pid)) {
        // Left by a run that was killed (kill -9, power loss): take it over.
        await fs.rm(file, { force: true });
        continue;
      }
      if (info.host === undefined && attempt > 0) {
        await fs.rm(file, { force: true });
        continue;
      }
      throw new UsageError(
        `another apply is using the results journal ${journal} (process ${info.pid ?? '?'} on ${info.host ?? '?'}, started ${info.started ?? '?'}).\n` +
          `  Nothing was written. Wait for it to finish; if it is no longer running, delete ${file} and run again.`,
      );
    }
    throw new UsageError(`cannot take the lock ${file}; delete it if no apply is running and run again.`);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await fs.rm(this.file, { force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The canary of a plan still waiting for confirmation: the addresses of every `apply --canary` run
 * since the last run that confirmed one (--canary-ok), with when the first of them started; null
 * when there is none.
 */
export function pendingCanary(contents: JournalContents | null): { addresses: string[]; started: string } | null {
  let addresses: string[] = [];
  let started = '';
  for (const h of contents?.headers ?? []) {
    if (h.canaryOk) {
      addresses = [];
      started = '';
    }
    if (h.canary?.length) {
      if (!addresses.length) started = h.started;
      for (const a of h.canary) if (!addresses.includes(a)) addresses.push(a);
    }
  }
  return addresses.length ? { addresses, started } : null;
}
