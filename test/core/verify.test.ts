import { expect } from 'chai';
import { rowCheck } from '../../src/core/fingerprint.js';
import { parseCanary, selectCanaryRows } from '../../src/core/canary.js';
import type { PlanRow } from '../../src/core/types.js';
import { verifyRowsWithEntra, type EntraUser } from '../../src/core/verify.js';
import { guid, sourceUser } from '../helpers/factories.js';

function row(n: number, key: string, fields: Partial<PlanRow> = {}): PlanRow {
  const r: PlanRow = {
    line: n + 1,
    email: `user${n}@org.nl`,
    zivverId: `z-${n}`,
    userName: `user${n}@org.nl`,
    newKey: key,
    action: 'set',
    reason: 'matched by userName = primary address',
    fingerprint: 'f',
    ...fields,
  };
  return { ...r, check: rowCheck(r) };
}

function entra(n: number, fields: { enabled?: boolean; immutableId?: string; mail?: string } = {}): EntraUser {
  const mail = fields.mail ?? `user${n}@org.nl`;
  return {
    user: sourceUser({ primaryEmail: mail, emails: [mail, `u${n}@org.nl`], objectId: guid(n), ...(fields.immutableId ? { immutableId: fields.immutableId } : {}) }),
    ...(fields.enabled !== undefined ? { enabled: fields.enabled } : {}),
  };
}

describe('core/verify: plan rows against Entra', () => {
  const users = [entra(1), entra(2), entra(3, { enabled: false })];

  it('a row whose key is Entra\'s object id for that address stays set', () => {
    const r = verifyRowsWithEntra([row(1, guid(1))], users, { kind: 'objectId' }, 'guid');
    expect(r.rows[0]).to.include({ action: 'set' });
    expect(r.confirmed).to.equal(1);
    expect(r.conflicts).to.equal(0);
  });

  it('ids swapped between two people: both conflict, each naming whose key it is', () => {
    const r = verifyRowsWithEntra([row(1, guid(2)), row(2, guid(1))], users, { kind: 'objectId' }, 'guid');
    expect(r.rows.map((x) => x.action)).to.deep.equal(['conflict', 'conflict']);
    expect(r.rows[0]!.reason).to.match(new RegExp(`Entra holds ${guid(1)} for user1@org.nl .* plan would set ${guid(2)}; the plan's key belongs to Entra user user2@org.nl .*swapped`));
    expect(r.summary).to.include({ set: 0, conflict: 2 });
    // The row's check follows its new action, so apply accepts the row as what it is.
    expect(r.rows[0]!.check).to.equal(rowCheck(r.rows[0]!));
  });

  it('a deleted user (no Entra user with the address) and a disabled one: conflict with the reason', () => {
    const r = verifyRowsWithEntra([row(4, guid(4)), row(3, guid(3))], users, { kind: 'objectId' }, 'guid');
    expect(r.rows[0]!.action).to.equal('conflict');
    expect(r.rows[0]!.reason).to.match(/no Entra user has the address user4@org.nl .*deleted user/);
    expect(r.rows[1]!.reason).to.match(/is disabled/);
  });

  it('a row matched through a secondary SMTP address; other actions are left alone', () => {
    const r = verifyRowsWithEntra([row(1, guid(1), { email: 'u1@org.nl' }), row(9, '', { action: 'not-found' })], users, { kind: 'objectId' }, 'guid');
    expect(r.rows.map((x) => x.action)).to.deep.equal(['set', 'not-found']);
  });

  it('immutableId keys compare with onPremisesImmutableId; a user without one is a conflict', () => {
    const withId = [entra(1, { immutableId: '4AQlP4lP0xGaDAMF6CwzAQ==' }), entra(2)];
    const r = verifyRowsWithEntra([row(1, '4AQlP4lP0xGaDAMF6CwzAQ=='), row(2, 'x')], withId, { kind: 'immutableId' }, 'raw');
    expect(r.rows.map((x) => x.action)).to.deep.equal(['set', 'conflict']);
    expect(r.rows[1]!.reason).to.match(/gives no key: no ImmutableId/);
    const guidForm = verifyRowsWithEntra([row(1, '3f2504e0-4f89-11d3-9a0c-0305e82c3301')], withId, { kind: 'objectGuid' }, 'guid');
    expect(guidForm.rows[0]!.action).to.equal('set');
  });
});

describe('core/canary', () => {
  const rows = [row(1, guid(1)), row(2, guid(2)), row(3, '', { action: 'not-found', reason: 'no Zivver account' })];

  it('parses ;-, ,- and space-separated addresses', () => {
    expect(parseCanary(['User1@org.nl; user2@org.nl', 'x@y.nl'])).to.deep.equal(['user1@org.nl', 'user2@org.nl', 'x@y.nl']);
    expect(parseCanary(undefined)).to.deep.equal([]);
  });

  it('picks the set rows the addresses name; says what is wrong with the others', () => {
    const s = selectCanaryRows(rows, ['user2@org.nl', 'user3@org.nl', 'nobody@org.nl']);
    expect(s.rows.map((r) => r.email)).to.deep.equal(['user2@org.nl']);
    expect(s.problems).to.deep.equal(['user3@org.nl is in the plan, but as not-found (no Zivver account): only set rows can be a canary', 'nobody@org.nl is not in the plan']);
  });
});
