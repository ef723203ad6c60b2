import { expect } from 'chai';
import { planRollback } from '../../src/core/rollback.js';
import { rowCheck } from '../../src/core/fingerprint.js';
import type { LedgerEntry, ResultRow } from '../../src/core/records.js';
import type { JournalContents } from '../../src/store/journal.js';
import { parsePlanText } from '../../src/store/planRead.js';
import { setRow } from '../store/fixtures.js';

const led = (i: number, key: string, previousKey: string | null, runId: string, at = '2025-01-01T00:00:00Z'): LedgerEntry => ({
  kind: 'zivver-keyledger', v: 1, at, zivverId: setRow(i).zivverId, userName: setRow(i).userName, key, previousKey, source: 's', runId,
});
const res = (i: number, status: ResultRow['status'] = 'updated'): ResultRow => ({
  email: setRow(i).email, zivverId: setRow(i).zivverId, newKey: setRow(i).newKey, status, httpStatus: 200, error: null,
  at: '2025-01-02T00:00:00Z', userName: setRow(i).userName, line: i, runId: 'run-2',
});

describe('core/rollback (planRollback)', () => {
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

  it('ignores ledger entries that set a key to itself (written by older versions on a re-apply)', () => {
    const j: JournalContents = { ...journal, rows: [{ ...res(1), runId: 'run-3' }] };
    const l = [led(1, setRow(1).newKey, 'old-1', 'run-2'), led(1, setRow(1).newKey, setRow(1).newKey, 'run-3')];
    const p = planRollback({ journal: j, journalName: 'j.jsonl', journalSha256: 'abc', ledger: l, createdAt: 'now' });
    expect(p.rows[0]).to.include({ action: 'set', newKey: 'old-1' });
  });

  it('includes writes that failed but may have been applied: restores the known previous key, else lists them', () => {
    const maybe = (i: number, previousKey?: string): ResultRow => ({ ...res(i, 'failed'), httpStatus: 502, mayHaveBeenApplied: true, ...(previousKey ? { previousKey } : {}) });
    const j: JournalContents = { ...journal, rows: [maybe(1, 'from-journal'), maybe(2), maybe(3), maybe(4), res(5, 'failed')] };
    const l = [led(2, 'ledger-2', null, 'run-1', '2025-01-01T00:00:00Z'), led(3, setRow(3).newKey, 'before-3', 'run-1', '2025-01-01T00:00:00Z')];
    const p = planRollback({ journal: j, journalName: 'j.jsonl', journalSha256: 'abc', ledger: l, createdAt: 'now' });
    const by = new Map(p.rows.map((r) => [r.zivverId, r]));
    expect(by.get(setRow(1).zivverId)).to.include({ action: 'set', newKey: 'from-journal' });
    expect(by.get(setRow(2).zivverId)).to.include({ action: 'set', newKey: 'ledger-2' });
    expect(by.get(setRow(3).zivverId)).to.include({ action: 'set', newKey: 'before-3' });
    expect(by.get(setRow(4).zivverId)).to.include({ action: 'invalid' });
    expect(by.get(setRow(4).zivverId)!.reason).to.match(/may have been applied; previous key unknown/);
    expect(by.has(setRow(5).zivverId)).to.equal(false);
  });
});
