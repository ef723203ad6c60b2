/**
 * The JSON-lines files of this tool (results journal, ledger): the one way to read them
 * (readJsonLines) and the one way to append to them (AppendOnlyFile). Each record is
 * written with a single O_APPEND write (so lines of concurrent processes never interleave) and
 * fsynced before the append resolves (so a row reported anywhere is on disk first). Appends from
 * one process are serialised. A file whose last line lacks its newline (a crash mid-write, or a
 * line cut before its "\n") gets a newline first, so the torn line cannot swallow the next record.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { firstTooDeep, MAX_JSON_DEPTH } from '../core/jsonDepth.js';
import { readRegularFile, type ReadLimits } from '../util/boundedRead.js';

export class AppendOnlyFile {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    private needsNewline: boolean,
  ) {}

  /** Opens (creating the folder and the file, mode 0600) for appending. */
  static async open(file: string): Promise<AppendOnlyFile> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o600);
    try {
      return new AppendOnlyFile(file, handle, !(await endsWithNewline(file)));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Appends one record as a JSON line; resolves once it is on disk. */
  appendJson(record: unknown): Promise<void> {
    const run = async () => {
      const text = (this.needsNewline ? '\n' : '') + JSON.stringify(record) + '\n';
      await writeWhole(this.handle, Buffer.from(text, 'utf8'));
      await this.handle.datasync();
      this.needsNewline = false;
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => {});
    return p;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

/** Whether a file is empty or ends in "\n" (its last byte). */
export async function endsWithNewline(file: string): Promise<boolean> {
  const h = await fs.open(file, 'r');
  try {
    const { size } = await h.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await h.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await h.close();
  }
}

/** One write() of the whole buffer (atomic with O_APPEND); loops only if the OS writes short. */
async function writeWhole(handle: fs.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

/** One non-empty line of a JSON-lines file: its value, or why it is not JSON. */
export type JsonLine = { line: number; value: unknown } | { line: number; invalid: string };

/**
 * Reads a JSON-lines file in order (a BOM and CRLF line ends are tolerated, empty lines ignored).
 * A line that is not JSON, or nested deeper than any record of ours, is returned as `invalid` (a
 * torn last line after a crash is expected), not thrown. Null when there is no such file. Only a
 * regular file is read, within the size bound; anything else is an InputError naming `name`.
 */
export async function readJsonLines(file: string, opts: ReadLimits & { name: string; notAFileHint?: string }): Promise<JsonLine[] | null> {
  const missing = new Error('missing');
  let text: string;
  try {
    text = (await readRegularFile(file, opts.name, { ...opts, notFound: () => missing })).toString('utf8');
  } catch (err) {
    if (err === missing) return null;
    throw err;
  }
  const out: JsonLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (!line) return;
    if (firstTooDeep(line) >= 0) {
      out.push({ line: i + 1, invalid: `nested more than ${MAX_JSON_DEPTH} levels deep` });
      return;
    }
    try {
      out.push({ line: i + 1, value: JSON.parse(line) });
    } catch {
      // No newline after it: a write cut short by a crash.
      out.push({ line: i + 1, invalid: i === lines.length - 1 ? 'incomplete last line (a run was cut off while writing)' : 'not valid JSON' });
    }
  });
  return out;
}
