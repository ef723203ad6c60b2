/**
 * JSON reader: an array of objects (ConvertTo-Json, Graph exports), one object per line
 * (`ConvertTo-Json -Compress` per object; also pretty objects one after another), a single
 * object, or OData envelopes `{"@odata.context": ..., "value": [...]}` as REST calls return them. A small scanner finds where each top-level object starts and ends so every user gets the
 * line it starts on; each object is then parsed on its own with JSON.parse. Only when something
 * fails does a validating pass run, to say exactly where (line and column) and what is wrong.
 */
import { InputError } from '../errors.js';
import type { ParsedRecords, RawProp, RawRecord } from './record.js';

interface SyntaxProblem {
  pos: number;
  message: string;
}

const MAX_DEPTH = 512;

/** A validating JSON scanner that reports the first problem; used only on the error path. */
class Validator {
  private i = 0;
  constructor(private readonly s: string) {}

  /** mode 'single': one value then only whitespace; 'sequence': values separated by whitespace. */
  run(start: number, mode: 'single' | 'sequence'): SyntaxProblem | null {
    this.i = start;
    try {
      this.ws();
      if (mode === 'single') {
        this.value(0);
        this.ws();
        if (this.i < this.s.length) this.fail(`unexpected ${this.what()} after the end of the JSON value`);
      } else {
        while (this.i < this.s.length) {
          this.value(0);
          this.ws();
        }
      }
      return null;
    } catch (e) {
      if (e instanceof ValidatorStop) return { pos: e.pos, message: e.message };
      throw e;
    }
  }

  private fail(message: string, pos = this.i): never {
    throw new ValidatorStop(message, pos);
  }

