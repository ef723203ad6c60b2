/**
 * Recognising this tool's own files by their first lines, so that ledger entries, journal rows and
 * log records are only ever appended to a file of their own kind, and a record of what was written
 * (a ledger, a results journal) is never replaced by an output.
 */
import { promises as fs } from 'node:fs';

export type FileKind =
  /** Missing, or empty (or only whitespace). */
  | 'empty'
  /** The ledger: JSON lines of {"kind":"zivver-keyledger",...}. */
  | 'ledger'
  /** A results journal: JSON lines, a {"kind":"zivver-keyresults",...} header and result rows. */
  | 'journal'
  /** A --log-file: JSON lines of {"level":...,"message":...}. */
  | 'log'
  /** A plan document (.json), plan rows as JSON lines, or a plan CSV. */
  | 'plan'
  /** A results document (.json) or results CSV written by apply --out. */
  | 'results'
  /** Result rows as JSON lines without a journal header (apply --out x.jsonl, or a journal from before headers). */
  | 'result-rows'
  /** Anything else: an input, someone else's file. */
  | 'other';

/** How each kind is called in messages. */
export const FILE_KIND_NAMES: Record<FileKind, string> = {
  empty: 'an empty file',
  ledger: 'a zivver-keytool ledger',
  journal: 'a zivver-keytool results journal',
  log: 'a zivver-keytool log file',
  plan: 'a zivver-keytool plan',
  results: 'a zivver-keytool results file',
  'result-rows': 'zivver-keytool result rows',
  other: 'not a file of zivver-keytool',
};

const HEAD_BYTES = 64 * 1024;

/** Reads at most the first 64 KiB of a regular file (never waits on a FIFO or device). */
async function head(file: string): Promise<string | null> {
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await h.read(buf, 0, HEAD_BYTES, 0);
    let b = buf.subarray(0, bytesRead);
    if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
    if (b[0] === 0xfe && b[1] === 0xff) {
      b = Buffer.from(b.subarray(2));
      b.swap16();
      return b.toString('utf16le');
    }
    return b.toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await h.close();
  }
}

function kindOfRecord(v: unknown): FileKind | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (o.kind === 'zivver-keyledger') return 'ledger';
  if (o.kind === 'zivver-keyresults') return 'journal';
  if (o.kind === 'zivver-keyplan') return 'plan';
  if (typeof o.level === 'string' && 'message' in o) return 'log';
  // Result rows: apply --out x.jsonl, or a journal from before journals had a header line.
  if (typeof o.status === 'string' && 'zivverId' in o && 'newKey' in o && 'at' in o) return 'result-rows';
  if (typeof o.action === 'string' && 'zivverId' in o && 'newKey' in o) return 'plan';
  return null;
}

/** Classifies the first text of a file; exported for tests. */
export function classifyHead(text: string): FileKind {
  if (text.trim() === '') return 'empty';
  const lines = text.split('\n', 40).map((l) => l.replace(/\r$/, '').trim());
  const first = lines.find((l) => l !== '') ?? '';
  if (first.startsWith('{') && first.endsWith('}')) {
    try {
      const kind = kindOfRecord(JSON.parse(first));
      if (kind) return kind;
    } catch {
      // a torn line: fall through to the patterns below
    }
  }
  // Pretty-printed documents (plan --out x.json, apply --out x.json) name their kind near the top.
  const kindLine = /^"kind"\s*:\s*"(zivver-key[a-z]+)"/.exec(lines.find((l) => l.startsWith('"kind"')) ?? '');
  if (first === '{' && kindLine) return kindLine[1] === 'zivver-keyplan' ? 'plan' : kindLine[1] === 'zivver-keyresults' ? 'results' : 'other';
  // A single torn line (a crash while writing the first record) still shows its kind.
  if (first.startsWith('{')) {
    const m = /"kind"\s*:\s*"(zivver-key(?:ledger|results))"/.exec(first);
    if (m) return m[1] === 'zivver-keyledger' ? 'ledger' : 'journal';
  }
  // CSVs: the header row (any delimiter, quotes, case).
  const cells = first
    .toLowerCase()
    .split(/[,;\t]/)
    .map((c) => c.trim().replace(/^"|"$/g, ''));
  if (['zivverid', 'newkey', 'action', 'check'].every((c) => cells.includes(c))) return 'plan';
  if (['zivverid', 'newkey', 'status', 'httpstatus'].every((c) => cells.includes(c))) return 'results';
  return 'other';
}

/** What kind of file `file` is ('empty' when it does not exist). */
export async function fileKindOf(file: string): Promise<FileKind> {
  const text = await head(file);
  return text === null ? 'empty' : classifyHead(text);
}
