/**
 * A streaming JSON splitter: bytes (or text) in, in chunks of any size, and out come whole values
 * at the top of the document, each parsed on its own with JSON.parse:
 *   - every top-level value of a document or of a sequence of documents (JSON lines);
 *   - the items of a top-level array one by one, never the array whole;
 *   - with `streamMember`, the members of a top-level object one by one, and the items of the
 *     array members it names one by one (a SCIM ListResponse's "Resources").
 * So a 75 MB listing never exists as one string or one parsed tree: at any time only the chunk
 * being scanned and the value being collected are held.
 *
 * Between values the scanner checks the structure itself (commas, colons, brackets, nesting
 * depth); inside a value it only follows strings and brackets to find where the value ends, and
 * JSON.parse checks the value. When JSON.parse refuses one, a validating pass over that value
 * alone says where (line and column in the whole input) and what is wrong. Multi-byte characters,
 * escapes and surrogate pairs may be split across chunks anywhere: a value is decoded only when
 * all of its bytes are in.
 */

import { TextDecoder } from 'node:util';

export interface JsonPosition {
  /** Byte offset from the start of the input (after a UTF-8 byte-order mark). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units (as editors count). */
  column: number;
}

export class JsonStreamError extends Error {
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    readonly position: JsonPosition,
  ) {
    super(`${reason} (line ${position.line}, column ${position.column})`);
    this.name = 'JsonStreamError';
  }
}

export interface JsonStreamHandler {
  /** A top-level value that is not split up (a scalar, or an object without `streamMember`); `text` is its JSON. */
  value?(value: unknown, at: JsonPosition, text: string): void;
  /** A top-level object starts (only with `streamMember`). */
  objectStart?(at: JsonPosition): void;
  /** A member of a top-level object whose value is not streamed (only with `streamMember`). */
  member?(key: string, value: unknown, at: JsonPosition, text: string): void;
  objectEnd?(at: JsonPosition): void;
  /** A streamed array starts: a top-level array (key undefined) or a streamed member's array. */
  arrayStart?(key: string | undefined, at: JsonPosition): void;
  /** One item of a streamed array. */
  item?(value: unknown, at: JsonPosition, text: string): void;
  arrayEnd?(key: string | undefined, at: JsonPosition): void;
}

export interface JsonStreamOptions {
  /** 'single': exactly one top-level value; 'sequence': any number, separated by whitespace (default 'single'). */
  top?: 'single' | 'sequence';
  /**
   * When given, top-level objects are walked member by member, and a member whose key it accepts
   * and whose value is an array is streamed item by item. Without it a top-level object is one value.
   */
  streamMember?: (key: string) => boolean;
  /** Deepest nesting accepted, counting the top level as 1 (default 512). */
  maxDepth?: number;
  /** Largest single value collected, in bytes (default 256 MiB). */
  maxValueBytes?: number;
  /** Refuse bytes that are not UTF-8 instead of replacing them with U+FFFD (default false). */
  fatalUtf8?: boolean;
  /** What the input is called where it ends too soon ("end of input"; "end of file" for files). */
  endName?: string;
  /** Where the first byte is (when the text is part of a larger one); default line 1, column 1. */
  start?: { line: number; column: number };
}

const enum S {
  /** Expecting a top-level value (or the end). */
  TopValue,
  /** After the single top-level value: only whitespace. */
  TopEnd,
  /** After `{`: a key or `}`. */
  KeyOrEnd,
  /** After `,` in an object: a key. */
  Key,
  /** After a key: `:`. */
  Colon,
  /** After `:`: the member's value. */
  MemberValue,
  /** After a member: `,` or `}`. */
  MemberNext,
  /** After `[`: an item or `]`. */
  ItemOrEnd,
  /** After `,` in an array: an item. */
  Item,
  /** After an item: `,` or `]`. */
  ItemNext,
  /** Collecting a value (or a key). */
  Capture,
}

