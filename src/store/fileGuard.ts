/**
 * The one guard for every file the tool writes or appends to, and the one way it writes an output.
 *
 * Zivver never returns a key: the ledger and the results journals are the only record of what was
 * written. So before anything is sent to Zivver, a command names every file it reads, keeps or
 * writes, and the guard checks them together:
 *
 *   const guard = FileGuard.forRun(ctx, force);   // names --log-file and --stop-file already
 *   guard.reads('users.csv', { option: '--input', what: 'an input' });
 *   guard.appends(ledgerFile, { option: '--ledger', what: 'the ledger' }, 'ledger');
 *   guard.keeps(`${journal}.lock`, { what: "the results journal's lock" });
 *   guard.replaces('plan.json', { option: '--out', what: 'an output' });
 *   await guard.check();                    // UsageError (exit 2) naming both roles, or ok
 *   await writeOutputFile(file, text, { force, onFolderCreated });
 *
 * Two names are one file when their real paths are equal (after `./`, `../` and symbolic links;
 * without regard to case on Windows and macOS) or when they have the same device and inode (hard
 * links). A file written or appended to may be no other named file. Outputs (replaced): a folder is
 * refused as a folder, a read-only file unless `force`, a ledger or results journal always (their
 * record would be lost), a missing folder is created (and announced by the writer). Appends go only
 * to a file of the same kind (recognised by its first lines, see fileKind.ts): never log lines into
 * a ledger, never ledger entries into a plan.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { shown } from '../core/shown.js';
import { KeytoolError, ExitCode, UsageError } from '../errors.js';
import { FILE_KIND_NAMES, fileKindOf, type FileKind } from './fileKind.js';

/** A file's role in a run, for messages: `--out plan.json is the ledger (...)`. */
export interface FileRole {
  /** The option that named it (`--out`, `--ledger`), if any; shown with the file as given. */
  option?: string;
  /** What the file is to this run: "the ledger", "an input", "the plan". */
  what: string;
}

/** What the run does with a file. */
export type FileUse = 'read' | 'append' | 'keep' | 'replace';

/** Kinds of records the tool appends. */
export type AppendKind = 'ledger' | 'journal' | 'log';

interface Entry {
  given: string;
  abs: string;
  role: FileRole;
  use: FileUse;
  kind?: AppendKind;
}

interface Identity {
  key: string;
  stat: Stats | null;
}

/** Two roles name one file (exit 2). `files` are the absolute paths involved. */
export class FileClashError extends UsageError {
  constructor(
    message: string,
    readonly files: readonly string[],
  ) {
    super(message);
  }
}

/** Could not write an output after the guard passed (disk full, a folder removed meanwhile): one clear message. */
export class FileWriteError extends KeytoolError {
  readonly exitCode = ExitCode.Partial;
}

const CASE_INSENSITIVE = process.platform === 'win32' || process.platform === 'darwin';

function label(e: Pick<Entry, 'given' | 'role'>): string {
  return e.role.option ? `${e.role.option} ${shown(e.given)}` : e.role.what;
}

