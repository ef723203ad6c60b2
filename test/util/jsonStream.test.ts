import { expect } from 'chai';
import fc from 'fast-check';
import { findProblem, JsonStreamError, JsonStreamSplitter, type JsonPosition, type JsonStreamOptions } from '../../src/util/jsonStream.js';

type Event =
  | ['value', unknown, JsonPosition]
  | ['objectStart']
  | ['member', string, unknown]
  | ['objectEnd']
  | ['arrayStart', string | undefined]
  | ['item', unknown, JsonPosition]
  | ['arrayEnd', string | undefined];

/** Runs the chunks through a splitter and logs what it emits. */
function run(chunks: Array<Uint8Array | string>, options: JsonStreamOptions = {}): Event[] {
  const events: Event[] = [];
  const s = new JsonStreamSplitter(
    {
      value: (v, at) => events.push(['value', v, at]),
      objectStart: () => events.push(['objectStart']),
      member: (k, v) => events.push(['member', k, v]),
      objectEnd: () => events.push(['objectEnd']),
      arrayStart: (k) => events.push(['arrayStart', k]),
      item: (v, at) => events.push(['item', v, at]),
      arrayEnd: (k) => events.push(['arrayEnd', k]),
    },
    options,
  );
  for (const c of chunks) s.write(c);
  s.end();
  return events;
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The top-level values the events describe, put back together (to compare with JSON.parse). */
function reassemble(events: Event[]): unknown[] {
  const out: unknown[] = [];
  let obj: Record<string, unknown> | undefined;
  let arr: unknown[] | undefined;
  for (const e of events) {
    switch (e[0]) {
      case 'value':
        out.push(e[1]);
        break;
      case 'objectStart':
        obj = {};
        break;
      case 'member':
        setOwn(obj!, e[1], e[2]);
        break;
      case 'objectEnd':
        out.push(obj);
        obj = undefined;
        break;
      case 'arrayStart':
        arr = [];
        break;
      case 'item':
        arr!.push(e[1]);
        break;
      case 'arrayEnd':
        if (obj) setOwn(obj, e[1]!, arr);
        else out.push(arr);
        arr = undefined;
        break;
    }
  }
  return out;
}

/** The bytes cut at the given positions. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((p) => Math.max(0, Math.min(bytes.length, p))))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(prev, p));
    prev = p;
  }
  return parts;
}

function errorOf(fn: () => unknown): JsonStreamError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JsonStreamError) return err;
    throw err;
  }
  throw new Error('expected a JsonStreamError');
}

const LIST = {
  totalResults: 3,
  Resources: [
    { id: 'a1', userName: 'zoë@example.nl', name: { formatted: 'Zoë "Z" Müller 😀' }, active: true, aliases: ['x@example.nl'] },
    { id: 'a2', userName: 'b\\s@example.nl', note: 'tab\there, quote \" and \\\\ and \u0001 \ud83d\ude00 \u00e9', n: -12.5e-3 },
    { id: 'a3', userName: 'c@example.nl', deep: [[[{ x: [null, true, false] }]]], empty: {}, none: [] },
  ],
  itemsPerPage: 3,
};
const LIST_TEXT = JSON.stringify(LIST);
const streamResources = { streamMember: (k: string) => k === 'Resources' };

describe('util/jsonStream', () => {
  describe('a SCIM ListResponse, streamed', () => {
    it('yields each resource as an item and the other members as members', () => {
      const events = run([LIST_TEXT], streamResources);
      expect(events.map((e) => e[0])).to.deep.equal(['objectStart', 'member', 'arrayStart', 'item', 'item', 'item', 'arrayEnd', 'member', 'objectEnd']);
      expect(reassemble(events)).to.deep.equal([LIST]);
      const items = events.filter((e) => e[0] === 'item');
      expect(items.map((e) => (e[2] as JsonPosition).line)).to.deep.equal([1, 1, 1]);
      // Columns count UTF-16 code units, as an editor does.
      expect((items[1]![2] as JsonPosition).column).to.equal(LIST_TEXT.indexOf('{"id":"a2"') + 1);
    });

    it('gives the same events whatever byte the input is cut at (two chunks, every position)', () => {
      const bytes = Buffer.from(LIST_TEXT, 'utf8');
      const whole = run([bytes], streamResources);
      for (let p = 0; p <= bytes.length; p++) {
        expect(run(cut(bytes, [p]), streamResources), `cut at ${p}`).to.deep.equal(whole);
      }
    });

    it('gives the same events when every byte is a chunk of its own', () => {
      const bytes = Buffer.from(LIST_TEXT, 'utf8');
      const whole = run([bytes], streamResources);
      expect(run(cut(bytes, [...bytes.keys()]), streamResources)).to.deep.equal(whole);
    });

    it('reads totalResults whether it comes before or after the resources', () => {
      const after = JSON.stringify({ Resources: [{ id: '1' }], totalResults: 1 });
      expect(reassemble(run([after], streamResources))).to.deep.equal([{ Resources: [{ id: '1' }], totalResults: 1 }]);
    });

    it('keeps a member it is not asked to stream whole, even an array', () => {
      const text = JSON.stringify({ schemas: ['urn:x'], Resources: [] });
      expect(run([text], streamResources)).to.deep.equal([
        ['objectStart'],
        ['member', 'schemas', ['urn:x']],
        ['arrayStart', 'Resources'],
        ['arrayEnd', 'Resources'],
        ['objectEnd'],
      ]);
    });

    it('a streamed member that is not an array is an ordinary member', () => {
      expect(run(['{"Resources":null}'], streamResources)).to.deep.equal([['objectStart'], ['member', 'Resources', null], ['objectEnd']]);
    });
  });

  describe('text and characters', () => {
    it('decodes \\u escapes and surrogate pairs cut anywhere, as bytes and as text', () => {
      const text = '["\\u00e9\\ud83d\\ude00", "Zoë 😀 漢字", "\\\\\\"\\\\", "\\/\\b\\f\\n\\r\\t"]';
      const expected = [JSON.parse(text)];
      const bytes = Buffer.from(text, 'utf8');
      for (let p = 0; p <= bytes.length; p++) {
        for (const q of [p + 1, p + 2, p + 3]) {
          expect(reassemble(run(cut(bytes, [p, q]))), `bytes cut at ${p}, ${q}`).to.deep.equal(expected);
        }
      }
      // Text chunks: a surrogate pair may be cut between its halves.
      for (let p = 0; p <= text.length; p++) {
        expect(reassemble(run([text.slice(0, p), text.slice(p)])), `text cut at ${p}`).to.deep.equal(expected);
      }
    });

    it('a backslash ending a chunk escapes the first byte of the next', () => {
      const text = '["a\\\\", "b\\"c", "\\\\\\\\"]';
      const bytes = Buffer.from(text, 'utf8');
      for (let p = 0; p <= bytes.length; p++) {
        expect(reassemble(run(cut(bytes, [p])))).to.deep.equal([JSON.parse(text)]);
      }
    });

    it('collects a string of several megabytes across many chunks', () => {
      const big = 'x'.repeat(3_000_000) + 'é"\\' + 'y'.repeat(1_000_000);
      const text = JSON.stringify({ Resources: [{ id: '1', big }, { id: '2' }] });
      const bytes = Buffer.from(text, 'utf8');
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
      const items = run(chunks, streamResources).filter((e) => e[0] === 'item');
      expect(items).to.have.length(2);
      expect((items[0]![1] as { big: string }).big).to.equal(big);
    });

    it('drops a UTF-8 byte-order mark, even one cut between chunks', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1,2]')]);
      for (let p = 0; p <= 4; p++) expect(reassemble(run(cut(bytes, [p])))).to.deep.equal([[1, 2]]);
      // Something that only starts like a BOM is content (and here not JSON).
      expect(() => run([Buffer.from([0xef, 0xbb])])).to.throw(JsonStreamError);
    });

    it('replaces bytes that are not UTF-8, or refuses them with fatalUtf8', () => {
      const bytes = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff]), Buffer.from('b"]')]);
      expect(reassemble(run([bytes]))).to.deep.equal([['a\ufffdb']]);
      const err = errorOf(() => run([bytes], { fatalUtf8: true }));
      expect(err.reason).to.match(/not valid UTF-8/);
      expect(err.position.column).to.equal(2);
    });
  });

  describe('sequences (JSON lines)', () => {
    it('yields each top-level value with the line it starts on', () => {
      const text = '{"a":1}\n{"b":\n  2}\r\n\n[3, 4]\n"s" 5 true null\n';
      const events = run([text], { top: 'sequence' });
      expect(reassemble(events)).to.deep.equal([{ a: 1 }, { b: 2 }, [3, 4], 's', 5, true, null]);
      const lines = events.filter((e) => e[0] === 'value' || e[0] === 'item').map((e) => (e[2] as JsonPosition).line);
      expect(lines).to.deep.equal([1, 2, 5, 5, 6, 6, 6, 6]);
    });

    it('an empty sequence is no values, not an error', () => {
      expect(run(['  \n\n'], { top: 'sequence' })).to.deep.equal([]);
    });

    it('an empty single document is an error', () => {
      expect(errorOf(() => run(['  \n'])).reason).to.equal('the input holds no JSON value');
    });
  });

  describe('nesting limits', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    it('accepts nesting up to maxDepth and refuses one more, naming the line and column', () => {
      expect(() => run([nested(512)])).not.to.throw();
      const err = errorOf(() => run([nested(513)]));
      expect(err.reason).to.equal('nested more than 512 levels deep');
      expect(err.position).to.include({ line: 1, column: 513 });
    });

    it('counts the containers around a streamed item', () => {
      const item = (d: number) => `{"Resources":[${nested(d)}]}`;
      expect(() => run([item(510)], { ...streamResources, maxDepth: 512 })).not.to.throw();
      expect(errorOf(() => run([item(511)], { ...streamResources, maxDepth: 512 })).reason).to.match(/nested more than 512/);
    });

    it('refuses a million levels at once, without running out of stack', () => {
      const err = errorOf(() => run(['{"a":' + '['.repeat(1_000_000)]));
      expect(err.reason).to.match(/nested more than 512/);
    });

    it('refuses a value larger than maxValueBytes', () => {
      const err = errorOf(() => run(['["', 'x'.repeat(100), '"]'], { maxValueBytes: 50 }));
      expect(err.reason).to.match(/larger than 50 bytes/);
    });
  });

  describe('malformed input: one clear error with line and column', () => {
    const cases: Array<[string, string, JsonStreamOptions, RegExp, number, number]> = [
      ['truncated inside an item', '{"Resources":[{"id":"1"},{"id":', streamResources, /unexpected end of input where a value was expected/, 1, 32],
      ['truncated between items', '{"Resources":[{"id":"1"},', streamResources, /unexpected end of input inside an array \(missing \]\)/, 1, 26],
      ['an unclosed string', '[\n"abc', {}, /string is never closed/, 2, 1],
      ['an unclosed string at a line break', '[\n"abc\n', {}, /string runs past the end of its line/, 2, 5],
      ['a trailing comma in the array', '{"Resources":[1,]}', streamResources, /trailing comma before '\]'/, 1, 16],
      ['a trailing comma in the object', '{"a":1,}', streamResources, /trailing comma before '}'/, 1, 7],
      ['a missing colon', '{"a" 1}', streamResources, /expected ':'/, 1, 6],
      ['a missing comma between items', '{"Resources":[{} {}]}', streamResources, /expected ',' or '\]' after an array item/, 1, 18],
      ['single quotes', "{'a':1}", streamResources, /expected a property name in double quotes/, 1, 2],
      ['a bare word', '[nope]', {}, /unexpected character "n" where a value was expected/, 1, 2],
      ['a mismatched bracket inside an item', '[\n  {"a": [1}\n]', {}, /expected '\]' but found '}'/, 2, 11],
      ['an invalid escape inside an item', '{"Resources":[\n{"id":"a\\x"}]}', streamResources, /invalid escape \\x/, 2, 9],
      ['a raw line break in a string', '["a\nb"]', {}, /runs past the end of its line/, 1, 4],
      ['something after the value', '{"a":1} x', {}, /unexpected character "x" after the end of the JSON value/, 1, 9],
      ['a missing value', '{"a":,"b":2}', streamResources, /unexpected character "," where a value was expected/, 1, 6],
      ['a malformed number', '[01]', {}, /unexpected character "1"|expected ','/, 1, 3],
    ];
    for (const [what, text, options, reason, line, column] of cases) {
      it(what, () => {
        const err = errorOf(() => run([text], options));
        expect(err.reason).to.match(reason);
        expect(err.position, err.message).to.include({ line, column });
        expect(err.message).to.contain(`line ${line}, column ${column}`);
        // The same error wherever the input is cut.
        const bytes = Buffer.from(text, 'utf8');
        for (let p = 0; p <= bytes.length; p++) expect(errorOf(() => run(cut(bytes, [p]), options)).message).to.equal(err.message);
      });
    }
  });

  describe('properties (fast-check), against JSON.parse', () => {
    const chunked = (text: string, cuts: number[]) => cut(Buffer.from(text, 'utf8'), cuts);

    it('any JSON value, printed compact or indented, cut anywhere, reads back as JSON.parse reads it', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.constantFrom(0, 2), fc.array(fc.nat(), { maxLength: 12 }), (value, indent, cuts) => {
          const text = JSON.stringify(value, null, indent);
          const bytes = Buffer.from(text, 'utf8');
          const at = cuts.map((c) => c % (bytes.length + 1));
          expect(reassemble(run(cut(bytes, at)))).to.deep.equal([JSON.parse(text)]);
          expect(reassemble(run(cut(bytes, at), { streamMember: () => true }))).to.deep.equal([JSON.parse(text)]);
        }),
        { numRuns: 300 },
      );
    });

    it('full Unicode strings, including escapes of lone surrogates, cut at every byte', () => {
      // Any code point, lone surrogates (U+D800..U+DFFF) included: JSON.stringify escapes those.
      const anyString = fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 6 }).map((cps) => String.fromCodePoint(...cps));
      fc.assert(
        fc.property(fc.array(anyString, { maxLength: 4 }), (strings) => {
          const text = JSON.stringify(strings);
          const bytes = Buffer.from(text, 'utf8');
          for (let p = 0; p <= bytes.length; p++) expect(reassemble(run(cut(bytes, [p])))).to.deep.equal([JSON.parse(text)]);
        }),
        { numRuns: 150 },
      );
    });

    it('a sequence of values (JSON lines) reads back value by value', () => {
      fc.assert(
        fc.property(fc.array(fc.jsonValue(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (values, cuts) => {
          const text = values.map((v) => JSON.stringify(v)).join('\n');
          const got = reassemble(run(chunked(text, cuts), { top: 'sequence' }));
          // A top-level array comes out as one array of its items.
          expect(got).to.deep.equal(values.map((v) => JSON.parse(JSON.stringify(v))));
        }),
        { numRuns: 200 },
      );
    });

    it('broken JSON: refused exactly when JSON.parse refuses it, with the same value otherwise', () => {
      const mutated = fc
        .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.constantFrom('', ',', ']', '}', '"', ':', '\\', '{', '[', 'x', '1', ' '), fc.boolean())
        .map(([v, pos, insert, del]) => {
          const s = JSON.stringify(v);
          const at = pos % (s.length + 1);
          return s.slice(0, at) + insert + s.slice(del ? at + 1 : at);
        });
      fc.assert(
        fc.property(mutated, fc.array(fc.nat(), { maxLength: 4 }), (text, cuts) => {
          let expected: unknown;
          let refused = false;
          try {
            expected = JSON.parse(text);
          } catch {
            refused = true;
          }
          const bytes = Buffer.from(text, 'utf8');
          const chunks = cut(bytes, cuts.map((c) => c % (bytes.length + 1)));
          if (refused) {
            const err = errorOf(() => run(chunks));
            expect(err.position.line).to.equal(1);
            expect(err.position.column).to.be.within(1, text.length + 1);
          } else {
            expect(reassemble(run(chunks))).to.deep.equal([expected]);
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('findProblem finds a problem in every text JSON.parse refuses', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), (text) => {
          let refused = false;
          try {
            JSON.parse(text);
          } catch {
            refused = true;
          }
          expect(findProblem(text) !== null).to.equal(refused);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
