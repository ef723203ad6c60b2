/**
 * Where the API key comes from: --api-key-file or ZIVVER_API_KEY, never a command-line value
 * (command lines are visible to every user of the machine and land in shell history and logs).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { shown } from '../core/shown.js';
import { UsageError } from '../errors.js';

/** An API key file is a few dozen bytes; anything over this is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
import { registerSecret } from '../util/redact.js';

const HOW =
  'Put the Zivver API key in the environment variable ZIVVER_API_KEY, or in a file named with --api-key-file <path>. ' +
  'A key given as a command-line value is deliberately not accepted: command lines are visible to other processes and end up in shell history.';

/** Decodes a key file: UTF-8 with or without BOM, and UTF-16 LE/BE with BOM (what Windows PowerShell 5.1's Out-File writes). */
function decodeKeyFile(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const le = Buffer.from(buf.subarray(2));
    le.swap16();
    return le.toString('utf16le');
  }
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Checks the key's shape without ever echoing it: a key with spaces or control characters would
 * make fetch throw an "invalid header value" error that quotes the whole header, key included.
 */
export function checkApiKeyShape(key: string, where: string): void {
  if (!key) throw new UsageError(`${where} is empty. ${HOW}`);
  if (/\s/.test(key)) {
    throw new UsageError(`${where} contains spaces or more than one line; it should hold only the API key`);
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new UsageError(`${where} contains characters that cannot be sent in an HTTP header (non-ASCII or control characters)`);
  }
}

/**
 * Whether a key looks like the base64 form of a text key: valid padded base64 that decodes to
 * printable text and encodes back to exactly the same string. One Zivver page says to
 * base64-encode the key; Zivver takes it as the admin portal shows it. A random key almost never
 * decodes to printable text, so this tells a key that was encoded by mistake from one that was not.
 */
export function looksBase64Encoded(key: string): boolean {
  if (key.length < 12 || key.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return false;
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length < 8 || bytes.toString('base64') !== key) return false;
  return bytes.every((b) => b >= 0x21 && b <= 0x7e);
}

export async function resolveApiKey(opts: { apiKeyFile?: string; env: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
  if (opts.apiKeyFile !== undefined) {
    const file = path.resolve(opts.cwd ?? process.cwd(), opts.apiKeyFile);
    const st = await stat(file).catch(() => null);
    if (!st) {
      // Not an existing path: perhaps the key itself, pasted where the file name belongs. Never repeat it.
      registerSecret(opts.apiKeyFile);
      throw new UsageError(
        '--api-key-file names no existing file (the value given is not repeated here, in case it is the API key itself). ' +
          'Give the path of a file that holds the key, or put the key in the environment variable ZIVVER_API_KEY.',
      );
    }
    const shownName = shown(opts.apiKeyFile);
    // A regular file, or a pipe (bash's <(...) process substitution); never a folder or a device.
    if (st.isDirectory()) throw new UsageError(`cannot read --api-key-file ${shownName}: it is a folder`);
    if (!st.isFile() && !st.isFIFO()) throw new UsageError(`cannot read --api-key-file ${shownName}: it is not a file`);
    if (st.isFile() && st.size > MAX_KEY_FILE_BYTES) {
      throw new UsageError(`--api-key-file ${shownName} is ${st.size} bytes, far more than an API key; it should hold only the key`);
    }
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unreadable');
      throw new UsageError(`cannot read --api-key-file ${shownName}: ${why}`);
    }
    if (buf.length > MAX_KEY_FILE_BYTES) throw new UsageError(`--api-key-file ${shownName} holds far more than an API key; it should hold only the key`);
    const key = decodeKeyFile(buf).trim();
    // Register before checking so even a malformed key never reaches a message verbatim.
    registerSecret(key);
    checkApiKeyShape(key, `--api-key-file ${shown(opts.apiKeyFile)}`);
    return key;
  }
  const fromEnv = opts.env.ZIVVER_API_KEY?.trim();
  if (fromEnv) {
    registerSecret(fromEnv);
    checkApiKeyShape(fromEnv, 'ZIVVER_API_KEY');
    return fromEnv;
  }
  throw new UsageError(`No Zivver API key. ${HOW}`);
}
