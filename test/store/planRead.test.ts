import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { PlanRow } from '../../src/core/types.js';
import { InputError } from '../../src/errors.js';
import { planDoc, setRow } from './fixtures.js';
import { parsePlanText, readPlan, readPlanDetailed } from '../../src/store/planRead.js';

const COLS = ['line', 'input', 'email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint', 'check'] as const;
function csv(rows: PlanRow[], d = ',', bom = false, eol = '\r\n'): string {
  const q = (v: string) => (v.includes(d) || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v);
  return (bom ? '\uFEFF' : '') + [COLS.join(d), ...rows.map((r) => COLS.map((c) => q(String(r[c] ?? ''))).join(d))].join(eol) + eol;
}

function expectInputError(fn: () => unknown, re: RegExp): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).toString()).to.match(re);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('store/planRead', () => {
  const rows = [setRow(1), setRow(2), setRow(3, { action: 'not-found', zivverId: '', userName: '', newKey: 'k' })];

  it('reads a plan document with its metadata', () => {
    const r = parsePlanText(JSON.stringify(planDoc(rows), null, 2), 'plan.json');
    expect(r.format).to.equal('json');
    expect(r.plan.zivverUrl).to.equal('http://127.0.0.1:1/scim/v2');
    expect(r.plan.rows).to.have.length(3);
    expect(r.plan.rows[0]).to.deep.include({ zivverId: rows[0].zivverId, newKey: rows[0].newKey, action: 'set' });
    expect(r.sourceLines[0]).to.be.greaterThan(0);
  });

  it('reads JSON lines rows, a JSON array, and a single row', () => {
    const jl = parsePlanText(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'stdin');
    expect(jl.format).to.equal('jsonl');
    expect(jl.plan.rows.map((r) => r.action)).to.deep.equal(['set', 'set', 'not-found']);
    expect(jl.plan.summary.set).to.equal(2);
    expect(parsePlanText(JSON.stringify(rows), 'stdin').plan.rows).to.have.length(3);
    expect(parsePlanText(JSON.stringify(rows[0]), 'stdin').plan.rows).to.have.length(1);
  });

  it('reads PowerShell-style objects (string line numbers, other property case, extra properties)', () => {
    const ps = rows.map((r) => JSON.stringify({ Line: String(r.line), Email: r.email, ZivverId: r.zivverId, UserName: r.userName, NewKey: r.newKey, Action: r.action, Reason: r.reason, Fingerprint: r.fingerprint, Check: r.check, PSComputerName: 'x' }));
    const p = parsePlanText(ps.join('\r\n'), 'stdin').plan;
    expect(p.rows[1]).to.deep.include({ line: 3, zivverId: rows[1].zivverId });
  });

  it('reads a plan CSV as written, and as Excel saves it (; delimiter, BOM, rows deleted and reordered, empty rows)', () => {
    const plain = parsePlanText(csv(rows), 'plan.csv');
    expect(plain.format).to.equal('csv');
    expect(plain.plan.rows).to.have.length(3);
    const excel = csv([rows[1], rows[0]], ';', true) + ';;;;;;;;;\r\n';
    const p = parsePlanText(excel, 'plan.csv');
    expect(p.plan.rows.map((r) => r.zivverId)).to.deep.equal([rows[1].zivverId, rows[0].zivverId]);
    expect(p.sourceLines).to.deep.equal([2, 3]);
    const tab = parsePlanText(csv(rows, '\t', false, '\n'), 'plan.tsv');
    expect(tab.plan.rows).to.have.length(3);
    // Excel quoting every field and reordering columns
    const header = ['"check"', '"action"', '"newKey"', '"userName"', '"zivverId"', '"email"'].join(';');
    const line = (r: PlanRow) => [r.check, r.action, r.newKey, r.userName, r.zivverId, r.email].map((v) => `"${v}"`).join(';');
    expect(parsePlanText(`${header}\r\n${line(rows[0])}\r\n`, 'x.csv').plan.rows[0].newKey).to.equal(rows[0].newKey);
  });

  it('reads UTF-16 LE with a BOM (PowerShell 5.1 Out-File)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-plan-'));
    const file = path.join(dir, 'plan.csv');
    await fs.writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(rows), 'utf16le')]));
    const p = await readPlan('plan.csv', { stdin: Readable.from([]), cwd: dir });
    expect(p.rows).to.have.length(3);
  });

  it('reads a plan from stdin', async () => {
    const r = await readPlanDetailed('-', { stdin: Readable.from([JSON.stringify(planDoc(rows))]), cwd: '/' });
    expect(r.file).to.equal(null);
    expect(r.name).to.equal('stdin');
    expect(r.plan.rows).to.have.length(3);
  });

  it('refuses a set row altered in Excel (key or id changed), naming file, line and row', () => {
    const altered = [rows[0], { ...rows[1], newKey: '1.11111E+35' }];
    const e = expectInputError(() => parsePlanText(csv(altered, ';'), 'plan.csv'), /plan\.csv:3: user2@example\.nl \(plan line 3\): the zivverId, userName, newKey or action of this row was changed/);
    expect(e.hint).to.match(/Nothing was written/);
    expectInputError(() => parsePlanText(csv([{ ...rows[0], zivverId: rows[1].zivverId }]), 'plan.csv'), /changed after planning/);
    expectInputError(() => parsePlanText(csv([{ ...rows[2], action: 'set' }]), 'plan.csv'), /without zivverId, userName/);
  });

  it('refuses a set row without a check, unknown actions, and duplicates by account or key', () => {
    const { check: _c, ...noCheck } = rows[0];
    expectInputError(() => parsePlanText(JSON.stringify([noCheck]), 'p'), /without its "check"/);
    expectInputError(() => parsePlanText(JSON.stringify([{ ...rows[0], action: 'delete' }]), 'p'), /unknown action "delete"/);
    expectInputError(() => parsePlanText(JSON.stringify([rows[0], rows[0]]), 'p'), /second set row for account/);
    const sameKey = setRow(7, { newKey: rows[0].newKey });
    expectInputError(() => parsePlanText(JSON.stringify([rows[0], sameKey]), 'p'), /also planned for user1@example\.nl/);
  });

  it('lists several problems at once', () => {
    const bad = [1, 2, 3].map((i) => ({ ...setRow(i), newKey: 'x' + i }));
    const e = expectInputError(() => parsePlanText(JSON.stringify(bad), 'p.json'), /changed after planning[\s\S]*p\.json:2[\s\S]*p\.json:3/);
    expect(e.hint).to.match(/These 3 rows/);
  });

  it('warns (does not refuse) when a row that is not written was edited', () => {
    const r = parsePlanText(JSON.stringify([rows[0], { ...rows[1], action: 'skipped' }]), 'p');
    expect(r.warnings.join()).to.match(/edited since it was planned/);
  });

  it('refuses other format versions, other JSON, empty input and CSVs without the plan columns', () => {
    expectInputError(() => parsePlanText(JSON.stringify({ ...planDoc(rows), formatVersion: 2 }), 'p.json'), /format version 2 is not supported/);
    expectInputError(() => parsePlanText(JSON.stringify({ kind: 'other', rows: [] }), 'p.json'), /not a zivver-keytool plan/);
    expectInputError(() => parsePlanText('  \n', 'p'), /empty/);
    expectInputError(() => parsePlanText('PrimarySmtpAddress,ExternalDirectoryObjectId\r\na@b.nl,x\r\n', 'mailboxes.csv'), /no "zivverId", "newKey", "action" column/);
    expectInputError(() => parsePlanText('{"a":1}\n{broken\n', 'p.jsonl'), /p\.jsonl:2: not valid JSON/);
  });

  it('refuses a missing file with the path', async () => {
    try {
      await readPlan('nope.json', { stdin: Readable.from([]), cwd: os.tmpdir() });
      expect.fail('should throw');
    } catch (err) {
      expect(String(err)).to.match(/nope\.json: plan file not found/);
    }
  });
});