/** Real path of `abs`, or of its nearest existing ancestor joined with the rest. */
async function realPathOf(abs: string): Promise<string> {
  const rest: string[] = [];
  let p = abs;
  for (;;) {
    try {
      const real = await fs.realpath(p);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch {
      const parent = path.dirname(p);
      if (parent === p) return abs;
      rest.push(path.basename(p));
      p = parent;
    }
  }
}

async function identityOf(abs: string): Promise<Identity> {
  const real = await realPathOf(abs);
  let stat: Stats | null = null;
  try {
    stat = await fs.stat(abs);
  } catch {
    stat = null;
  }
  return { key: CASE_INSENSITIVE ? real.toLowerCase() : real, stat };
}

function sameFile(a: Identity, b: Identity): boolean {
  if (a.key === b.key) return true;
  // Hard links (and other names the real path does not resolve): one device and inode.
  return Boolean(a.stat && b.stat && a.stat.ino !== 0 && a.stat.dev === b.stat.dev && a.stat.ino === b.stat.ino);
}

/** Nearest existing ancestor folder of `abs` (its folder, or higher when folders are missing). */
async function nearestExisting(abs: string): Promise<{ dir: string; stat: Stats }> {
  let p = path.dirname(abs);
  for (;;) {
    try {
      return { dir: p, stat: await fs.stat(p) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = path.dirname(p);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === p) throw err;
      p = parent;
    }
  }
}

/** Read-only: no write permission bit at all (the Windows read-only attribute shows as 0444). */
function isReadOnly(st: Stats): boolean {
  return (st.mode & 0o222) === 0;
}

const APPEND_ACCEPTS: Record<AppendKind, readonly FileKind[]> = {
  ledger: ['empty', 'ledger'],
  journal: ['empty', 'journal', 'result-rows'],
  log: ['empty', 'log'],
};

export class FileGuard {
  private readonly entries: Entry[] = [];

  constructor(private readonly opts: { cwd: string; force?: boolean }) {}

  /**
   * A guard for one run of a command: the run's log file (appended to) and stop file (another
   * program creates it to stop the run: nothing may be written there) are named already.
   */
  static forRun(ctx: { cwd: string; runFiles?: { logFile?: string; stopFile?: string } }, force?: boolean): FileGuard {
    return new FileGuard({ cwd: ctx.cwd, ...(force !== undefined ? { force } : {}) })
      .appends(ctx.runFiles?.logFile, { option: '--log-file', what: 'the log file' }, 'log')
      .keeps(ctx.runFiles?.stopFile, { option: '--stop-file', what: 'the stop file' });
  }

  private add(file: string | null | undefined, role: FileRole, use: FileUse, kind?: AppendKind): this {
    if (file === null || file === undefined || file === '' || file === '-') return this;
    this.entries.push({ given: file, abs: path.resolve(this.opts.cwd, file), role, use, ...(kind ? { kind } : {}) });
    return this;
  }

  /** A file the run reads (inputs, the plan, the API key file). Nothing may be written onto it. */
  reads(file: string | null | undefined, role: FileRole): this {
    return this.add(file, role, 'read');
  }

  /** A file the run appends records of `kind` to (and may read first): the ledger, a journal, the log file. */
  appends(file: string | null | undefined, role: FileRole, kind: AppendKind): this {
    return this.add(file, role, 'append', kind);
  }

  /** A file the tool itself creates and removes (a lock). Only its name is guarded. */
  keeps(file: string | null | undefined, role: FileRole): this {
    return this.add(file, role, 'keep');
  }

  /** A file the run replaces as a whole (outputs, reports). */
  replaces(file: string | null | undefined, role: FileRole): this {
    return this.add(file, role, 'replace');
  }

  /**
   * Checks every named file together. Throws a UsageError (exit 2) naming both roles of a clash,
   * or what is wrong with one file; resolves when every write can go ahead.
   */
  async check(): Promise<void> {
    const ids = await Promise.all(this.entries.map((e) => identityOf(e.abs)));
    const writes = (u: FileUse) => u !== 'read';
    for (let i = 0; i < this.entries.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = this.entries[j]!;
        const b = this.entries[i]!;
        if (!writes(a.use) && !writes(b.use)) continue;
        if (!sameFile(ids[i]!, ids[j]!)) continue;
        // One file named twice in one role (an input given twice) is no clash; two outputs are.
        if (a.role.what === b.role.what && a.role.option === b.role.option && a.use !== 'replace' && b.use !== 'replace') continue;
        const [w, other] = writes(b.use) ? [b, a] : [a, b];
        const what = label(w) === label(other) ? 'is given twice' : `is ${other.role.option ? `${other.role.what} (${label(other)})` : other.role.what}`;
        throw new FileClashError(
          `${label(w)} ${what}: both name ${shown(w.abs, 400)}.\n  Nothing was written. ${w.role.option ? `Give ${w.role.option} another file name.` : 'Name another file for one of them.'}`,
          [a.abs, b.abs],
        );
      }
    }
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.use === 'replace' || e.use === 'append') await this.checkWritable(e, ids[i]!.stat);
    }
  }

  private async checkWritable(e: Entry, st: Stats | null): Promise<void> {
    const name = label(e);
    const fix = e.role.option ? ` Give ${e.role.option} a file name.` : '';
    if (st) {
      if (st.isDirectory()) throw new UsageError(`${name} is a folder, not a file (${shown(e.abs, 400)}).\n  Nothing was written.${fix}`);
      if (!st.isFile()) throw new UsageError(`${name} is not a regular file (a device, pipe or socket: ${shown(e.abs, 400)}).\n  Nothing was written.${fix}`);
      const kind = await fileKindOf(e.abs);
      if (e.use === 'append') {
        if (isReadOnly(st)) {
          throw new UsageError(`${name} is read-only (${shown(e.abs, 400)}); ${e.role.what} cannot be added to.\n  Nothing was written. Make it writable, or name another file.`);
        }
        if (!APPEND_ACCEPTS[e.kind!].includes(kind)) {
          throw new UsageError(
            `${name} is ${FILE_KIND_NAMES[kind]}, not ${FILE_KIND_NAMES[e.kind!]} (${shown(e.abs, 400)}); ` +
              `zivver-keytool appends only to a file of its own kind.\n  Nothing was written. Name another file.`,
          );
        }
      } else {
        if (kind === 'ledger' || kind === 'journal') {
          throw new UsageError(
            `${name} is ${FILE_KIND_NAMES[kind]} (${shown(e.abs, 400)}); replacing it would lose the record of the keys written.\n  Nothing was written.${fix || ' Name another file.'}`,
          );
        }
        if (isReadOnly(st) && !this.opts.force) {
          throw new UsageError(`${name} is read-only (${shown(e.abs, 400)}).\n  Nothing was written. Add --force to replace it, or give another file name.`);
        }
      }
    }
    let near: { dir: string; stat: Stats };
    try {
      near = await nearestExisting(e.abs);
    } catch (err) {
      throw new UsageError(`${name}: cannot look at its folder (${describeFsError(err)}).\n  Nothing was written.`);
    }
    if (!near.stat.isDirectory()) {
      throw new UsageError(`${name}: ${shown(near.dir, 400)} is a file, not a folder.\n  Nothing was written.${fix}`);
    }
    try {
      await fs.access(near.dir, fsConstants.W_OK);
    } catch (err) {
      throw new UsageError(`${name}: cannot write in the folder ${shown(near.dir, 400)} (${describeFsError(err)}).\n  Nothing was written.${fix}`);
    }
  }
}

