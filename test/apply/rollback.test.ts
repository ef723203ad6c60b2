import { expect } from 'chai';
import { planRollback } from '../../src/apply/rollback.js';
import { rowCheck } from '../../src/core/fingerprint.js';
import type { JournalContents, ResultRow } from '../../src/store/journal.js';
import type { LedgerEntry } from '../../src/store/ledger.js';
import { parsePlanText } from '../../src/store/planRead.js';
import { setRow } from '../store/fixtures.js';

const led = (i: number, key: string, previousKey: string | null, runId: string, at = '2025-01-01T00:00:00Z'): LedgerEntry => ({
  kind: 'zivver-keyledger', v: 1, at, zivverId: setRow(i).zivverId, userName: setRow(i).userName, key, previousKey, source: 's', runId,
});
const res = (i: number, status: ResultRow['status'] = 'updated'): ResultRow => ({
  email: setRow(i).email, zivverId: setRow(i).zivverId, newKey: setRow(i).newKey, status, httpStatus: 200, error: null,
  at: '2025-01-02T00:00:00Z', userName: setRow(i).userName, line: i, runId: 'run-2',
});

describe('apply/rollback', () => {
  const journal: JournalContents = {
    headers: [{ kind: 'zivver-keyresults', v: 1, runId: 'run-2', planSha256: 'x', plan: 'plan.json', zivverUrl: 'http://127.0.0.1:9/scim/v2', started: '', whatIf: false }],
    rows: [res(1), res(2), res(3), res(4, 'failed'), res(5)],
    skipped: [],
  };
  const ledger = [
    led(1, 'old-1', null, 'run-1'),
    led(1, setRow(1).newKey, 'old-1', 'run-2'),
    led(2, setRow(2).newKey, null, 'run-2'),
    led(3, setRow(3).newKey, 'old-3', 'run-2'),
    led(3, 'newer-3', setRow(3).newKey, 'run-3'),
  ];
  const plan = planRollback({ journal, journalName: 'j.jsonl', journalSha256: 'abc', ledger, createdAt: 'now' });
  const byId = new Map(plan.rows.map((r) => [r.zivverId, r]));

  it('restores the previous key the ledger recorded, as a valid plan for apply', () => {
    expect(byId.get(setRow(1).zivverId)).to.include({ action: 'set', newKey: 'old-1', userName: setRow(1).userName });
    expect(plan.zivverUrl).to.equal('http://127.0.0.1:9/scim/v2');
    const reread = parsePlanText(JSON.stringify(plan), 'rollback.json');
    expect(reread.plan.summary.set).to.equal(1);
  });

  it('lists accounts whose previous key is unknown or changed again later; ignores rows not updated', () => {
    expect(byId.get(setRow(2).zivverId)!.action).to.equal('invalid');
    expect(byId.get(setRow(2).zivverId)!.reason).to.match(/previous key unknown/);
    expect(byId.get(setRow(3).zivverId)!.action).to.equal('conflict');
    expect(byId.get(setRow(3).zivverId)!.reason).to.match(/changed again after this run/);
    expect(byId.get(setRow(5).zivverId)!.reason).to.match(/no record of setting/);
    expect(byId.has(setRow(4).zivverId)).to.equal(false);
    for (const r of plan.rows) expect(r.check).to.equal(rowCheck(r));
  });
});
