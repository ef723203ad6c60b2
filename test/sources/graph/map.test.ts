import { expect } from 'chai';
import { mapGraphUser, smtpAddresses } from '../../../src/sources/graph/map.js';
import type { GraphUser } from '../../../src/sources/graph/client.js';

const base: GraphUser = {
  id: '0f9c3a1e-1b2c-4d5e-8f90-123456789abc',
  mail: 'Jan.Jansen@contoso.nl',
  userPrincipalName: 'jan@contoso.onmicrosoft.com',
  proxyAddresses: ['SMTP:Jan.Jansen@contoso.nl', 'smtp:jan@contoso.nl', 'X500:/o=ExchangeLabs/ou=x/cn=Recipients/cn=abc', 'SIP:jan@contoso.nl'],
  onPremisesImmutableId: 'HjqcDywbXU2PkBI0VniavA==',
  accountEnabled: true,
  userType: 'Member',
  displayName: 'Jan Jansen',
};

describe('graph map: Graph user → SourceUser', () => {
  it('maps id, immutable id, mail, addresses, UPN and display name', () => {
    const u = mapGraphUser(base, 7);
    expect(u.input).to.equal('graph');
    expect(u.line).to.equal(7);
    expect(u.objectId).to.equal(base.id);
    expect(u.immutableId).to.equal('HjqcDywbXU2PkBI0VniavA==');
    expect(u.objectGuid).to.equal(undefined);
    expect(u.primaryEmail).to.equal('Jan.Jansen@contoso.nl');
    expect(u.emails).to.deep.equal(['Jan.Jansen@contoso.nl', 'jan@contoso.nl']);
    expect(u.userPrincipalName).to.equal('jan@contoso.onmicrosoft.com');
    expect(u.displayName).to.equal('Jan Jansen');
    expect(u.recipientTypeDetails).to.equal(undefined);
    expect(u.skipReason).to.equal(undefined);
    expect(u.warnings).to.deep.equal([]);
  });

  it('keeps every Graph property as text in columns (lower-cased names)', () => {
    const u = mapGraphUser({ ...base, '@odata.type': '#microsoft.graph.user' } as GraphUser, 1);
    expect(u.columns).to.include({
      id: base.id,
      mail: 'Jan.Jansen@contoso.nl',
      onpremisesimmutableid: 'HjqcDywbXU2PkBI0VniavA==',
      accountenabled: 'true',
      usertype: 'Member',
      displayname: 'Jan Jansen',
    });
    expect(u.columns.proxyaddresses).to.contain('SMTP:Jan.Jansen@contoso.nl;smtp:jan@contoso.nl');
    expect(u.columns).to.not.have.property('@odata.type');
  });

  it('only SMTP proxy addresses are addresses; "SMTP:" marks the primary', () => {
    expect(smtpAddresses(['smtp:b@x.nl', 'SMTP:a@x.nl', 'X500:/o=x', 'SIP:a@x.nl', 'smtp: ', ' SMTP: c@x.nl '])).to.deep.equal({
      primary: 'a@x.nl',
      all: ['b@x.nl', 'a@x.nl', 'c@x.nl'],
    });
    expect(smtpAddresses(null)).to.deep.equal({ primary: undefined, all: [] });
  });

  it('the primary comes first and addresses are de-duplicated case-insensitively', () => {
    const u = mapGraphUser({ ...base, mail: 'a@x.nl', proxyAddresses: ['smtp:b@x.nl', 'SMTP:A@X.NL', 'smtp:B@x.nl'] }, 1);
    expect(u.emails).to.deep.equal(['a@x.nl', 'b@x.nl']);
  });

  it('without mail, the SMTP: proxy address is the primary', () => {
    const u = mapGraphUser({ ...base, mail: null, proxyAddresses: ['smtp:alias@x.nl', 'SMTP:main@x.nl'] }, 1);
    expect(u.primaryEmail).to.equal('main@x.nl');
    expect(u.emails).to.deep.equal(['main@x.nl', 'alias@x.nl']);
    expect(u.skipReason).to.equal(undefined);
  });

  it('skips guests (userType Guest) and #EXT# accounts', () => {
    expect(mapGraphUser({ ...base, userType: 'Guest' }, 1).skipReason).to.match(/guest/i);
    expect(mapGraphUser({ ...base, userType: 'Member', userPrincipalName: 'piet_gmail.com#EXT#@contoso.onmicrosoft.com' }, 1).skipReason).to.match(/#EXT#/);
  });

  it('skips users with no mailbox address', () => {
    const u = mapGraphUser({ id: 'x', mail: null, proxyAddresses: ['X500:/o=x'], userPrincipalName: 'svc@contoso.nl' }, 1);
    expect(u.skipReason).to.match(/no mailbox address/);
    expect(u.emails).to.deep.equal([]);
    expect(u.primaryEmail).to.equal(undefined);
  });

  it('does not skip disabled accounts (disabled people exist; see docs/graph.md)', () => {
    expect(mapGraphUser({ ...base, accountEnabled: false }, 1).skipReason).to.equal(undefined);
  });

  it('treats blank strings as absent', () => {
    const u = mapGraphUser({ id: 'x', mail: '  ', userPrincipalName: '', displayName: ' ', onPremisesImmutableId: '' }, 1);
    expect(u.primaryEmail).to.equal(undefined);
    expect(u.immutableId).to.equal(undefined);
    expect(u.displayName).to.equal(undefined);
    expect(u.skipReason).to.match(/no mailbox/);
  });
});
