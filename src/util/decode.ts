/**
 * Bytes → text for the files admins give (inputs and plans). Admins' files come from Excel ("CSV UTF-8" with a BOM, or the
 * legacy ANSI "CSV" that is not UTF-8 at all), Windows PowerShell 5.1 (`Export-Csv -Encoding
 * Unicode` = UTF-16 LE with BOM; its default is ASCII), PowerShell 7 (UTF-8 without BOM) and
 * redirection (`>` in 5.1 writes UTF-16 LE). Undecodable bytes are refused rather than replaced:
 * a mangled name is harmless but a mangled address or key is not.
 */
import { InputError } from '../errors.js';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** Whether the bytes started with a byte-order mark (dropped from `text`). */
  bom: boolean;
}

const ANSI_HINT =
  'Save the file as UTF-8 (Excel: "CSV UTF-8 (comma delimited)"; PowerShell: Export-Csv -Encoding UTF8) and try again.';

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence; -1 if none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return i;
    // The second byte's range is narrower for some leads (no overlongs, no surrogates, ≤ U+10FFFF).
    let lo = 0x80;
    let hi = 0xbf;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
    else if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
    for (let k = 1; k <= need; k++) {
      const n = b[i + k];
      if (n === undefined) return i;
      if (k === 1 ? n < lo || n > hi : n < 0x80 || n > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAtByte(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

/** Code-unit scan for the first unpaired surrogate or a trailing odd byte: [line, description]. */
function firstInvalidUtf16(b: Uint8Array, start: number, littleEndian: boolean): [number, string] | null {
  let line = 1;
  const unit = (i: number) => (littleEndian ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!);
  let i = start;
  for (; i + 1 < b.length; i += 2) {
    const u = unit(i);
    if (u === 0x0a) line++;
    else if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 3 < b.length ? unit(i + 2) : -1;
      if (next < 0xdc00 || next > 0xdfff) return [line, `an unpaired UTF-16 surrogate at byte ${i}`];
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) return [line, `an unpaired UTF-16 surrogate at byte ${i}`];
  }
  if (i < b.length) return [line, 'an odd number of bytes (the file is cut off mid-character)'];
  return null;
}

/** Guesses BOM-less UTF-16 from NUL bytes around the first ASCII character. */
function sniffBomlessUtf16(b: Uint8Array): TextEncoding | null {
  if (b.length < 4) return null;
  if (b[0] !== 0 && b[1] === 0 && b[2] !== 0 && b[3] === 0) return 'utf-16le';
  if (b[0] === 0 && b[1] !== 0 && b[2] === 0 && b[3] !== 0) return 'utf-16be';
  return null;
}

/** The encoding of input bytes (from a BOM, or NUL bytes around the first character) and where the text starts. */
function textEncodingOf(bytes: Uint8Array): { encoding: TextEncoding; bom: boolean; start: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bom: true, start: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bom: true, start: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bom: true, start: 2 };
  return { encoding: sniffBomlessUtf16(bytes) ?? 'utf-8', bom: false, start: 0 };
}

/**
 * Decodes the bytes of a file the admin gave (input or plan), or throws an InputError naming the
 * line of the first undecodable byte; `hint` says how to save the file properly.
 */
export function decodeInput(name: string, bytes: Uint8Array, hint: string = ANSI_HINT): DecodedText {
  const { encoding, bom, start } = textEncodingOf(bytes);
  const body = bytes.subarray(start);
  try {
    // ignoreBOM: we handled the BOM ourselves; a second one would be content.
    const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
    return { text, encoding, bom };
  } catch {
    throw undecodable(name, encoding, body, hint);
  }
}

/** Bytes per decoded piece: small enough that a piece and what is made of it die young. */
const PIECE_BYTES = 64 * 1024;

/**
 * The text of input bytes in pieces (BOM dropped), decoded as they are asked for: a large file is
 * never one string. The first undecodable byte throws the same InputError as decodeInput, when
 * its piece is reached.
 */
export function* decodeInputPieces(name: string, bytes: Uint8Array, pieceBytes = PIECE_BYTES, hint: string = ANSI_HINT): Generator<string> {
  const { encoding, start } = textEncodingOf(bytes);
  const body = bytes.subarray(start);
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  for (let at = 0; ; at += pieceBytes) {
    const end = at + pieceBytes >= body.length;
    let text: string;
    try {
      text = end ? decoder.decode(body.subarray(at)) : decoder.decode(body.subarray(at, at + pieceBytes), { stream: true });
    } catch {
      throw undecodable(name, encoding, body, hint);
    }
    if (text !== '') yield text;
    if (end) return;
  }
}

function undecodable(name: string, encoding: TextEncoding, body: Uint8Array, hint: string): InputError {
  if (encoding === 'utf-8') {
    const at = firstInvalidUtf8(body);
    const line = lineAtByte(body, Math.max(at, 0));
    const shown = at >= 0 ? ` (byte 0x${body[at]!.toString(16).padStart(2, '0').toUpperCase()})` : '';
    return new InputError(
      `the file is not valid UTF-8: undecodable byte at line ${line}${shown}; it was probably saved in a legacy ANSI code page`,
      name,
      line,
      hint,
    );
  }
  const problem = firstInvalidUtf16(body, 0, encoding === 'utf-16le') ?? [1, 'undecodable data'];
  return new InputError(`the file is not valid ${encoding.toUpperCase()}: ${problem[1]} at line ${problem[0]}`, name, problem[0], hint);
}