/** An fs error as a few words, for messages. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EEXIST: 'it exists already',
    EBUSY: 'the file is in use',
    ENAMETOOLONG: 'the name is too long',
  };
  if (code && words[code]) return words[code]!;
  return code ?? (err instanceof Error ? err.message : String(err));
}

export interface WriteOutputOptions {
  /** Replace a read-only file (--force). */
  force?: boolean;
  /** Called with each folder created for the file, outermost first. */
  onFolderCreated?: (dir: string) => void;
  /** How the file is named in messages (default: its path). */
  label?: string;
}

/**
 * Writes a whole output file: to a temporary file beside it, then renamed over it, so a crash never
 * leaves half a file and a failure never a temporary one. Missing folders are created (reported
 * through onFolderCreated). Failures are one FileWriteError naming the file and why.
 */
export async function writeOutputFile(file: string, content: string | Uint8Array | Iterable<string>, opts: WriteOutputOptions = {}): Promise<void> {
  const name = opts.label ?? shown(file, 400);
  const dir = path.dirname(file);
  const existing = await fs.stat(file).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`${name} is a folder, not a file (${shown(file, 400)}). Nothing was written.`);
  if (existing && !existing.isFile()) throw new UsageError(`${name} is not a regular file (${shown(file, 400)}). Nothing was written.`);
  if (existing && isReadOnly(existing)) {
    if (!opts.force) throw new UsageError(`${name} is read-only (${shown(file, 400)}). Nothing was written. Add --force to replace it.`);
    // Windows refuses to rename over a read-only file.
    await fs.chmod(file, existing.mode | 0o200).catch(() => {});
  }
  let created: string | undefined;
  try {
    created = await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new FileWriteError(`cannot write ${name}: cannot create the folder ${shown(dir, 400)} (${describeFsError(err)})`);
  }
  if (created && opts.onFolderCreated) {
    // mkdir returns the outermost folder it made; the rest are below it on the way to `dir`.
    const rel = path.relative(created, dir);
    const parts = rel ? rel.split(path.sep) : [];
    let p = created;
    opts.onFolderCreated(p);
    for (const part of parts) {
      p = path.join(p, part);
      opts.onFolderCreated(p);
    }
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    if (typeof content === 'string' || content instanceof Uint8Array) await handle.writeFile(content);
    else for (const piece of content) await handle.write(piece, null, 'utf8');
    await handle.datasync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new FileWriteError(`cannot write ${name} (${describeFsError(err)}); the file was left as it was.`);
  }
}
