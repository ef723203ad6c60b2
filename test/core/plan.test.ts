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
    const { rows, filteredOut } = planKeyChanges(users, accounts, noLedger, { ...objectId, filters: { includeEmails: ['bo@org.nl'] } });
    expect(rows.map((r) => r.action)).to.deep.equal(['skipped', 'set']);
    // The kind of skip is structured, not read back from the reason text.
    expect([...filteredOut]).to.deep.equal([rows[0]]);
    const shared = planKeyChanges([sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), recipientTypeDetails: 'SharedMailbox' })], accounts, noLedger, objectId);
    expect(shared.rows[0]!.action).to.equal('skipped');
    expect(shared.filteredOut.size).to.equal(0);
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

  it('plans 100,000 users against 100,000 accounts (scale smoke test, no timing asserted)', function () {
    // A generous bound: on a machine shared by many runs the default 30 s is not always enough.
    this.timeout(180_000);
    const many = Array.from({ length: 100_000 }, (_, i) => account(`id-${i}`, `user${i}@org.nl`));
    const users = Array.from({ length: 100_000 }, (_, i) => sourceUser({ primaryEmail: `USER${i}@org.nl`, objectId: guid(i + 1), line: i + 2 }));
    const { summary } = planKeyChanges(users, many, noLedger, objectId);
    expect(summary.set).to.equal(100_000);
  });
});

describe('core/plan planKeyChanges with a previous key source (--previous-key-source)', () => {
  const accounts = [account('id-1', 'an@org.nl'), account('id-2', 'bo@org.nl'), account('id-3', 'cor@org.nl')];
  const withPrevious = { ...objectId, previousKeySource: { kind: 'objectGuid' as const } };
  // AD objectGUID 3f2504e0-4f89-11d3-9a0c-0305e82c3301 in the notations an export may carry.
  const adGuid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

  it('derives the previous key per row in the default notation of its source (guid), from any GUID notation', () => {
    const users = [
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), objectGuid: `{${adGuid.toUpperCase()}}` }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), immutableId: '4AQlP4lP0xGaDAMF6CwzAQ==' }),
      sourceUser({ primaryEmail: 'cor@org.nl', objectId: guid(3), objectGuid: 'E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 02' }),
    ];
    const { rows, warnings } = planKeyChanges(users, accounts, noLedger, withPrevious);
    expect(rows.map((r) => r.action)).to.deep.equal(['set', 'set', 'set']);
    expect(rows.map((r) => r.previousKey)).to.deep.equal([adGuid, adGuid, '3f2504e0-4f89-11d3-9a0c-0305e82c3302']);
    expect(rows[0].reason).to.include(`replaces ${adGuid} (per objectGuid)`);
    // The check covers only what apply acts on: previousKey is informative.
    expect(rows[0].check).to.equal(rowCheck(rows[0]));
    // Two accounts with one previous key is the admin's data; the new keys differ, so no conflict.
    expect(warnings).to.deep.equal([]);
  });

  it('honours --previous-key-format (base64 gives the ImmutableId form)', () => {
    const { rows } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), objectGuid: adGuid })],
      accounts,
      noLedger,
      { ...withPrevious, previousKeyFormat: 'base64' },
    );
    expect(rows[0].previousKey).to.equal('4AQlP4lP0xGaDAMF6CwzAQ==');
  });

  it('marks a row unchanged when the key Zivver holds (per the source) is already the new key', () => {
    const users = [
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), columns: { oldkey: guid(1) } }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), columns: { oldkey: guid(7) } }),
    ];
    const { rows, summary } = planKeyChanges(users, accounts, noLedger, {
      ...objectId,
      previousKeySource: { kind: 'column', column: 'OldKey' },
    });
    expect(rows[0]).to.include({ action: 'unchanged', previousKey: guid(1), reason: 'the key Zivver holds (per column:OldKey) is already this key' });
    expect(rows[0].check).to.equal(rowCheck(rows[0]));
    expect(rows[1]).to.include({ action: 'set', previousKey: guid(7) });
    expect(summary).to.include({ set: 1, unchanged: 1 });
  });

  it('does not assume anything without a previous key source: old == new is still set', () => {
    const users = [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), objectGuid: guid(1) })];
    const { rows } = planKeyChanges(users, accounts, noLedger, objectId);
    expect(rows[0].action).to.equal('set');
    expect(rows[0]).to.not.have.property('previousKey');
  });

  it('leaves previousKey out where it cannot be derived, and says so in ONE plan warning', () => {
    const users = [
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), objectGuid: adGuid, line: 2 }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), line: 3 }),
      sourceUser({ primaryEmail: 'cor@org.nl', objectId: guid(3), objectGuid: 'not a guid', line: 4 }),
      // Not written, so not counted.
      sourceUser({ primaryEmail: 'ghost@org.nl', objectId: guid(4), line: 5 }),
    ];
    const { rows, warnings } = planKeyChanges(users, accounts, noLedger, withPrevious);
    expect(rows.map((r) => r.action)).to.deep.equal(['set', 'set', 'set', 'not-found']);
    expect(rows[0].previousKey).to.equal(adGuid);
    expect(rows[1]).to.not.have.property('previousKey');
    expect(rows[2]).to.not.have.property('previousKey');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^--previous-key-source objectGuid: no previous key for 2 of 3 row\(s\).*first at test\.csv:3: no ObjectGUID\/ImmutableId/);
  });

  it('lets the ledger win: a key the ledger records is what Zivver holds, whatever the source says', () => {
    const ledger: LedgerKnowledge = { lastKeyById: new Map([['id-1', guid(1)], ['id-2', guid(8)]]) };
    const users = [
      // Ledger says the new key is already set: unchanged by the ledger, even though the source disagrees.
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), objectGuid: adGuid }),
      // Source says old == new, but this tool wrote guid(8) since: it must be written.
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(2), objectGuid: guid(2) }),
    ];
    const { rows } = planKeyChanges(users, accounts, ledger, withPrevious);
    expect(rows[0]).to.include({ action: 'unchanged', reason: 'the ledger records that zivver-keytool already set this key on this account' });
    expect(rows[1].action).to.equal('set');
    expect(rows[1].reason).to.include(`replaces the key zivver-keytool set before (${guid(8)}), not ${guid(2)} (per objectGuid): the ledger is newer`);
  });

  it('keeps previousKey only on set and unchanged rows', () => {
    const users = [
      sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(5), objectGuid: adGuid }),
      sourceUser({ primaryEmail: 'bo@org.nl', objectId: guid(5), objectGuid: guid(9) }),
    ];
    const { rows } = planKeyChanges(users, accounts, noLedger, withPrevious);
    expect(rows.map((r) => r.action)).to.deep.equal(['conflict', 'conflict']);
    for (const r of rows) expect(r).to.not.have.property('previousKey');
  });
});

