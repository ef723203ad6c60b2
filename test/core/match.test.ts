import { expect } from 'chai';
import { indexAccounts, matchAccount, userAddresses } from '../../src/core/match.js';
import { account, sourceUser } from '../helpers/factories.js';

describe('core/match', () => {
  const accounts = [
    account('a1', 'Jan.Jansen@Org.nl', { aliases: ['j.jansen@org.nl'] }),
    account('a2', 'piet@org.nl', { aliases: ['shared-alias@org.nl'] }),
    account('a3', 'klaas@org.nl', { aliases: ['shared-alias@org.nl'] }),
    account('a4', 'dup@org.nl'),
    account('a5', 'DUP@org.nl'),
  ];
  const index = indexAccounts(accounts);

  it('matches the primary address to userName case-insensitively and trimmed', () => {
    const m = matchAccount(sourceUser({ primaryEmail: '  jan.jansen@ORG.nl ' }), index);
    expect(m.kind).to.equal('matched');
    if (m.kind === 'matched') {
      expect(m.account.id).to.equal('a1');
      expect(m.how).to.equal('userName = primary address');
    }
  });

  it('falls back to any SMTP address against userName or alias', () => {
    const m = matchAccount(sourceUser({ primaryEmail: 'new@org.nl', emails: ['new@org.nl', 'j.jansen@org.nl'] }), index);
    expect(m.kind).to.equal('matched');
    if (m.kind === 'matched') {
      expect(m.account.id).to.equal('a1');
      expect(m.how).to.equal('alias j.jansen@org.nl');
    }
  });

  it('prefers the primary address over a secondary that points elsewhere', () => {
    const m = matchAccount(sourceUser({ primaryEmail: 'piet@org.nl', emails: ['piet@org.nl', 'klaas@org.nl'] }), index);
    expect(m.kind === 'matched' && m.account.id).to.equal('a2');
  });

  it('is ambiguous when secondary addresses reach two accounts', () => {
    const m = matchAccount(sourceUser({ primaryEmail: 'x@org.nl', emails: ['x@org.nl', 'shared-alias@org.nl'] }), index);
    expect(m.kind).to.equal('ambiguous');
    if (m.kind === 'ambiguous') expect(m.accounts.map((a) => a.id).sort()).to.deep.equal(['a2', 'a3']);
  });

  it('is ambiguous when two accounts share a userName', () => {
    expect(matchAccount(sourceUser({ primaryEmail: 'dup@org.nl' }), index).kind).to.equal('ambiguous');
  });

  it('reports the addresses it tried when nothing matches', () => {
    const m = matchAccount(sourceUser({ primaryEmail: 'nobody@org.nl', emails: ['nobody@org.nl', 'no2@org.nl'] }), index);
    expect(m).to.deep.equal({ kind: 'not-found', tried: ['nobody@org.nl', 'no2@org.nl'] });
  });

  it('uses the UPN only when the user has no SMTP address', () => {
    const m = matchAccount(sourceUser({ emails: [], userPrincipalName: 'Piet@org.nl' }), index);
    expect(m.kind === 'matched' && m.how).to.equal('userName = UserPrincipalName');
    const withMail = matchAccount(sourceUser({ primaryEmail: 'nobody@org.nl', userPrincipalName: 'piet@org.nl' }), index);
    expect(withMail.kind).to.equal('not-found');
  });

  it('says when there is no address at all', () => {
    expect(matchAccount(sourceUser({ emails: [] }), index).kind).to.equal('no-address');
  });

  it('lists addresses primary first without duplicates', () => {
    expect(userAddresses(sourceUser({ primaryEmail: 'A@x.nl', emails: ['b@x.nl', 'a@X.nl', ' B@x.nl'] }))).to.deep.equal(['a@x.nl', 'b@x.nl']);
  });
});
