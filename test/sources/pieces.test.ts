import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseCsv, readCsvRecords } from '../../src/sources/csv.js';
import { decodeInput, decodeInputPieces } from '../../src/util/decode.js';
import { parseInputBuffer, readInput, releaseBytes } from '../../src/sources/index.js';
import type { RawRecord } from '../../src/sources/record.js';
import { expectInputError } from './helpers.js';

/** What reading gives: the records and summary, or the error's text. */
function outcome(read: (onRecord: (rec: RawRecord) => void) => object): unknown {
  const records: unknown[] = [];
  try {
    const summary = read((rec) => records.push({ line: rec.line, props: [...rec.props] }));
    return { records, summary: JSON.stringify(summary, (_k, v: unknown) => (v instanceof Map ? [...v] : v)) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { error: err.toString() };
  }
}

/** `text` cut where `cuts` say (fractions of its length). */
function cut(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const i of at) {
    pieces.push(text.slice(from, i));
    from = i;
  }
  pieces.push(text.slice(from));
  return pieces;
}

// Lines of the kinds admins' files hold, broken ones included.
const lineArb = fc.constantFrom(
  'jan@x.nl,1,Jan',
  '"piet@x.nl","2","Vries, Piet de"',
  '"a@x.nl","multi\r\nline\ncell","3"',
  'b@x.nl,4,Jan "JJ" Jansen',
  '',
  '   ',
  ',,',
  ';;;;',
  'c@x.nl,5',
  'd@x.nl,6,x,y',
  '"e@x.nl","never closed,7',
  '"f@x.nl","say ""hi""",8',
  'g@x.nl;9;G',
  '#not a comment@x.nl,10,H',
  'h@x.nl,11,Zoë 😀 𐀀',
);
const headArb = fc.constantFrom('Mail,Id,Name', '"Mail","Id","Name"', 'Mail;Id;Name', 'Mail,Id,MAIL', '#TYPE x\r\nMail,Id,Name', 'sep=;\nMail;Id;Name', '\n\n#c\nMail,Id,Name,', '');
const eolArb = fc.constantFrom('\n', '\r\n', '\r');

