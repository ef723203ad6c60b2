/**
 * The ledger: an append-only JSON-lines record of every key this tool wrote to Zivver.
 *
 * Zivver never returns `SsoAccountKey`, so the ledger is the only memory of which key an account
 * carries: `plan` uses it to mark rows `unchanged`, `rollback` to find the key to restore.
 *
 * Concurrency without a lock: every entry is one `write()` of one whole line on a descriptor
 * opened with O_APPEND, followed by fsync. The kernel places each append at the end of the file
 * atomically (on Windows, FILE_APPEND_DATA gives the same), so concurrent runs interleave whole
 * lines, never bytes. A lock file would add a failure mode of its own (a stale lock after a
 * crash blocks every scheduled run until someone deletes it). A crash can at worst leave a torn
 * last line, which the reader skips with a warning; the next append starts on a fresh line
 * because we write a leading newline when the file does not end in one.
 */
import { InputError, UsageError } from '../errors.js';
import { shown } from '../core/shown.js';
import { AppendOnlyFile, readJsonLines, type JsonLine } from './appendFile.js';
import os from 'node:os';
import path from 'node:path';
import { accountIdKey } from '../core/ids.js';
import { LEDGER_KIND, type LedgerEntry } from '../core/records.js';
import type { LedgerKnowledge, LedgerLastEntry } from '../core/types.js';
import type { Logger } from '../util/logger.js';

export { LEDGER_KIND, type LedgerEntry };

/**
 * Where the ledger lives unless --ledger says otherwise: ZIVVER_KEYTOOL_LEDGER, else the user's
 * application-data folder (%APPDATA% on Windows, XDG data home elsewhere).
 */
export function defaultLedgerPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.ZIVVER_KEYTOOL_LEDGER) return env.ZIVVER_KEYTOOL_LEDGER;
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(env.USERPROFILE || os.homedir(), 'AppData', 'Roaming');
    return path.win32.join(appData, 'zivver-keytool', 'ledger.jsonl');
  }
  const dataHome = env.XDG_DATA_HOME || path.posix.join(env.HOME || os.homedir(), '.local', 'share');
  return path.posix.join(dataHome, 'zivver-keytool', 'ledger.jsonl');
}

export interface LedgerReadResult {
  entries: LedgerEntry[];
  /** Lines that were not ledger entries (torn by a crash, or edited by hand), with their line numbers. */
  skipped: { line: number; reason: string }[];
}

const LEDGER_HINT = 'Give --ledger a file path you can write (or set ZIVVER_KEYTOOL_LEDGER).';

