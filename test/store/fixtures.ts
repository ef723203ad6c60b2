/** Plan fixtures shared by store and apply tests. */
import { accountFingerprint, rowCheck } from '../../src/core/fingerprint.js';
import type { PlanDocument, PlanRow } from '../../src/core/types.js';

export function setRow(i: number, over: Partial<PlanRow> = {}): PlanRow {
  const r: PlanRow = {
    line: i + 1,
    input: 'mailboxes.csv',
    email: `user${i}@example.nl`,
    zivverId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    userName: `user${i}@example.nl`,
    newKey: `11111111-0000-4000-8000-${String(i).padStart(12, '0')}`,
    action: 'set',
    reason: 'new key',
    fingerprint: '',
    ...over,
  };
  r.fingerprint = accountFingerprint(r.zivverId, r.userName);
  r.check = rowCheck(r);
  return r;
}

export function planDoc(rows: PlanRow[]): PlanDocument {
  return {
    kind: 'zivver-keyplan',
    formatVersion: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    zivverUrl: 'http://127.0.0.1:1/scim/v2',
    keySource: 'objectId',
    keyFormat: 'guid',
    inputs: [{ name: 'mailboxes.csv', sha256: 'abc' }],
    summary: { set: rows.length, unchanged: 0, 'not-found': 0, ambiguous: 0, conflict: 0, invalid: 0, skipped: 0 },
    rows,
  };
}