describe('sources/csv: read in pieces', () => {
  it('records, summary and errors do not depend on where the pieces end (property)', () => {
    fc.assert(
      fc.property(headArb, fc.array(fc.tuple(lineArb, eolArb), { maxLength: 12 }), fc.boolean(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (head, lines, lastEol, cuts) => {
        let text = head + (lines.length || lastEol ? '\r\n' : '');
        lines.forEach(([l, eol], i) => (text += l + (i < lines.length - 1 || lastEol ? eol : '')));
        const whole = outcome((on) => readCsvRecords('p.csv', [text], on, { wholeText: () => text }));
        const pieces = outcome((on) => readCsvRecords('p.csv', cut(text, cuts), on, { wholeText: () => text }));
        // One UTF-16 code unit a piece: surrogate pairs split too.
        const single = outcome((on) => readCsvRecords('p.csv', text.split(''), on, { wholeText: () => text }));
        expect(pieces).to.deep.equal(whole);
        expect(single).to.deep.equal(whole);
      }),
      { numRuns: 400 },
    );
  });

  it('values are what csv-parse reads from the whole text (property)', () => {
    const cellArb = fc.oneof(fc.stringMatching(/^[a-z@. ]{0,8}$/), fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => `"${s.replace(/"/g, '""')}"`));
    fc.assert(
      fc.property(fc.array(fc.array(cellArb, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 10 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (rows, cuts) => {
        const text = ['A,B,C', ...rows.map((r) => r.join(','))].join('\n') + '\n';
        const expected = (parse(text.replace(/\r\n?/g, '\n'), { relax_quotes: true, relax_column_count: true, skip_empty_lines: true }) as string[][])
          .slice(1)
          .filter((r) => !r.every((v) => /^\s*$/.test(v)));
        const got: string[][] = [];
        readCsvRecords('v.csv', cut(text, cuts), (rec) => got.push(['a', 'b', 'c'].map((k) => String(rec.props.get(k)?.value))));
        expect(got).to.deep.equal(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('a piece that ends inside a surrogate pair or a CRLF loses nothing', () => {
    const text = 'A,B,C\r\n"𐀀😀",x,y\r\nz,"q\r\nr",w\r\n';
    const got: string[][] = [];
    readCsvRecords('s.csv', text.split(''), (rec) => got.push(['a', 'b', 'c'].map((k) => String(rec.props.get(k)?.value))));
    expect(got).to.deep.equal([
      ['𐀀😀', 'x', 'y'],
      ['z', 'q\nr', 'w'],
    ]);
  });

  it('a quote never closed is reported even after a row with the wrong number of fields (the whole file is checked first)', () => {
    const text = 'Mail,Id\na@x.nl,1,2,3\nb@x.nl,2\nc@x.nl,"open\nd@x.nl,4\n';
    for (const pieces of [[text], [...text]]) {
      expectInputError(() => readCsvRecords('q.csv', pieces, () => undefined, { wholeText: () => text }), 'q.csv', 4, 'starting at line 4 is never closed');
    }
  });

  it('what the receiver of the records throws comes after every CSV check', () => {
    const text = 'Mail,Id\na@x.nl,1\nb@x.nl,2,3\n';
    const receiver = () => {
      throw new InputError('receiver', 'r.csv', 2);
    };
    expectInputError(() => readCsvRecords('r.csv', [...text], receiver), 'r.csv', 3, 'has 3 fields');
    expectInputError(() => readCsvRecords('r.csv', ['Mail,Id\na@x.nl,1\n'], receiver), 'r.csv', 2, 'receiver');
  });

  it('parseCsv is the same reader over one piece', () => {
    const text = 'sep=;\r\nMail;Id\r\n\r\njan@x.nl;1\r\n';
    expect(parseCsv('s.csv', text)).to.deep.equal({ ...(() => {
      const records: RawRecord[] = [];
      const { count: _c, ...summary } = readCsvRecords('s.csv', [...text], (r) => records.push(r));
      return { records, ...summary };
    })() });
  });
});

describe('sources/decode: text in pieces', () => {
  const samples: [string, Buffer][] = [
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Mail,Naam\r\nzoë@x.nl,Zoë Müller 😀 ✓\r\n', 'utf8')])],
    ['UTF-8', Buffer.from('Mail\nł€😀@x.nl\n', 'utf8')],
    ['UTF-16 LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('"Mail"\r\n"zoë😀@x.nl"\r\n', 'utf16le')])],
    ['UTF-16 LE without BOM', Buffer.from('Mail\r\nzoë😀@x.nl\r\n', 'utf16le')],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Mail\nzoë😀@x.nl\n', 'utf16le').swap16()])],
  ];
  for (const [what, bytes] of samples) {
    it(`${what}: the pieces are the decoded text, wherever a piece ends`, () => {
      const text = decodeInput('d.csv', bytes).text;
      for (let size = 1; size <= 9; size++) expect([...decodeInputPieces('d.csv', bytes, size)].join('')).to.equal(text);
    });
  }

  it('an undecodable byte throws what decoding whole throws, when its piece is reached', () => {
    const bytes = Buffer.concat([Buffer.from('Mail\njan@x.nl\npiet@x.nl\n', 'utf8'), Buffer.from([0x80]), Buffer.from('\n')]);
    let whole: unknown;
    try {
      decodeInput('a.csv', bytes);
    } catch (err) {
      whole = err;
    }
    expect(whole).to.be.instanceOf(InputError);
    const got: string[] = [];
    expect(() => {
      for (const p of decodeInputPieces('a.csv', bytes, 4)) got.push(p);
    }).to.throw(InputError, (whole as InputError).message);
    expect(got.join('')).to.equal('Mail\njan@x.nl\npiet@x.nl\n');
  });
});

describe('sources: a CSV larger than a piece', () => {
  const row = (i: number) => `"user${i}@x.nl","${i === 7000 ? 'two\r\nlines' : `User ${i}, Ünïcode`}","3f2504e0-4f89-11d3-9a0c-${String(i).padStart(12, '0')}","UserMailbox"`;
  const rows = 30_000;
  const text = '#TYPE Selected.Mailbox\r\n"PrimarySmtpAddress","DisplayName","ExternalDirectoryObjectId","RecipientTypeDetails"\r\n' + Array.from({ length: rows }, (_, i) => row(i)).join('\r\n') + '\r\n';
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

  it('is read in pieces with every line number and value in place', () => {
    expect(bytes.length).to.be.greaterThan(2.5 * 1024 * 1024);
    const r = parseInputBuffer('big.csv', bytes, { format: 'auto', keySource: { kind: 'objectId' } });
    expect(r.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(r.users).to.have.length(rows);
    // Line 1 is #TYPE, line 2 the header; the row after the two-line cell starts a line later.
    r.users.forEach((u, i) => expect(u.line).to.equal(i + 3 + (i > 7000 ? 1 : 0)));
    expect(r.users[7000]!.displayName).to.equal('two\nlines');
    expect(r.users[29_999]).to.deep.include({ primaryEmail: 'user29999@x.nl', displayName: 'User 29999, Ünïcode', objectId: '3f2504e0-4f89-11d3-9a0c-000000029999' });
  });

  it('an undecodable byte at the end wins over a broken row near the start, as when the file was decoded whole', () => {
    const broken = Buffer.concat([Buffer.from('PrimarySmtpAddress,Id\r\na@x.nl,1,2,3\r\n' + text.slice(text.indexOf('"user0')), 'utf8'), Buffer.from([0xff])]);
    expectInputError(() => parseInputBuffer('bad.csv', broken, { format: 'auto' }), 'bad.csv', rows + 4, 'not valid UTF-8');
  });

  it('a quote never closed at the end wins over a broken row near the start', () => {
    const broken = Buffer.from('PrimarySmtpAddress,Id\r\na@x.nl,1,2,3\r\n' + text.slice(text.indexOf('"user0')) + '"z@x.nl","open\r\n', 'utf8');
    expectInputError(() => parseInputBuffer('open.csv', broken, { format: 'auto' }), 'open.csv', rows + 4, 'never closed');
  });
});

describe('sources: the input is released once read', () => {
  it('a large buffer that owns its memory is detached; a small or shared one is left alone', () => {
    const large = Buffer.alloc(2 * 1024 * 1024, 0x61);
    releaseBytes(large);
    expect(large.length).to.equal(0);
    expect(large.buffer.byteLength).to.equal(0);
    const small = Buffer.from('PrimarySmtpAddress\njan@x.nl\n');
    releaseBytes(small);
    expect(small.toString()).to.equal('PrimarySmtpAddress\njan@x.nl\n');
    const whole = Buffer.alloc(3 * 1024 * 1024, 0x62);
    const part = whole.subarray(1024);
    releaseBytes(part);
    expect(part.length).to.equal(3 * 1024 * 1024 - 1024);
    expect(whole[0]).to.equal(0x62);
  });

  it('readInput gives back what it read, and the users read from it keep their values', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'zk-release-'));
    try {
      const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ PrimarySmtpAddress: `user${i}@x.nl`, ExternalDirectoryObjectId: `3f2504e0-4f89-11d3-9a0c-${String(i).padStart(12, '0')}` }));
      await writeFile(path.join(dir, 'm.jsonl'), lines.join('\n') + '\n');
      await writeFile(path.join(dir, 'm.csv'), 'PrimarySmtpAddress,ExternalDirectoryObjectId\r\n' + lines.map((l) => Object.values(JSON.parse(l) as object).join(',')).join('\r\n') + '\r\n');
      for (const f of ['m.jsonl', 'm.csv']) {
        const r = await readInput(f, { format: 'auto', cwd: dir, keySource: { kind: 'objectId' } });
        expect(r.users).to.have.length(20_000);
        expect(r.users[19_999]).to.deep.include({ primaryEmail: 'user19999@x.nl', objectId: '3f2504e0-4f89-11d3-9a0c-000000019999', line: f === 'm.csv' ? 20_001 : 20_000 });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sources/json: a property named twice is found however it is written', () => {
  const cases: [string, string][] = [
    ['the same name', '{"Mail":"a@x.nl","Id":"1","Mail":"b@x.nl"}'],
    ['another letter case', '{"Mail":"a@x.nl","Id":"1","MAIL":"b@x.nl"}'],
    ['spaces around it', '{" Mail":"a@x.nl","Id":"1","Mail ":"b@x.nl"}'],
    ['an escape that reads as the same name', '{"Mail":"a@x.nl","Id":"1","\\u004dail":"b@x.nl"}'],
    ['after a nested object with the same names inside', '{"x":{"Mail":1,"Mail":2},"Mail":"a@x.nl","mail":"b@x.nl"}'],
  ];
  for (const [what, line] of cases) {
    it(`${what}: refused`, () => {
      expectInputError(() => parseInputBuffer('d.jsonl', Buffer.from(`{"Mail":"z@x.nl"}\n${line}\n`), { format: 'auto' }), 'd.jsonl', 2, 'appears twice');
    });
  }
  it('names only alike inside nested values, in strings or as @odata annotations are no duplicates', () => {
    const r = parseInputBuffer(
      'ok.jsonl',
      Buffer.from('{"Mail":"a@x.nl","x":{"Mail":1,"mail":2},"Note":"\\"Mail\\": b","@odata.type":"u","@odata.type":"v"}\n'),
      { format: 'auto' },
    );
    expect(r.users.map((u) => u.primaryEmail)).to.deep.equal(['a@x.nl']);
  });
});