  private what(): string {
    if (this.i >= this.s.length) return 'end of file';
    const c = this.s[this.i]!;
    return c === '\n' ? 'line break' : `character ${JSON.stringify(c)}`;
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.container('}', depth, true);
    if (c === '[') return this.container(']', depth, false);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const lit of ['true', 'false', 'null']) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return;
      }
    }
    if (c === "'") this.fail("strings must use double quotes, not '");
    this.fail(`unexpected ${this.what()} where a value was expected`);
  }

  private container(close: string, depth: number, isObject: boolean): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      if (isObject) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail(`expected a property name in double quotes, found ${this.what()}`);
        this.string();
        this.ws();
        if (this.s[this.i] !== ':') this.fail(`expected ':' after the property name, found ${this.what()}`);
        this.i++;
      }
      this.value(depth + 1);
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        const comma = this.i;
        this.i++;
        this.ws();
        if (this.s[this.i] === close) this.fail(`a trailing comma before '${close}' is not allowed in JSON`, comma);
        continue;
      }
      if (c === close) {
        this.i++;
        return;
      }
      this.fail(`expected ',' or '${close}' after ${isObject ? 'a property value' : 'an array item'}, found ${this.what()}`);
    }
  }

  private string(): void {
    const start = this.i;
    this.i++;
    for (;;) {
      if (this.i >= this.s.length) this.fail('a string is never closed (missing ")', start);
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail(c === 0x0a ? 'a string runs past the end of its line (missing ")' : 'a raw control character inside a string');
      if (c === 0x5c) {
        const e = this.s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail('a \\u escape needs four hex digits');
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`invalid escape \\${e ?? ''} in a string (write a backslash as \\\\)`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  private number(): void {
    const re = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (!m) this.fail('malformed number');
    this.i += m[0].length;
  }
}

class ValidatorStop extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

function lineAndColumn(s: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < pos; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

function syntaxError(name: string, text: string, problem: SyntaxProblem): InputError {
  const { line, column } = lineAndColumn(text, problem.pos);
  return new InputError(
    `broken JSON at line ${line}, column ${column}: ${problem.message}`,
    name,
    line,
    'Fix the file or export it again (ConvertTo-Json -Depth 5 | Set-Content -Encoding UTF8).',
  );
}

/** Where the object starting at `start` (a `{`) ends: the index of its `}`, or -1 when never closed. */
function objectEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, honouring escapes.
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  return i;
}

/** What kind of value starts at `pos`, or null when no valid value can start there. */
function describeValueStart(s: string, pos: number): string | null {
  const c = s[pos];
  if (c === '"') return 'a string';
  if (c === '[') return 'an array';
  if (s.startsWith('null', pos)) return 'null';
  if (s.startsWith('true', pos) || s.startsWith('false', pos)) return 'a boolean';
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return 'a number';
  return null;
}

/**
 * An OData collection envelope starting at `start` (a `{`): what Exchange Online's admin API,
 * Graph Explorer, Invoke-MgGraphRequest and Invoke-RestMethod return and admins save as is,
 * `{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}`; also Windows PowerShell 5.1's
 * `{"value": [...], "Count": n}`. Recognised when `value` is an array and every other member is an
 * annotation (`@odata.*`, `@microsoft.graph.tips` ...) or `Count`; null for anything else (a user object, broken JSON: the
 * ordinary path reports those).
 */
function odataEnvelope(s: string, start: number): { valueStart: number; end: number; nextLink: boolean } | null {
  let i = skipWs(s, start + 1);
  let valueStart = -1;
  let nextLink = false;
  if (s[i] === '}') return null;
  for (;;) {
    if (s[i] !== '"') return null;
    const keyEnd = stringEnd(s, i);
    if (keyEnd === -1) return null;
    let key: string;
    try {
      key = (JSON.parse(s.slice(i, keyEnd + 1)) as string).toLowerCase();
    } catch {
      return null;
    }
    i = skipWs(s, keyEnd + 1);
    if (s[i] !== ':') return null;
    i = skipWs(s, i + 1);
    const valueAt = i;
    const c = s[i];
    if (c === '{' || c === '[') {
      const e = objectEnd(s, i);
      if (e === -1) return null;
      i = e + 1;
    } else if (c === '"') {
      const e = stringEnd(s, i);
      if (e === -1) return null;
      i = e + 1;
    } else {
      while (i < s.length && !',}] \t\r\n'.includes(s[i]!)) i++;
    }
    if (key === 'value') {
      if (c !== '[') return null;
      valueStart = valueAt;
    } else if (key.includes('@')) {
      // Annotations: @odata.context, @odata.count, @microsoft.graph.tips, value@odata.type ...
      if (key === '@odata.nextlink' && c === '"') nextLink = true;
    } else if (key !== 'count') {
      return null;
    }
    i = skipWs(s, i);
    if (s[i] === ',') {
      i = skipWs(s, i + 1);
      continue;
    }
    if (s[i] === '}') return valueStart === -1 ? null : { valueStart, end: i, nextLink };
    return null;
  }
}

/** Where the string starting at `start` (a `"`) ends: the index of its closing quote, or -1. */
function stringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d === 0x5c) i++;
    else if (d === 0x22) return i;
  }
  return -1;
}