describe('core/plan ledger ids and row checks', () => {
  it('matches ledger entries to accounts whatever the case of the id', () => {
    const accounts = [account('AAAAAAAA-0000-4000-8000-000000000001', 'an@org.nl')];
    const ledger: LedgerKnowledge = { lastKeyById: new Map([['aaaaaaaa-0000-4000-8000-000000000001', guid(1)]]) };
    const { rows } = planKeyChanges([sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) })], accounts, ledger, objectId);
    expect(rows[0].action).to.equal('unchanged');
    const moved = planKeyChanges([sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(2) })], accounts, ledger, objectId);
    expect(moved.rows[0].action).to.equal('set');
  });

  it('the row check covers the previous key, and is unchanged for rows without one', () => {
    const row = { zivverId: 'id', userName: 'a@org.nl', newKey: guid(1), action: 'set' as const };
    expect(rowCheck({ ...row, previousKey: guid(7) })).not.to.equal(rowCheck({ ...row, previousKey: guid(8) }));
    expect(rowCheck({ ...row, previousKey: '' })).to.equal(rowCheck(row));
  });
});

describe('core/plan warnings', () => {
  it('warns when an --include-emails address matches no input user (a typo)', () => {
    const { warnings, summary } = planKeyChanges(
      [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) })],
      [account('id-1', 'an@org.nl')],
      { lastKeyById: new Map() },
      { keySource: { kind: 'objectId' }, keyFormat: 'guid', filters: { includeEmails: ['an@org.n', 'an@org.nl'] } },
    );
    expect(summary.set).to.equal(1);
    expect(warnings).to.deep.equal(['--include-emails: no user in the input has an@org.n (a typo?)']);
  });

  it('leaves per-user warnings to the reader when asked', () => {
    const users = [sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1), warnings: ['w'] })];
    const { warnings, rows } = planKeyChanges(users, [account('id-1', 'an@org.nl')], { lastKeyById: new Map() }, {
      keySource: { kind: 'objectId' },
      keyFormat: 'guid',
      summarizeUserWarnings: false,
    });
    expect(warnings).to.deep.equal([]);
    expect(rows[0].warnings).to.deep.equal(['w']);
  });
});

describe('core/plan skip reasons', () => {
  it('gives the filter as the reason before the recipient type, so filtered plans stay short', () => {
    const { rows } = planKeyChanges(
      [
        sourceUser({ primaryEmail: 'info@org.nl', recipientTypeDetails: 'SharedMailbox' }),
        sourceUser({ primaryEmail: 'an@org.nl', objectId: guid(1) }),
      ],
      [account('id-1', 'an@org.nl')],
      { lastKeyById: new Map() },
      { keySource: { kind: 'objectId' }, keyFormat: 'guid', filters: { includeEmails: ['an@org.nl'] } },
    );
    expect(rows[0].reason).to.equal('not in --include-emails');
    expect(rows[1].action).to.equal('set');
  });
});
