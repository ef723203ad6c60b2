import { expect } from 'chai';
import { planKeyChanges, planSummaryLine, summarize } from '../../src/core/plan.js';
import { rowCheck } from '../../src/core/fingerprint.js';
import type { LedgerKnowledge, PlanRow } from '../../src/core/types.js';
import { account, guid, sourceUser } from '../helpers/factories.js';

const noLedger: LedgerKnowledge = { lastKeyById: new Map() };
const objectId = { keySource: { kind: 'objectId' as const }, keyFormat: 'guid' as const };

function byEmail(rows: PlanRow[], email: string): PlanRow {
  const row = rows.find((r) => r.email === email);
  if (!row) throw new Error(`no row for ${email}`);
  return row;
}

describe('core/plan planKeyChanges', () => {
  const accounts = [
    account('id-1', 'an@org.nl'),
    account('id-2', 'bo@org.nl', { aliases: ['b.o@org.nl'] }),
    account('id-3', 'cor@org.nl', { active: false }),
    account('id-4', 'dirk@org.nl'),
  ];

  it('plans set for a matched user with a valid key, in canonical lower-case GUID form', () => {
    const { rows, summary } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1).toUpperCase() })],
      accounts,
      noLedger,
      objectId,
    );
    expect(rows[0]).to.include({ action: 'set', zivverId: 'id-1', userName: 'an@org.nl', newKey: guid(1) });
    expect(rows[0].fingerprint).to.match(/^[0-9a-f]{16}$/);
    expect(rows[0].check).to.equal(rowCheck(rows[0]));
    expect(summary.set).to.equal(1);
  });

  it('matches through an alias and says so', () => {
    const { rows } = planKeyChanges([sourceUser({ primaryEmail: 'b.o@org.nl', objectId: guid(2) })], accounts, noLedger, objectId);
    expect(rows[0].action).to.equal('set');
    expect(rows[0].reason).to.match(/alias b\.o@org\.nl/);
  });

  it('still plans a disabled account, and says it is disabled', () => {
    const { rows } = planKeyChanges([sourceUser({ primaryEmail: 'cor@org.nl', objectId: guid(3) })], accounts, noLedger, objectId);
    expect(rows[0].action).to.equal('set');
    expect(rows[0].reason).to.match(/disabled/);
  });

  it('marks not-found, invalid (no key / bad key / no address) and skipped (type, source, filter)', () => {
    const users = [
      sourceUser({ primaryEmail: 'ghost@org.nl', objectId: guid(9) }),
      sourceUser({ primaryEmail: 'an@org.nl' }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: 'not-a-guid' }),
      sourceUser({ emails: [] }),
      sourceUser({ primaryEmail: 'room@org.nl', recipientTypeDetails: 'RoomMailbox', objectId: guid(5) }),
      sourceUser({ primaryEmail: 'guest@org.nl', skipReason: 'guest user', objectId: guid(6) }),
      sourceUser({ primaryEmail: 'dirk@org.nl', recipientTypeDetails: 'usermailbox', objectId: guid(4) }),
    ];
    const { rows, summary } = planKeyChanges(users, accounts, noLedger, objectId);
    expect(rows.map((r) => r.action)).to.deep.equal(['not-found', 'invalid', 'invalid', 'invalid', 'skipped', 'skipped', 'set']);
    expect(rows[4].reason).to.match(/RoomMailbox/);
    expect(rows[5].reason).to.equal('guest user');
    expect(summary).to.deep.equal({ set: 1, unchanged: 0, 'not-found': 1, ambiguous: 0, conflict: 0, invalid: 3, skipped: 2 });
  });

  it('applies filters before matching', () => {
    const users = [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) }), sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2) })];
    const { rows } = planKeyChanges(users, accounts, noLedger, { ...objectId, filters: { includeEmails: ['bo@org.nl'] } });
    expect(rows.map((r) => r.action)).to.deep.equal(['skipped', 'set']);
  });

  it('marks ambiguous when two accounts match', () => {
    const { rows } = planKeyChanges(
      [sourceUser({ primaryEmail: 'x@org.nl', emails: ['x@org.nl', 'an@org.nl', 'bo@org.nl'], objectId: guid(1) })],
      accounts,
      noLedger,
      objectId,
    );
    expect(rows[0].action).to.equal('ambiguous');
    expect(rows[0].reason).to.include('an@org.nl').and.include('bo@org.nl');
  });

  it('conflict: two accounts would get the same key', () => {
    const { rows } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(7) }), sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(7) })],
      accounts,
      noLedger,
      objectId,
    );
    expect(rows.map((r) => r.action)).to.deep.equal(['conflict', 'conflict']);
    expect(rows[0].reason).to.match(/would be set on 2 accounts/);
  });

  it('conflict: source rows disagree about one account; agreeing duplicates are skipped', () => {
    const disagree = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) }), sourceUser({ primaryEmail: 'AN@org.nl', objectId: guid(2) })],
      accounts,
      noLedger,
      objectId,
    );
    expect(disagree.rows.map((r) => r.action)).to.deep.equal(['conflict', 'conflict']);
    const agree = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), line: 10 }), sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) })],
      accounts,
      noLedger,
      objectId,
    );
    expect(agree.rows.map((r) => r.action)).to.deep.equal(['set', 'skipped']);
    expect(agree.rows[1].reason).to.equal('duplicate of line 10 (same account, same key)');
  });

  it('unchanged when the ledger records exactly this key; set with the old key noted when it differs', () => {
    const ledger: LedgerKnowledge = { lastKeyById: new Map([['id-1', guid(1)], ['id-2', guid(22)]]) };
    const { rows, summary } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) }), sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2) })],
      accounts,
      ledger,
      objectId,
    );
    expect(byEmail(rows, 'an@org.nl').action).to.equal('unchanged');
    expect(byEmail(rows, 'bo@org.nl').action).to.equal('set');
    expect(byEmail(rows, 'bo@org.nl').reason).to.include(guid(22));
    expect(summary.unchanged).to.equal(1);
  });

  it('conflict when the ledger puts the key on another account this plan leaves alone', () => {
    const ledger: LedgerKnowledge = { lastKeyById: new Map([['id-4', guid(1)]]) };
    const { rows } = planKeyChanges([sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) })], accounts, ledger, objectId);
    expect(rows[0].action).to.equal('conflict');
    expect(rows[0].reason).to.include('id-4');
    // ...but not when the plan moves that other account to a new key in the same run (a swap).
    const swap = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) }), sourceUser({ primaryEmail: 'dirk@org.nl', objectId: guid(4) })],
      accounts,
      ledger,
      objectId,
    );
    expect(swap.rows.map((r) => r.action)).to.deep.equal(['set', 'set']);
  });

  it('derives keys from other sources: objectGuid and a named column', () => {
    const { rows } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectGuid: '{3F2504E0-4F89-11D3-9A0C-0305E82C3301}' })],
      accounts,
      noLedger,
      { keySource: { kind: 'objectGuid' }, keyFormat: 'guid' },
    );
    expect(rows[0].newKey).to.equal('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    const col = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', columns: { employeeid: 'E1234' } })],
      accounts,
      noLedger,
      { keySource: { kind: 'column', column: 'EmployeeId' }, keyFormat: 'raw' },
    );
    expect(col.rows[0]).to.include({ action: 'set', newKey: 'E1234' });
  });

  it('is pure: the same inputs give the same plan, and inputs are not mutated', () => {
    const users = [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), warnings: ['w'] })];
    const frozen = JSON.stringify(users);
    const a = planKeyChanges(users, accounts, noLedger, objectId);
    const b = planKeyChanges(users, accounts, noLedger, objectId);
    expect(a).to.deep.equal(b);
    expect(JSON.stringify(users)).to.equal(frozen);
  });

  it('collects warnings with where they were seen', () => {
    const users = [
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), warnings: ['EmailAddresses holds a type name'], line: 5 }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), warnings: ['EmailAddresses holds a type name'], line: 6 }),
    ];
    const { warnings, rows } = planKeyChanges(users, accounts, noLedger, objectId);
    expect(warnings).to.deep.equal(['EmailAddresses holds a type name (2 rows, first at test.csv:5)']);
    expect(rows[0].warnings).to.deep.equal(['EmailAddresses holds a type name']);
  });

  it('prints the stable summary line', () => {
    const s = summarize([{ action: 'set' }, { action: 'set' }, { action: 'skipped' }, { action: 'not-found' }]);
    expect(planSummaryLine(s)).to.equal('Plan: 2 to set, 0 unchanged, 1 not found, 0 ambiguous, 0 conflict, 0 invalid, 1 skipped.');
  });

  it('plans 100,000 users against 100,000 accounts (scale smoke test, no timing asserted)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => account(`id-${i}`, `user${i}@org.nl`));
    const users = Array.from({ length: 100_000 }, (_, i) => sourceUser({ primaryEmail: `USER${i}@org.nl`, objectId: guid(i + 1), line: i + 2 }));
    const { summary } = planKeyChanges(users, many, noLedger, objectId);
    expect(summary.set).to.equal(100_000);
  });
});