/** Parses decoded JSON text (BOM removed) into records with the line each object starts on. */
export function parseJson(name: string, text: string): ParsedRecords {
  const records: RawRecord[] = [];
  const columns = new Map<string, string>();
  // Lines are counted incrementally: positions only move forward.
  let linePos = 0;
  let line = 1;
  const lineAt = (pos: number): number => {
    for (let i = text.indexOf('\n', linePos); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
    linePos = pos;
    return line;
  };

  let i = skipWs(text, 0);
  if (i >= text.length) return { records, columns, emptyBecause: 'it is empty' };
  const arrayMode = text[i] === '[';
  const mode = arrayMode ? 'single' : 'sequence';
  const fail = (): never => {
    const problem = new Validator(text).run(0, mode);
    if (problem) throw syntaxError(name, text, problem);
    // The scanner and the validator disagree; should not happen, but still name a place.
    throw new InputError('broken JSON', name, lineAt(i));
  };

  if (!arrayMode && text[i] !== '{') {
    if (describeValueStart(text, i) === null) fail();
    throw new InputError(
      'the file is JSON but holds neither an array of objects nor objects (one per line)',
      name,
      lineAt(i),
      'Export objects: ... | ConvertTo-Json (an array), or ConvertTo-Json -Compress per object.',
    );
  }

  let item = 0;
  /** The object at i (a `{`) as one record; leaves i after it. */
  const takeObject = (): void => {
    const end = objectEnd(text, i);
    if (end === -1) fail();
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(text.slice(i, end + 1)) as Record<string, unknown>;
    } catch {
      fail();
    }
    records.push(toRecord(lineAt(i), obj!, columns));
    item++;
    i = skipWs(text, end + 1);
  };
  const notAnObject = (): never => {
    const kind = describeValueStart(text, i);
    if (kind === null) fail();
    throw new InputError(
      `item ${item + 1} is ${kind}, not an object`,
      name,
      lineAt(i),
      'Every item must be one user object, e.g. {"PrimarySmtpAddress": "...", "ExternalDirectoryObjectId": "..."}.',
    );
  };
  /** The array at i (a `[`) of objects; leaves i after its `]`. Returns false when it is empty. */
  const takeArray = (): boolean => {
    i = skipWs(text, i + 1);
    if (text[i] === ']') {
      i = skipWs(text, i + 1);
      return false;
    }
    for (;;) {
      if (i >= text.length) fail(); // arrays must close
      if (text[i] !== '{') notAnObject();
      takeObject();
      if (text[i] === ',') {
        i = skipWs(text, i + 1);
        continue;
      }
      if (text[i] === ']') {
        i = skipWs(text, i + 1);
        return true;
      }
      fail();
    }
  };

  if (arrayMode) {
    const any = takeArray();
    if (i < text.length) fail();
    return any ? { records, columns } : { records, columns, emptyBecause: 'it holds an empty JSON array' };
  }
  let envelopes = 0;
  let lastPageContinues = false;
  while (i < text.length) {
    if (text[i] !== '{') notAnObject();
    const envelope = odataEnvelope(text, i);
    if (envelope) {
      envelopes++;
      lastPageContinues = envelope.nextLink;
      i = envelope.valueStart;
      takeArray();
      i = skipWs(text, envelope.end + 1);
    } else {
      takeObject();
    }
  }
  const parsed: ParsedRecords = { records, columns };
  if (envelopes > 0 && records.length === 0) parsed.emptyBecause = 'its OData "value" list is empty';
  if (lastPageContinues) {
    parsed.notes = [
      `${name}: holds one page of ${records.length === 1 ? '1 record' : `${records.length} records`} with an @odata.nextLink to the next page: ` +
        `only these ${records.length} are planned. Save every page (follow @odata.nextLink until there is none: Invoke-MgGraphRequest -All, ` +
        'Get-MgUser -All, or Get-EXOMailbox -ResultSize Unlimited) to plan them all.',
    ];
  }
  return parsed;
}

function toRecord(line: number, obj: Record<string, unknown>, columns: Map<string, string>): RawRecord {
  const props = new Map<string, RawProp>();
  for (const [rawName, value] of Object.entries(obj)) {
    const n = rawName.trim();
    const lower = n.toLowerCase();
    // @odata.* are Graph/EXO REST metadata, not user data: leave them out of mapping and messages.
    if (n === '' || lower.startsWith('@odata.') || lower.includes('@odata.')) continue;
    const existing = props.get(lower);
    // Same name in another letter case: the first non-empty value wins.
    if (existing && !(existing.value === null || existing.value === '')) continue;
    props.set(lower, { name: n, value });
    if (!columns.has(lower)) columns.set(lower, n);
  }
  return { line, props };
}