const enum Want {
  Top,
  Key,
  Member,
  Item,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Bytes that end a number or literal (it is then checked by JSON.parse). */
function endsScalar(b: number): boolean {
  return isWs(b) || b === COMMA || b === RBRACE || b === RBRACKET || b === COLON || b === LBRACE || b === LBRACKET || b === QUOTE;
}

export class JsonStreamSplitter {
  private readonly top: 'single' | 'sequence';
  private readonly streamMember?: (key: string) => boolean;
  private readonly maxDepth: number;
  private readonly maxValueBytes: number;
  private readonly fatal?: TextDecoder;
  private readonly endName: string;

  private state: S = S.TopValue;
  /** Containers being walked: 0 = top-level object, 1 = streamed array. */
  private readonly frames: Array<{ object: boolean; key: string | undefined }> = [];
  private key: string | undefined;
  private keyAt: JsonPosition | undefined;
  /** Where the last comma between members or items was (a trailing comma is reported there). */
  private commaAt: JsonPosition = { offset: 0, line: 1, column: 1 };

  // Position of the next byte to scan.
  private base = 0;
  private line = 1;
  private column = 1;
  private started = false;
  private bomBytes: number[] | null = [];
  /** A high surrogate at the end of a text chunk, held until the next one. */
  private pendingSurrogate = '';
  private ended = false;

  // The value being collected.
  private want: Want = Want.Top;
  private capStart: JsonPosition = { offset: 0, line: 1, column: 1 };
  private pieces: Uint8Array[] = [];
  private capBytes = 0;
  private readonly stack: number[] = [];
  private inString = false;
  /** Bytes to skip at the start of the next chunk (the second half of an escape). */
  private skip = 0;
  private scalar = false;
  /** Base depth of the value being collected (containers around it). */
  private capDepth = 0;

  constructor(
    private readonly handler: JsonStreamHandler,
    options: JsonStreamOptions = {},
  ) {
    this.top = options.top ?? 'single';
    if (options.streamMember) this.streamMember = options.streamMember;
    this.maxDepth = options.maxDepth ?? 512;
    this.maxValueBytes = options.maxValueBytes ?? 256 * 1024 * 1024;
    if (options.fatalUtf8) this.fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.endName = options.endName ?? 'end of input';
    if (options.start) {
      this.line = options.start.line;
      this.column = options.start.column;
    }
  }

  /** Whether the input so far holds anything but whitespace (and a BOM). */
  get sawValue(): boolean {
    return this.started;
  }

  /** Feeds the next chunk. Text is encoded as UTF-8 (a surrogate pair may be split between chunks). */
  write(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error('write after end');
    let bytes: Uint8Array;
    if (typeof chunk === 'string') {
      let text = this.pendingSurrogate + chunk;
      this.pendingSurrogate = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.pendingSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      bytes = Buffer.from(text, 'utf8');
    } else {
      bytes = chunk;
    }
    if (this.bomBytes) {
      bytes = this.stripBom(bytes);
      if (this.bomBytes) return;
    }
    if (bytes.length) this.scan(bytes);
  }

  /** Ends the input: throws when it stops inside a value, or (single) holds none. */
  end(): void {
    if (this.ended) return;
    if (this.pendingSurrogate) {
      const s = this.pendingSurrogate;
      this.pendingSurrogate = '';
      this.write(s);
    }
    if (this.bomBytes) {
      const rest = Uint8Array.from(this.bomBytes);
      this.bomBytes = null;
      if (rest.length) this.scan(rest);
    }
    this.ended = true;
    if (this.state === S.Capture) {
      if (this.scalar && !this.inString && this.stack.length === 0) {
        this.finishCapture(new Uint8Array(0), 0);
      } else {
        // Say what is missing as precisely as the validating pass can.
        const text = utf8(this.collected(new Uint8Array(0), 0, 0));
        const problem = findProblem(text, this.maxDepth - this.capDepth, this.endName);
        if (problem) throw this.error(problem.message, advance(this.capStart, text, problem.index));
        this.failInCapture(this.inString ? 'a string is never closed (missing ")' : `unexpected ${this.endName} inside ${this.openWhat()}`);
      }
    }
    if (this.state === S.TopValue && this.top === 'single' && !this.started) throw this.error('the input holds no JSON value', this.here());
    if (this.state !== S.TopValue && this.state !== S.TopEnd) {
      const frame = this.frames[this.frames.length - 1];
      throw this.error(`unexpected ${this.endName} inside ${frame?.object ? 'an object (missing })' : 'an array (missing ])'}`, this.here());
    }
  }

  // ------------------------------------------------------------------ scanning

  private stripBom(bytes: Uint8Array): Uint8Array {
    const bom = [0xef, 0xbb, 0xbf];
    const seen = this.bomBytes!;
    let i = 0;
    while (seen.length < 3 && i < bytes.length) {
      if (bytes[i] !== bom[seen.length]) {
        // Not a BOM: what was held back is content.
        const held = Uint8Array.from(seen);
        this.bomBytes = null;
        if (held.length) this.scan(held);
        return bytes.subarray(i);
      }
      seen.push(bytes[i]!);
      i++;
    }
    if (seen.length === 3) {
      this.bomBytes = null;
      this.base = 0;
    }
    return bytes.subarray(i);
  }

  private here(i = 0): JsonPosition {
    return { offset: this.base + i, line: this.line, column: this.column };
  }

  private error(reason: string, at: JsonPosition): JsonStreamError {
    return new JsonStreamError(reason, at);
  }

  private scan(chunk: Uint8Array): void {
    // A Buffer view (no copy): its subarrays decode without another wrapper.
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    if (this.state === S.Capture) {
      i = this.continueCapture(buf, 0);
      if (i < 0) {
        this.base += n;
        return;
      }
    }
    while (i < n) {
      const b = buf[i]!;
      if (isWs(b)) {
        if (b === 0x0a) {
          this.line++;
          this.column = 1;
        } else this.column++;
        i++;
        continue;
      }
      switch (this.state) {
        case S.TopValue:
          this.started = true;
          if (this.streamMember && b === LBRACE) {
            this.handler.objectStart?.(this.here(i));
            this.open(true, undefined, S.KeyOrEnd);
            i++;
            continue;
          }
          if (b === LBRACKET) {
            this.handler.arrayStart?.(undefined, this.here(i));
            this.open(false, undefined, S.ItemOrEnd);
            i++;
            continue;
          }
          i = this.startCapture(buf, i, Want.Top);
          break;
        case S.TopEnd:
          throw this.error(`unexpected ${describeByte(buf, i)} after the end of the JSON value`, this.here(i));
        case S.KeyOrEnd:
        case S.Key:
          if (b === RBRACE && this.state === S.KeyOrEnd) {
            i = this.close(i);
            continue;
          }
          if (b !== QUOTE) {
            if (b === RBRACE) throw this.error("a trailing comma before '}' is not allowed in JSON", this.commaAt);
            throw this.error(`expected a property name in double quotes, found ${describeByte(buf, i)}`, this.here(i));
          }
          i = this.startCapture(buf, i, Want.Key);
          break;
        case S.Colon:
          if (b !== COLON) throw this.error(`expected ':' after the property name, found ${describeByte(buf, i)}`, this.here(i));
          this.state = S.MemberValue;
          this.column++;
          i++;
          continue;
        case S.MemberValue:
          if (b === LBRACKET && this.streamMember!(this.key!)) {
            this.handler.arrayStart?.(this.key, this.here(i));
            this.open(false, this.key, S.ItemOrEnd);
            i++;
            continue;
          }
          i = this.startCapture(buf, i, Want.Member);
          break;
        case S.MemberNext:
        case S.ItemNext: {
          const object = this.state === S.MemberNext;
          if (b === COMMA) {
            this.commaAt = this.here(i);
            this.state = object ? S.Key : S.Item;
            this.column++;
            i++;
            continue;
          }
          if (b === (object ? RBRACE : RBRACKET)) {
            i = this.close(i);
            continue;
          }
          throw this.error(
            `expected ',' or '${object ? '}' : ']'}' after ${object ? 'a property value' : 'an array item'}, found ${describeByte(buf, i)}`,
            this.here(i),
          );
        }
        case S.ItemOrEnd:
        case S.Item:
          if (b === RBRACKET) {
            if (this.state === S.Item) throw this.error("a trailing comma before ']' is not allowed in JSON", this.commaAt);
            i = this.close(i);
            continue;
          }
          i = this.startCapture(buf, i, Want.Item);
          break;
        default:
          throw new Error('unreachable');
      }
      if (i < 0) {
        this.base += n;
        return;
      }
    }
    this.base += n;
  }

  private open(object: boolean, key: string | undefined, next: S): void {
    this.frames.push({ object, key });
    if (this.frames.length > this.maxDepth) throw this.error(`nested more than ${this.maxDepth} levels deep`, this.here());
    this.state = next;
    this.column++;
  }

  private close(i: number): number {
    const frame = this.frames.pop()!;
    const at = this.here(i);
    this.column++;
    if (frame.object) this.handler.objectEnd?.(at);
    else this.handler.arrayEnd?.(frame.key, at);
    this.state = this.frames.length === 0 ? (this.top === 'single' ? S.TopEnd : S.TopValue) : this.frames[this.frames.length - 1]!.object ? S.MemberNext : S.ItemNext;
    return i + 1;
  }

  /** Starts collecting the value at buf[i]; returns the index after it, or -1 when it runs past the chunk. */
  private startCapture(buf: Uint8Array, i: number, want: Want): number {
    this.state = S.Capture;
    this.want = want;
    this.capStart = this.here(i);
    this.pieces = [];
    this.capBytes = 0;
    this.stack.length = 0;
    this.inString = false;
    this.skip = 0;
    this.capDepth = this.frames.length;
    const b = buf[i]!;
    this.scalar = b !== QUOTE && b !== LBRACE && b !== LBRACKET;
    if (this.scalar && (b === RBRACE || b === RBRACKET || b === COMMA || b === COLON)) {
      throw this.error(`unexpected ${describeByte(buf, i)} where a value was expected`, this.capStart);
    }
    if (this.scalar && !(b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e)) {
      throw this.error(b === 0x27 ? "strings must use double quotes, not '" : `unexpected ${describeByte(buf, i)} where a value was expected`, this.capStart);
    }
    return this.continueCapture(buf, i, i);
  }

  /**
   * Scans the value being collected from buf[i]. Returns the index after its end (having emitted
   * it), or -1 when the chunk ends first (the chunk's part is kept).
   */
  private continueCapture(buf: Uint8Array, i: number, from = 0): number {
    const n = buf.length;
    if (this.scalar) {
      while (i < n && !endsScalar(buf[i]!)) i++;
      if (i === n) return this.keep(buf, from, n);
      return this.finishCapture(buf, i, from);
    }
    const stack = this.stack;
    if (this.skip) {
      i += this.skip;
      this.skip = 0;
      if (i > n) {
        this.skip = i - n;
        return this.keep(buf, from, n);
      }
    }
    for (;;) {
      if (this.inString) {
        for (;;) {
          if (i >= n) {
            this.skip = i - n;
            return this.keep(buf, from, n);
          }
          const d = buf[i]!;
          if (d === QUOTE) break;
          // A raw line break or control byte cannot be in a JSON string: stop here rather than
          // collect the rest of the input looking for the closing quote.
          if (d < 0x20) this.failAtValue(buf, from, i + 1);
          i += d === BACKSLASH ? 2 : 1;
        }
        this.inString = false;
        i++;
        if (stack.length === 0) return this.finishCapture(buf, i, from);
        continue;
      }
      if (i >= n) return this.keep(buf, from, n);
      const b = buf[i]!;
      if (b === QUOTE) {
        this.inString = true;
        i++;
      } else if (b === LBRACE || b === LBRACKET) {
        stack.push(b === LBRACE ? RBRACE : RBRACKET);
        if (this.capDepth + stack.length > this.maxDepth) {
          this.failInCapture(`nested more than ${this.maxDepth} levels deep`, buf, from, i);
        }
        i++;
      } else if (b === RBRACE || b === RBRACKET) {
        const want = stack.pop();
        if (want !== b) {
          this.failInCapture(
            want === undefined ? `unexpected '${String.fromCharCode(b)}'` : `expected '${String.fromCharCode(want)}' but found '${String.fromCharCode(b)}'`,
            buf,
            from,
            i,
          );
        }
        i++;
        if (stack.length === 0) return this.finishCapture(buf, i, from);
      } else i++;
    }
  }

  private keep(buf: Uint8Array, from: number, to: number): number {
    if (to > from) {
      this.capBytes += to - from;
      if (this.capBytes > this.maxValueBytes) {
        throw this.error(`a single value is larger than ${this.maxValueBytes} bytes`, this.capStart);
      }
      // A copy: the caller may reuse its buffer once write() returns.
      this.pieces.push(buf.slice(from, to));
    }
    return -1;
  }

  private collected(buf: Uint8Array, from: number, to: number): Uint8Array {
    if (this.pieces.length === 0) return buf.subarray(from, to);
    const total = this.capBytes + (to - from);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.pieces) {
      out.set(p, at);
      at += p.length;
    }
    out.set(buf.subarray(from, to), at);
    return out;
  }

  private decode(buf: Uint8Array, from: number, to: number): string {
    const bytes = this.collected(buf, from, to);
    if (this.fatal) {
      try {
        return this.fatal.decode(bytes);
      } catch {
        throw this.error('the text is not valid UTF-8 here', this.capStart);
      }
    }
    return utf8(bytes);
  }

  private finishCapture(buf: Uint8Array, end: number, from = 0): number {
    if (this.capBytes + (end - from) > this.maxValueBytes) throw this.error(`a single value is larger than ${this.maxValueBytes} bytes`, this.capStart);
    const text = this.decode(buf, from, end);
    this.pieces = [];
    this.capBytes = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const problem = findProblem(text, this.maxDepth - this.capDepth, this.endName) ?? { index: 0, message: (err as Error).message };
      throw this.error(problem.message, advance(this.capStart, text, problem.index));
    }
    const at = this.capStart;
    // Where the scan stands now: values rarely span lines (pretty-printed ones do).
    const nl = text.lastIndexOf('\n');
    if (nl === -1) this.column = at.column + text.length;
    else {
      for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) this.line++;
      this.column = text.length - nl;
    }
    switch (this.want) {
      case Want.Key:
        this.key = value as string;
        this.keyAt = at;
        this.state = S.Colon;
        break;
      case Want.Member:
        this.state = S.MemberNext;
        this.handler.member?.(this.key!, value, this.keyAt!, text);
        break;
      case Want.Item:
        this.state = S.ItemNext;
        this.handler.item?.(value, at, text);
        break;
      case Want.Top:
        this.state = this.top === 'single' ? S.TopEnd : S.TopValue;
        this.handler.value?.(value, at, text);
        break;
    }
    return end;
  }

  /** Throws the validating pass's finding for the value collected up to buf[to]. */
  private failAtValue(buf: Uint8Array, from: number, to: number): never {
    const text = utf8(this.collected(buf, from, to));
    const problem = findProblem(text, this.maxDepth - this.capDepth, this.endName) ?? { index: text.length - 1, message: 'a raw control character inside a string' };
    throw this.error(problem.message, advance(this.capStart, text, problem.index));
  }

  private openWhat(): string {
    const open = this.stack[this.stack.length - 1];
    return open === RBRACE ? 'an object (missing })' : open === RBRACKET ? 'an array (missing ])' : 'a value';
  }

  /** Throws for a problem inside the value being collected, positioned at buf[i] (or its end). */
  private failInCapture(reason: string, buf?: Uint8Array, from = 0, i?: number): never {
    const text = utf8(buf ? this.collected(buf, from, i ?? buf.length) : this.collected(new Uint8Array(0), 0, 0));
    throw this.error(reason, advance(this.capStart, text, text.length));
  }
}