/** A ledger path that is a folder, unreadable or unwritable is the admin's to fix: exit 2, before any write. */
function ledgerPathError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EISDIR: 'is a folder, not a file',
    EACCES: 'cannot be opened (permission denied)',
    EPERM: 'cannot be opened (operation not permitted)',
    ENOTDIR: 'is inside something that is not a folder',
    EROFS: 'is on a read-only file system',
  };
  if (code && why[code]) {
    return new UsageError(`the ledger ${shown(file, 400)} ${why[code]}.\n  ${LEDGER_HINT}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Reads every entry in file order. A missing file is an empty ledger. */
export async function readLedgerEntries(file: string): Promise<LedgerReadResult> {
  let read: JsonLine[] | null;
  try {
    read = await readJsonLines(file, { name: `the ledger ${shown(file, 400)}`, notAFileHint: LEDGER_HINT });
  } catch (err) {
    // The ledger is the admin's to fix, not input data: a usage error (exit 2) either way.
    throw err instanceof InputError ? new UsageError(err.toString()) : ledgerPathError(file, err);
  }
  const entries: LedgerEntry[] = [];
  const skipped: { line: number; reason: string }[] = [];
  for (const l of read ?? []) {
    if ('invalid' in l) {
      skipped.push({ line: l.line, reason: l.invalid });
      continue;
    }
    const value = l.value;
    const e = value as Partial<LedgerEntry>;
    if (
      !e ||
      typeof e !== 'object' ||
      e.kind !== LEDGER_KIND ||
      typeof e.zivverId !== 'string' ||
      typeof e.key !== 'string' ||
      !e.zivverId
    ) {
      skipped.push({ line: l.line, reason: 'not a ledger entry' });
      continue;
    }
    entries.push({
      kind: LEDGER_KIND,
      v: 1,
      at: String(e.at ?? ''),
      zivverId: e.zivverId,
      userName: String(e.userName ?? ''),
      key: e.key,
      previousKey: typeof e.previousKey === 'string' ? e.previousKey : null,
      ...(e.previousKeySource === 'ledger' || e.previousKeySource === 'plan' ? { previousKeySource: e.previousKeySource } : {}),
      ...(typeof e.previousKeyPlanSource === 'string' && e.previousKeyPlanSource ? { previousKeyPlanSource: e.previousKeyPlanSource } : {}),
      source: String(e.source ?? ''),
      runId: String(e.runId ?? ''),
      ...(typeof e.zivverUrl === 'string' && e.zivverUrl ? { zivverUrl: e.zivverUrl } : {}),
    });
  }
  return { entries, skipped };
}

/** Folds entries into what plan needs: the last key written per account (later entries win). */
export function ledgerKnowledgeFrom(entries: readonly LedgerEntry[]): LedgerKnowledge {
  const lastEntryById = new Map<string, LedgerLastEntry>();
  for (const e of entries) lastEntryById.set(accountIdKey(e.zivverId), lastEntryOf(e));
  // The planner needs only the keys; derived, so the two can never disagree.
  const lastKeyById = new Map([...lastEntryById].map(([id, e]) => [id, e.key]));
  return { lastKeyById, lastEntryById };
}

export function lastEntryOf(e: Pick<LedgerEntry, 'key' | 'previousKey' | 'previousKeySource' | 'previousKeyPlanSource'>): LedgerLastEntry {
  return {
    key: e.key,
    previousKey: e.previousKey,
    ...(e.previousKeySource ? { previousKeySource: e.previousKeySource } : {}),
    ...(e.previousKeyPlanSource ? { previousKeyPlanSource: e.previousKeyPlanSource } : {}),
  };
}

/** A Zivver URL as the ledger records and compares it: no trailing slash, case-insensitive. */
export function ledgerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

/** The entries that concern one Zivver tenant: its own, and those from before entries named a URL. */
export function entriesForUrl<E extends Pick<LedgerEntry, 'zivverUrl'>>(entries: readonly E[], zivverUrl: string | undefined): E[] {
  if (!zivverUrl) return [...entries];
  const want = ledgerUrl(zivverUrl);
  return entries.filter((e) => !e.zivverUrl || ledgerUrl(e.zivverUrl) === want);
}

export interface ReadLedgerKnowledgeOptions {
  logger?: Logger;
  /** Only entries written to this Zivver URL (and entries without a URL) count. */
  zivverUrl?: string;
}

/**
 * What the ledger knows. Skipped lines are reported as warnings: a torn last line after a crash
 * is expected and harmless (that write was never acknowledged to the journal either).
 */
export async function readLedgerKnowledge(file: string, opts?: Logger | ReadLedgerKnowledgeOptions): Promise<LedgerKnowledge> {
  const o: ReadLedgerKnowledgeOptions = opts && 'warn' in opts ? { logger: opts as Logger } : ((opts as ReadLedgerKnowledgeOptions | undefined) ?? {});
  const { entries, skipped } = await readLedgerEntries(file);
  for (const s of skipped) o.logger?.warn(`ledger ${file}:${s.line}: ignored (${s.reason})`);
  return ledgerKnowledgeFrom(entriesForUrl(entries, o.zivverUrl));
}

/**
 * An open ledger for one run. Appends are serialised inside this process and atomic across
 * processes (one O_APPEND write per line); each is fsynced before `append` resolves, so an entry
 * exists on disk before the row's result is reported.
 */
export class LedgerWriter {
  private constructor(private readonly out: AppendOnlyFile) {}

  get file(): string {
    return this.out.file;
  }

  static async open(file: string): Promise<LedgerWriter> {
    try {
      return new LedgerWriter(await AppendOnlyFile.open(file));
    } catch (err) {
      throw ledgerPathError(file, err);
    }
  }

  append(entry: Omit<LedgerEntry, 'kind' | 'v'>): Promise<void> {
    const full: LedgerEntry = { kind: LEDGER_KIND, v: 1, ...entry };
    return this.out.appendJson(full);
  }

  close(): Promise<void> {
    return this.out.close();
  }
}
