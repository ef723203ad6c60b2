/** previousKey (plan --previous-key-source) through the plan files: written, read back, validated; and the ledger's record of it. */
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PLAN_CSV_COLUMNS } from '../../src/core/planDocument.js';
import { InputError } from '../../src/errors.js';
import { rowCheck } from '../../src/core/fingerprint.js';
import { parsePlanText } from '../../src/store/planRead.js';
import { planRowsToCsv, planRowsToJsonl } from '../../src/store/planWrite.js';
import { LedgerWriter, readLedgerEntries } from '../../src/store/ledger.js';
import { planDoc, setRow } from './fixtures.js';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('store: previousKey in plans', () => {
  const adGuid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
  const rows = [
    setRow(1, { previousKey: adGuid }),
    setRow(2), // previous key unknown
    setRow(3, { action: 'unchanged', previousKey: '11111111-0000-4000-8000-000000000003' }),
  ];

  it('puts previousKey (then zivverUrl and the key source) after check, so older consumers find the others in place', () => {
    expect(PLAN_CSV_COLUMNS.slice(-6)).to.deep.equal(['check', 'previousKey', 'zivverUrl', 'keySource', 'keyFormat', 'previousKeySource']);
    expect(planRowsToCsv(rows, { delimiter: ',', bom: false }).split('\r\n')[0]).to.equal(
      'line,input,email,zivverId,userName,newKey,action,reason,fingerprint,check,previousKey,zivverUrl,keySource,keyFormat,previousKeySource',
    );
  });

  it('round-trips through CSV (any delimiter, BOM), JSON lines and the plan document', () => {
    for (const text of [
      planRowsToCsv(rows, { delimiter: ',', bom: false }),
      planRowsToCsv(rows, { delimiter: ';', bom: true }),
      planRowsToJsonl(rows),
      JSON.stringify({ ...planDoc(rows), previousKeySource: 'objectGuid', previousKeyFormat: 'guid' }, null, 2),
    ]) {
      const read = parsePlanText(text, 'plan');
      expect(read.plan.rows.map((r) => r.previousKey)).to.deep.equal([adGuid, undefined, '11111111-0000-4000-8000-000000000003']);
      expect(read.plan.rows[1]).to.not.have.property('previousKey');
    }
    const doc = parsePlanText(JSON.stringify({ ...planDoc(rows), previousKeySource: 'objectGuid', previousKeyFormat: 'guid' }), 'plan.json').plan;
    expect(doc).to.include({ previousKeySource: 'objectGuid', previousKeyFormat: 'guid' });
  });

  it('still reads a plan CSV without the previousKey column (made before it existed)', () => {
    // Rows planned without previous keys, as every plan before the column existed.
    const before = rows.map(({ previousKey: _dropped, ...r }) => ({ ...r, check: rowCheck(r) }));
    const old = planRowsToCsv(before, { delimiter: ',', bom: false })
      .split('\r\n')
      .map((l) => l.replace(/(,[^,]*){4}$/, ''))
      .join('\r\n');
    const read = parsePlanText(old, 'old.csv');
    expect(read.plan.rows).to.have.length(3);
    for (const r of read.plan.rows) expect(r).to.not.have.property('previousKey');
  });

  it('treats an empty previousKey as unknown (Import-Csv rows piped as JSON carry "")', () => {
    const piped = JSON.stringify({ ...rows[1], previousKey: '' }) + '\n' + JSON.stringify({ ...rows[0], previousKey: `  ${adGuid} ` }) + '\n';
    const read = parsePlanText(piped, 'stdin');
    expect(read.plan.rows[0]).to.not.have.property('previousKey');
    expect(read.plan.rows[1].previousKey).to.equal(adGuid);
  });

  it('refuses a nonsense previousKey in a set row, naming file and line', () => {
    const control = setRow(4, { previousKey: 'abc\u0007def' });
    const e1 = inputError(() => parsePlanText(planRowsToCsv([rows[0], control], { delimiter: ';', bom: false }), 'plan.csv'));
    expect(String(e1)).to.match(/plan\.csv:3: user4@example\.nl \(plan line 5\): previousKey "abc\\u0007def" contains a control or invisible character/);
    expect(e1.hint).to.match(/Nothing was written/);
    const long = setRow(5, { previousKey: 'x'.repeat(300) });
    expect(String(inputError(() => parsePlanText(planRowsToJsonl([long]), 'plan.jsonl')))).to.match(/plan\.jsonl:1: .*previousKey "x+\.\.\." is 300 characters long \(at most 256\)/);
    const notText = JSON.stringify({ ...rows[0], previousKey: { guid: adGuid } });
    expect(String(inputError(() => parsePlanText(notText + '\n', 'plan.jsonl')))).to.match(/plan\.jsonl:1: previousKey is object, not text/);
    // Rows that are not written are not refused for it.
    const skipped = setRow(6, { action: 'not-found', previousKey: 'bad\u0000key' });
    expect(parsePlanText(planRowsToJsonl([rows[0], skipped]), 'p').plan.rows).to.have.length(2);
  });

  it('the ledger keeps where a previous key came from, and reads entries written before that field existed', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-ledger-prev-'));
    const file = path.join(dir, 'ledger.jsonl');
    await fs.writeFile(
      file,
      JSON.stringify({ kind: 'zivver-keyledger', v: 1, at: 't0', zivverId: 'id-0', userName: 'u0', key: 'k0', previousKey: 'old', source: 's', runId: 'r0' }) + '\n',
    );
    const w = await LedgerWriter.open(file);
    await w.append({ at: 't1', zivverId: 'id-1', userName: 'u1', key: 'k1', previousKey: adGuid, previousKeySource: 'plan', previousKeyPlanSource: 'objectGuid', source: 's', runId: 'r1' });
    await w.append({ at: 't2', zivverId: 'id-1', userName: 'u1', key: 'k2', previousKey: 'k1', previousKeySource: 'ledger', source: 's', runId: 'r2' });
    await w.close();
    const { entries, skipped } = await readLedgerEntries(file);
    expect(skipped).to.deep.equal([]);
    expect(entries[0]).to.include({ previousKey: 'old' }).and.not.have.property('previousKeySource');
    expect(entries[1]).to.include({ previousKey: adGuid, previousKeySource: 'plan', previousKeyPlanSource: 'objectGuid' });
    expect(entries[2]).to.include({ previousKey: 'k1', previousKeySource: 'ledger' }).and.not.have.property('previousKeyPlanSource');
  });
});

describe('store: previousKey is covered by the row check', () => {
  it('refuses a set row whose previousKey was edited after planning', () => {
    const row = setRow(2, { previousKey: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    const edited = { ...row, previousKey: '3f2504e0-4f89-11d3-9a0c-0305e82c3302' };
    expect(() => parsePlanText(planRowsToCsv([edited], { delimiter: ';', bom: false }), 'plan.csv')).to.throw(InputError, /changed after planning/);
    expect(parsePlanText(planRowsToCsv([row], { delimiter: ';', bom: false }), 'plan.csv').plan.rows[0].previousKey).to.equal(row.previousKey);
  });
});
