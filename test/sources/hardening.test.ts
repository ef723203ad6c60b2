/**
 * Input that must not crash, hang or mislead the readers: deep nesting, names written twice,
 * JSON that holds no objects, invisible characters in addresses, huge names echoed back, a
 * million rows, and plan CSVs whose cells were neutralised against Excel formulas.
 */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { rawKeyProblem } from '../../src/core/keys.js';
import { escapeControls, safeMessage, shown } from '../../src/core/shown.js';
import { renderTable } from '../../src/cli/render.js';
import { parseCsv } from '../../src/sources/csv.js';
import { neutralizeFormula, restoreFormula } from '../../src/store/csvCell.js';
import { parsePlanText } from '../../src/store/planRead.js';
import { planCsvPieces, planJsonlPieces, planJsonPieces, planRowsToCsv } from '../../src/store/planWrite.js';
import { progressChart } from '../../src/report/charts.js';
import { planDoc, setRow } from '../store/fixtures.js';
import { planRowContext } from '../../src/core/planDocument.js';
import { expectInputError, parseText } from './helpers.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('sources: hardened reading', () => {
  describe('nesting', () => {
    it('a value nested 10,000 deep inside a field is refused with its line, not a stack overflow', () => {
      const deep = '['.repeat(10_000) + ']'.repeat(10_000);
      const text = `[\n{"Mail":"a@x.nl","Id":"${ID}"},\n{"Mail":"b@x.nl","Id":"${ID}","X":${deep}}\n]`;
      expectInputError(() => parseText(text, { name: 'd.json' }), 'd.json', 3, 'nested more than 512 levels deep');
    });

    it('a JSON-lines line nested deeply is refused on that line', () => {
      const deep = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
      const text = `{"Mail":"a@x.nl","Id":"${ID}"}\n{"Mail":"b@x.nl","Id":"${ID}","X":${deep}}\n`;
      expectInputError(() => parseText(text, { name: 'd.jsonl' }), 'd.jsonl', 2, 'nested more than 512 levels deep');
    });

    it('a plan nested deeply is refused (exit 2), as JSON and as JSON lines', () => {
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      for (const text of [`{"kind":"zivver-keyplan","formatVersion":1,"rows":${deep}}`, `{"action":"skipped","warnings":${deep}}\n`]) {
        expect(() => parsePlanText(text, 'p.json')).to.throw(/nested more than 512 levels deep at line 1/);
      }
    });
  });

  describe('a property named twice', () => {
    it('in another letter case with another value: exit 2 naming file, line and property', () => {
      const text = `[\n  {\n    "PrimarySmtpAddress": "a@x.nl",\n    "Id": "${ID}",\n    "primarySmtpAddress": "b@x.nl"\n  }\n]`;
      const err = expectInputError(() => parseText(text, { name: 'dup.json' }), 'dup.json', 5, 'property "primarySmtpAddress" appears twice');
      expect(err.message).to.contain('also as "PrimarySmtpAddress"').and.contain('first at line 3');
    });

    it('with the same spelling and another value (which JSON.parse resolves silently to the last)', () => {
      const text = `{"Mail":"a@x.nl","Id":"${ID}"}\n{"Mail":"b@x.nl","Id":"${ID}","Mail":"c@x.nl"}\n`;
      expectInputError(() => parseText(text, { name: 'dup.jsonl' }), 'dup.jsonl', 2, 'property "Mail" appears twice in one object, with different values');
    });

    it('with equal values, or where one says nothing, it is read as before', () => {
      const same = parseText(`[{"Mail":"a@x.nl","MAIL":"a@x.nl","Id":"${ID}","Nested":{"x":1,"x":2}}]`, { name: 's.json' });
      expect(same.users[0]!.primaryEmail).to.equal('a@x.nl');
      const blank = parseText(`[{"Mail":null,"mail":"b@x.nl","Id":"${ID}"}]`, { name: 'b.json' });
      expect(blank.users[0]!.primaryEmail).to.equal('b@x.nl');
    });
  });

  describe('JSON that holds no objects is named for what it is', () => {
    for (const [text, what] of [
      ['null', 'JSON null'],
      ['true', 'a boolean (JSON)'],
      ['42', 'a number (JSON)'],
      ['"a@x.nl"', 'a string (JSON)'],
    ] as const) {
      it(`${text} in a .json file`, () => {
        expectInputError(() => parseText(`${text}\n`, { name: 'v.json' }), 'v.json', 1, `the file holds ${what}, not user objects`);
      });
    }
    it('and as a plan', () => {
      expect(() => parsePlanText('null\n', 'p.json')).to.throw(/the plan holds null \(JSON\)/);
      expect(() => parsePlanText('12', 'p.json')).to.throw(/the plan holds a number \(JSON\)/);
    });
  });

  describe('invisible and control characters in addresses', () => {
    for (const [label, ch, code] of [
      ['a NUL', '\u0000', 'U+0000'],
      ['a right-to-left override', '\u202E', 'U+202E'],
      ['a zero-width space', '\u200B', 'U+200B'],
    ] as const) {
      it(`${label} is a warning on the row, shown escaped`, () => {
        const text = `PrimarySmtpAddress,ExternalDirectoryObjectId\nok@x.nl,${ID}\nja${ch}n@x.nl,${ID.replace('7c', '8c')}\n`;
        const r = parseText(text, { name: 'i.csv' });
        expect(r.users[0]!.warnings).to.deep.equal([]);
        const w = r.users[1]!.warnings.join('\n');
        expect(w).to.contain(code).and.contain(escapeControls(ch));
        expect(w).to.not.contain(ch);
        expect(r.warnings.join('\n')).to.match(/i\.csv: 1 record \(first at line 3\): address "ja.*n@x\.nl" contains an invisible or control character/);
      });
    }
  });

  describe('echoes', () => {
    it('a 1 MB column name comes back cut, not as a 1 MB message', () => {
      const big = 'C'.repeat(1024 * 1024);
      const err = expectInputError(() => parseText(`${big},Other\nx,y\n`, { name: 'big.csv' }), 'big.csv', 1, 'no address column');
      expect(err.toString().length).to.be.below(3000);
      expect(err.message).to.contain('(1048576 characters)');
      const dup = expectInputError(() => parseText(`Mail,${big},${big}\na,b,c\n`, { name: 'dup.csv' }), 'dup.csv', 1, 'appears twice in the header');
      expect(dup.toString().length).to.be.below(3000);
    });

    it('a control byte in --key-source column: is escaped', () => {
      const err = expectInputError(
        () => parseText(`Mail,Id\na@x.nl,${ID}\n`, { name: 'k.csv', keySource: { kind: 'column', column: 'Emp\u001b[31mId' } }),
        'k.csv',
        1,
      );
      expect(err.message).to.contain('Emp\\x1B[31mId').and.not.contain('\u001b');
    });

    it('shown() escapes and cuts; safeMessage keeps line breaks and escapes the rest', () => {
      expect(shown('a\u0007b\u200Bc')).to.equal('a\\x07b\\u{200B}c');
      expect(shown('x'.repeat(300))).to.equal('x'.repeat(200) + '… (300 characters)');
      expect(safeMessage('line one\n  hint \u001b[2J')).to.equal('line one\n  hint \\x1B[2J');
      expect(safeMessage('y'.repeat(10_000)).length).to.be.below(4100);
    });
  });

  describe('size', () => {
    it('renders a table of 1,000,000 rows (no spread of rows into arguments)', function () {
      this.timeout(120_000);
      const rows = Array.from({ length: 1_000_000 }, (_, i) => i);
      const out = renderTable(rows, [
        { header: 'N', value: (r) => String(r) },
        { header: 'Email', value: (r) => `user${r}@org.nl`, max: 40 },
      ]);
      expect(out.split('\n')).to.have.length(1_000_003);
    });

    it('reads a CSV of 200,000 rows (past the 125,000 where the stack overflowed)', function () {
      this.timeout(120_000);
      const lines = ['PrimarySmtpAddress,ExternalDirectoryObjectId'];
      for (let i = 0; i < 200_000; i++) lines.push(`u${i}@org.nl,${ID}`);
      const parsed = parseCsv('big.csv', lines.join('\n'));
      expect(parsed.records).to.have.length(200_000);
      expect(parsed.records.at(-1)!.line).to.equal(200_001);
    });
  });

  describe('1,000,000 rows: mapping, stringifying and charts loop, nothing recurses or spreads', () => {
    // Not timed (speed is for npm run bench): each used to end in "Maximum call stack size exceeded".
    const N = 1_000_000;

    it('maps a CSV of 1,000,000 rows to users', function () {
      this.timeout(300_000);
      const lines = ['PrimarySmtpAddress,ExternalDirectoryObjectId'];
      for (let i = 0; i < N; i++) lines.push(`u${i}@org.nl,${ID}`);
      const r = parseText(lines.join('\n'), { name: 'million.csv' });
      expect(r.users).to.have.length(N);
      expect(r.users[N - 1]!.primaryEmail).to.equal(`u${N - 1}@org.nl`);
      expect(r.users[N - 1]!.line).to.equal(N + 1);
    });

    it('writes a plan of 1,000,000 rows as CSV, JSON lines and one JSON document', function () {
      this.timeout(300_000);
      const row = setRow(7);
      const rows = Array.from({ length: N }, () => row);
      const plan = { ...planDoc([]), rows };
      const count = (pieces: Iterable<string>, pattern: RegExp) => {
        let n = 0;
        for (const piece of pieces) n += piece.match(pattern)?.length ?? 0;
        return n;
      };
      expect(count(planCsvPieces(rows, { delimiter: ',', bom: false, context: planRowContext(plan) }), /\r\n/g)).to.equal(N + 1);
      expect(count(planJsonlPieces(rows, planRowContext(plan)), /\n/g)).to.equal(N);
      expect(count(planJsonPieces(plan), /"action": "set"/g)).to.equal(N);
    });

    it("the results page's progress chart takes 1,000,000 rows without a start time", () => {
      const rows = Array.from({ length: N }, (_, i) => ({ status: i % 10 ? 'updated' : 'failed', at: 1_000_000 + i }));
      const chart = progressChart(rows, [{ status: 'updated', color: '#080' }, { status: 'failed', color: '#800' }], NaN, 'run');
      expect(chart.lines.map((l) => l.total)).to.deep.equal([900_000, 100_000]);
    });
  });

  describe('formula text in CSVs', () => {
    it('neutralising is undone exactly by reading (any text)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (v) => {
          const cell = neutralizeFormula(v);
          expect(/^[=+\-@\t\r]/.test(cell)).to.equal(false);
          expect(restoreFormula(cell)).to.equal(v);
        }),
        { seed: 16, numRuns: 500 },
      );
      expect(neutralizeFormula('=1+1')).to.equal("'=1+1");
      expect(neutralizeFormula("'=x")).to.equal("''=x");
      expect(restoreFormula("'abc")).to.equal("'abc");
    });

    it('a plan CSV with keys that start like formulas is read back to the same keys (any delimiter)', () => {
      const keyArb = fc
        .tuple(fc.constantFrom('=', '+', '-', '@', "'=", "''+", 'a', '1'), fc.string({ minLength: 1, maxLength: 30 }))
        .map(([head, tail]) => head + tail)
        .filter((k) => rawKeyProblem(k) === null && k === k.trim());
      fc.assert(
        fc.property(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 8 }), fc.constantFrom(',', ';', '\t'), (keys, delimiter) => {
          const rows = keys.map((k, i) => setRow(i, { newKey: k, email: `=cmd|' /C calc'!A0${i}@x.nl` }));
          const csv = planRowsToCsv(rows, { delimiter, bom: false, context: planRowContext(planDoc(rows)) });
          for (const cell of (parse(csv, { delimiter }) as string[][]).flat()) expect(cell).to.not.match(/^[=+\-@\t\r]/);
          const read = parsePlanText(csv, 'p.csv');
          expect(read.plan.rows.map((r) => r.newKey)).to.deep.equal(keys);
          expect(read.plan.rows.map((r) => r.email)).to.deep.equal(rows.map((r) => r.email));
        }),
        { seed: 1616, numRuns: 300 },
      );
    });

    it('rows of a neutralised plan CSV piped as JSON (Import-Csv in the module) are read back too', () => {
      const row = setRow(1, { newKey: '=HYPERLINK("x")' });
      const piped = { ...row, newKey: neutralizeFormula(row.newKey), line: String(row.line) };
      const read = parsePlanText(JSON.stringify(piped) + '\n', 'stdin');
      expect(read.plan.rows[0]!.newKey).to.equal('=HYPERLINK("x")');
    });
  });
});
