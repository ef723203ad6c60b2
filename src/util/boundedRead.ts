/**
 * The one way input bytes are read (users, plans, results journals, ledgers): a regular file or
 * standard input, never a folder, a FIFO or a device (`/dev/zero` would never end); at most
 * `maxBytes` (default 2 GiB, far above any tenant's export; --max-input-size); and a read of
 * standard input ends at once when the run is stopped (Ctrl-C, SIGTERM), with nothing written.
 */
import { promises as fs } from 'node:fs';
import { shown } from '../core/shown.js';
import { InputError, InterruptedError, UsageError } from '../errors.js';

export const DEFAULT_MAX_INPUT_BYTES = 2 * 1024 ** 3;

export interface ReadLimits {
  /** Refuse inputs larger than this many bytes (default DEFAULT_MAX_INPUT_BYTES). */
  maxBytes?: number;
  /** Stops the read (InterruptedError) when aborted. */
  signal?: AbortSignal;
}

const CHUNK = 1024 * 1024;

/** "2 GiB", "512 MiB", "1000 bytes". */
export function formatBytes(n: number): string {
  const units = ['GiB', 'MiB', 'KiB'] as const;
  for (let i = 0; i < units.length; i++) {
    const size = 1024 ** (3 - i);
    if (n >= size && n % size === 0) return `${n / size} ${units[i]}`;
  }
  return `${n} bytes`;
}

/** Parses --max-input-size: a number of bytes with an optional unit (k, M, G, KB, MiB, GiB ...; binary). */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** --max-input-size as bytes (undefined: the default), or a UsageError saying what was typed. */
export function maxInputBytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = parseByteSize(text);
  if (n === null) throw new UsageError(`--max-input-size ${JSON.stringify(shown(text, 40))} is not a size; give bytes or a size with a unit, e.g. 500MiB or 4GiB`);
  return n;
}

function tooLarge(name: string, max: number): InputError {
  return new InputError(
    `larger than ${formatBytes(max)}, the most zivver-keytool reads from one input; nothing was read further`,
    name,
    undefined,
    'Check that this is the file you meant; to read a larger one, raise the bound with --max-input-size (e.g. --max-input-size 4GiB).',
  );
}

function interrupted(name: string): InterruptedError {
  return new InterruptedError(`interrupted while reading ${name}; nothing was written`);
}

/** What a path that is not a regular file is, for messages. */
function whatIsIt(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a whole regular file. `name` is how messages call it; `notFound` builds the error for a
 * missing file (readers word it their own way); other failures are InputErrors naming `name`.
 */
export async function readRegularFile(
  file: string,
  name: string,
  opts: ReadLimits & { notFound?: () => Error; notAFileHint?: string } = {},
): Promise<Buffer> {
  const limits = opts;
  const notFound = opts.notFound;
  const max = limits.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  let st: import('node:fs').Stats;
  try {
    // stat, not open: opening a FIFO waits for a writer that may never come.
    st = await fs.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && notFound) throw notFound();
    throw new InputError(`cannot read this file: ${describeReadError(err)}`, name, undefined, `Looked for ${shown(file, 400)}.`);
  }
  if (!st.isFile()) {
    throw new InputError(
      `this is ${whatIsIt(st)}, not a file`,
      name,
      undefined,
      opts.notAFileHint ?? 'Give the path of a file, or - to read standard input (e.g. ... | zivver-keytool plan --input -).',
    );
  }
  if (st.size > max) throw tooLarge(name, max);
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, 'r');
  } catch (err) {
    throw new InputError(`cannot read this file: ${describeReadError(err)}`, name);
  }
  try {
    // Read into one buffer of the size stat gave (one byte more shows a file that grew since), so
    // a large input is never held twice (chunks, then their concatenation); it grows only if the
    // file does. Read a chunk at a time, so a stop is seen between chunks.
    let buf = Buffer.allocUnsafe(Math.min(st.size, max) + 1);
    let total = 0;
    for (;;) {
      if (limits.signal?.aborted) throw interrupted(name);
      if (total === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const { bytesRead } = await h.read(buf, total, Math.min(CHUNK, buf.length - total), null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) throw tooLarge(name, max);
    }
    return buf.subarray(0, total);
  } catch (err) {
    if (err instanceof InputError || err instanceof InterruptedError) throw err;
    throw new InputError(`cannot read this file: ${describeReadError(err)}`, name);
  } finally {
    await h.close();
  }
}

/** Reads a stream to its end: at most maxBytes, and no longer than the run lasts. */
export function readStreamBounded(stream: NodeJS.ReadableStream, name: string, limits: ReadLimits = {}): Promise<Buffer> {
  const max = limits.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const signal = limits.signal;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const stop = (err: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Nothing more is wanted from it: let the process end even if the writer never stops.
        const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
        if (typeof s.destroy === 'function') s.destroy();
        else stream.pause();
        reject(err);
      } else resolve(value!);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      total += b.length;
      if (total > max) return stop(tooLarge(name, max));
      chunks.push(b);
    };
    const onEnd = () => stop(null, Buffer.concat(chunks, total));
    const onError = (err: Error) => stop(new InputError(`cannot read ${name}: ${err.message}`, name));
    const onAbort = () => stop(interrupted(name));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'this is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  return code ?? (err instanceof Error ? err.message : String(err));
}