function utf8(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
}

/** The position after `text[0..index)` read from `at`. */
function advance(at: JsonPosition, text: string, index: number): JsonPosition {
  let line = at.line;
  let lineStart = -1;
  for (let k = text.indexOf('\n'); k !== -1 && k < index; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k;
  }
  const column = lineStart === -1 ? at.column + index : index - lineStart;
  return { offset: at.offset + Buffer.byteLength(text.slice(0, index), 'utf8'), line, column };
}

function describeByte(buf: Uint8Array, i: number): string {
  const b = buf[i]!;
  if (b === 0x0a) return 'line break';
  if (b >= 0x20 && b < 0x7f) return `character ${JSON.stringify(String.fromCharCode(b))}`;
  return `byte 0x${b.toString(16).padStart(2, '0').toUpperCase()}`;
}

/**
 * Where a JSON value (text that JSON.parse refused) first goes wrong: a validating scan without
 * recursion. Null when it finds nothing (JSON.parse's own message is used then).
 */
export function findProblem(s: string, maxDepth = 512, endName = 'end of input'): { index: number; message: string } | null {
  let i = 0;
  const n = s.length;
  const stack: number[] = []; // 1 = object, 2 = array
  const fail = (message: string, at = i) => ({ index: at, message });
  const what = (at = i) => (at >= n ? endName : s[at] === '\n' ? 'line break' : `character ${JSON.stringify(s[at])}`);
  const ws = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): { index: number; message: string } | null => {
    const start = i;
    i++;
    for (;;) {
      if (i >= n) return fail('a string is never closed (missing ")', start);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return fail(c === 0x0a ? 'a string runs past the end of its line (missing ")' : 'a raw control character inside a string');
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return fail('a \\u escape needs four hex digits');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail(`invalid escape \\${e ?? ''} in a string (write a backslash as \\\\)`);
        i += 2;
        continue;
      }
      i++;
    }
  };
  // Expecting a value.
  const value = (): { index: number; message: string } | null | 'open' => {
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? 1 : 2);
      if (stack.length > maxDepth) return fail(`nested more than ${maxDepth} levels deep`);
      i++;
      return 'open';
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const re = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
      re.lastIndex = i;
      const m = re.exec(s);
      if (!m) return fail('malformed number');
      i += m[0].length;
      return null;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (s.startsWith(lit, i)) {
        i += lit.length;
        return null;
      }
    }
    if (c === "'") return fail("strings must use double quotes, not '");
    return fail(`unexpected ${what()} where a value was expected`);
  };
  let r = value();
  if (r !== null && r !== 'open') return r;
  // After '{' or '[' (fresh) or after a value inside a container.
  let fresh = r === 'open';
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const close = top === 1 ? '}' : ']';
    ws();
    if (fresh) {
      fresh = false;
      if (s[i] === close) {
        stack.pop();
        i++;
        continue;
      }
    } else {
      const c = s[i];
      if (c === close) {
        stack.pop();
        i++;
        continue;
      }
      if (c !== ',') return fail(`expected ',' or '${close}' after ${top === 1 ? 'a property value' : 'an array item'}, found ${what()}`);
      const comma = i;
      i++;
      ws();
      if (s[i] === close) return fail(`a trailing comma before '${close}' is not allowed in JSON`, comma);
    }
    if (top === 1) {
      ws();
      if (s[i] !== '"') return fail(`expected a property name in double quotes, found ${what()}`);
      const e = str();
      if (e) return e;
      ws();
      if (s[i] !== ':') return fail(`expected ':' after the property name, found ${what()}`);
      i++;
    }
    r = value();
    if (r === 'open') fresh = true;
    else if (r !== null) return r;
  }
  ws();
  if (i < n) return fail(`unexpected ${what()} after the end of the JSON value`);
  return null;
}

/** Feeds an async iterable of chunks (a response body, a file stream) through a splitter. */
export async function splitJsonStream(
  chunks: AsyncIterable<Uint8Array | string>,
  handler: JsonStreamHandler,
  options?: JsonStreamOptions,
): Promise<void> {
  const splitter = new JsonStreamSplitter(handler, options);
  for await (const chunk of chunks) splitter.write(chunk);
  splitter.end();
}
