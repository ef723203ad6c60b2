import { expect } from 'chai';
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { assemblePlanDocument } from '../../src/core/planDocument.js';
import { PLAN_ACTIONS, type PlanRow } from '../../src/core/types.js';
import { writeOutputFile } from '../../src/store/fileGuard.js';
import { planCsvPieces, planJsonlPieces, planJsonPieces, planRowsToCsv, writePieces, writePlanOutputs } from '../../src/store/planWrite.js';

const rowArb: fc.Arbitrary<PlanRow> = fc.record(
  {
    line: fc.nat(),
    input: fc.string(),
    email: fc.string(),
    zivverId: fc.uuid(),
    userName: fc.string(),
    newKey: fc.string(),
    action: fc.constantFrom(...PLAN_ACTIONS),
    reason: fc.string({ unit: 'grapheme' }),
    fingerprint: fc.string(),
    check: fc.string(),
    previousKey: fc.string(),
    warnings: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 3 }),
  },
  { requiredKeys: ['line', 'email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint'] },
);

function doc(rows: PlanRow[], warnings: string[] = []) {
  return assemblePlanDocument({
    createdAt: '2026-01-01T00:00:00.000Z', zivverUrl: 'https://app.zivver.com/api/scim/v2', keySource: 'objectId', keyFormat: 'guid',
    inputs: [{ name: 'm.json', sha256: 'ab' }], summary: { set: 0, unchanged: 0, 'not-found': 0, ambiguous: 0, conflict: 0, invalid: 0, skipped: 0 },
    rows, warnings, filters: { includeEmails: ['a@b.nl'] },
  });
}

describe('store/planWrite: plans written in pieces', () => {
  it('the JSON pieces are exactly JSON.stringify(plan, null, 2), for any rows (property)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 2500 }), fc.array(fc.string(), { maxLength: 2 }), (rows, warnings) => {
        const plan = doc(rows, warnings);
        expect([...planJsonPieces(plan)].join('')).to.equal(JSON.stringify(plan, null, 2) + '\n');
      }),
      { numRuns: 40 },
    );
  });

  it('JSON lines and CSV in pieces are the rows whole, a hundred rows a piece', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 2500 }), fc.boolean(), (rows, bom) => {
        const jsonl = [...planJsonlPieces(rows)];
        expect(jsonl.join('')).to.equal(rows.map((r) => JSON.stringify(r) + '\n').join(''));
        expect(jsonl).to.have.length(Math.ceil(rows.length / 100));
        const csv = [...planCsvPieces(rows, { delimiter: ';', bom, context: { zivverUrl: 'u' } })];
        expect(csv).to.have.length(1 + Math.ceil(rows.length / 100));
        const lines = csv.join('').split('\r\n');
        expect(lines[0]).to.match(bom ? /^\uFEFFline;input;/ : /^line;input;/);
        expect(csv.join('')).to.equal(planRowsToCsv(rows, { delimiter: ';', bom, context: { zivverUrl: 'u' } }));
      }),
      { numRuns: 30 },
    );
  });

  it("JSON lines with the plan's context are each row spread with it, also for rows that carry a context field themselves (property)", () => {
    const contextArb = fc.record(
      { zivverUrl: fc.string(), keySource: fc.string({ unit: 'grapheme' }), keyFormat: fc.constantFrom('guid', 'base64'), previousKeySource: fc.string() },
      { requiredKeys: [] },
    );
    const withContextField = fc.tuple(rowArb, fc.constantFrom('zivverUrl', 'keySource', 'keyFormat', 'previousKeySource'), fc.option(fc.string(), { nil: undefined })).map(
      ([r, k, v]) => ({ ...r, [k]: v }) as PlanRow,
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(rowArb, withContextField, fc.constant({} as PlanRow)), { maxLength: 1500 }), contextArb, (rows, context) => {
        expect([...planJsonlPieces(rows, context)].join('')).to.equal(rows.map((r) => JSON.stringify({ ...r, ...context }) + '\n').join(''));
      }),
      { numRuns: 60 },
    );
  });

  it('the JSON pieces are JSON.stringify(plan, null, 2) also for rows with nested, empty and left-out values', () => {
    const odd = [
      {} as PlanRow,
      { line: 1, email: 'a', warnings: [], extra: { a: [1, { b: null }], c: {} }, gone: undefined, fn: () => 1 } as unknown as PlanRow,
      { line: 2, email: 'é\u2028"\\\n', reason: '\u0000', fingerprint: '', check: undefined, warnings: ['x', 'y\nz'] } as unknown as PlanRow,
    ];
    const plan = doc(odd);
    expect([...planJsonPieces(plan)].join('')).to.equal(JSON.stringify(plan, null, 2) + '\n');
  });

  it('writes every kind to its file, through a temporary name that does not stay behind', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-planwrite-'));
    try {
      const rows = fc.sample(rowArb, 3001);
      const plan = doc(rows);
      const written = await writePlanOutputs(['p.json', 'p.jsonl', 'p.csv'], plan, { delimiter: ',', bom: true }, dir);
      expect(written).to.have.length(3);
      expect(await fs.readFile(path.join(dir, 'p.json'), 'utf8')).to.equal(JSON.stringify(plan, null, 2) + '\n');
      expect((await fs.readFile(path.join(dir, 'p.jsonl'), 'utf8')).split('\n')).to.have.length(3002);
      expect((await fs.readdir(dir)).sort()).to.deep.equal(['p.csv', 'p.json', 'p.jsonl']);
      // A piece that cannot be produced leaves neither the file nor its temporary behind.
      function* failing() {
        yield 'a';
        throw new Error('boom');
      }
      let err: unknown;
      await writeOutputFile(path.join(dir, 'x.json'), failing()).catch((e: unknown) => (err = e));
      expect(String(err)).to.contain('boom');
      expect((await fs.readdir(dir)).sort()).to.deep.equal(['p.csv', 'p.json', 'p.jsonl']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('writePieces waits for a full stream to drain, and keeps the order', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const got: string[] = [];
    out.on('data', (d: Buffer) => got.push(d.toString()));
    await writePieces(out, ['a'.repeat(40), 'b'.repeat(40), 'c']);
    expect(got.join('')).to.equal('a'.repeat(40) + 'b'.repeat(40) + 'c');
  });
});
