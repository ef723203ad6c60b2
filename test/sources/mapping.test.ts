import { expect } from 'chai';
import { isDotNetTypeName, looksLikeEmail, valueText } from '../../src/sources/mapping.js';
import { parseText } from './helpers.js';

/** One JSON user → SourceUser (JSON avoids CSV quoting noise in these tests). */
const one = (obj: Record<string, unknown>) => parseText(JSON.stringify(obj), { name: 'm.json' });

describe('sources/mapping', () => {
  describe('addresses', () => {
    it('EmailAddresses as a string separated by ;  ,  or whitespace', () => {
      for (const sep of [';', ',', ' ', '; ', '\t', ' , ']) {
        const u = one({ PrimarySmtpAddress: 'a@x.nl', EmailAddresses: ['SMTP:a@x.nl', 'smtp:b@x.nl', 'c@x.nl'].join(sep) }).users[0]!;
        expect(u.emails, JSON.stringify(sep)).to.deep.equal(['a@x.nl', 'b@x.nl', 'c@x.nl']);
      }
    });
    it('only SMTP entries (and unprefixed addresses) count; X500/SIP/EUM/SPO/X400 are ignored', () => {
      const u = one({
        Mail: 'a@x.nl',
        EmailAddresses:
          'X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-a@x.nl;SIP:sip@x.nl;EUM:1234;phone-context=x;SPO:SPO_1@SPO_2;x400:c=NL;a= ;p=X;smtp:alias@x.nl;plain@x.nl',
      }).users[0]!;
      expect(u.emails).to.deep.equal(['a@x.nl', 'alias@x.nl', 'plain@x.nl']);
    });
    it('de-duplicates case-insensitively with the primary first', () => {
      const u = one({ PrimarySmtpAddress: 'Jan@X.nl', EmailAddresses: ['smtp:other@x.nl', 'SMTP:jan@x.nl', 'smtp:OTHER@x.nl'] }).users[0]!;
      expect(u.emails).to.deep.equal(['Jan@X.nl', 'other@x.nl']);
    });
    it('primary precedence: PrimarySmtpAddress, then WindowsEmailAddress, then Mail; all are addresses', () => {
      expect(one({ Mail: 'm@x.nl', WindowsEmailAddress: 'w@x.nl', PrimarySmtpAddress: 'p@x.nl' }).users[0]).to.deep.include({ primaryEmail: 'p@x.nl' });
      const u = one({ Mail: 'm@x.nl', WindowsEmailAddress: 'w@x.nl' }).users[0]!;
      expect(u.primaryEmail).to.equal('w@x.nl');
      expect(u.emails).to.deep.equal(['w@x.nl', 'm@x.nl']);
      expect(one({ Mail: 'm@x.nl', PrimarySmtpAddress: '  ' }).users[0]!.primaryEmail).to.equal('m@x.nl');
    });
    it('without a primary column, the upper-case SMTP: entry is the primary', () => {
      const u = one({ EmailAddresses: ['smtp:alias@x.nl', 'SMTP:main@x.nl'] }).users[0]!;
      expect(u.primaryEmail).to.equal('main@x.nl');
      expect(u.emails).to.deep.equal(['main@x.nl', 'alias@x.nl']);
      expect(one({ proxyAddresses: 'smtp:only@x.nl' }).users[0]!.primaryEmail).to.equal(undefined);
    });
    it('EmailAddresses and proxyAddresses both contribute', () => {
      const u = one({ Mail: 'a@x.nl', EmailAddresses: 'smtp:b@x.nl', proxyAddresses: ['smtp:c@x.nl'] }).users[0]!;
      expect(u.emails).to.deep.equal(['a@x.nl', 'b@x.nl', 'c@x.nl']);
    });
    it('a primary that is not an address: warned, kept for display, not an address', () => {
      const r = one({ PrimarySmtpAddress: 'Receptie', EmailAddresses: 'smtp:r@x.nl' });
      const u = r.users[0]!;
      expect(u.primaryEmail).to.equal('Receptie');
      expect(u.emails).to.deep.equal(['r@x.nl']);
      expect(u.warnings).to.deep.equal(['primary address "Receptie" (PrimarySmtpAddress) is not an e-mail address']);
      expect(r.warnings[0]).to.match(/^m\.json: 1 record \(first at line 1\): primary address "Receptie"/);
    });
    it('a bad primary yields to the SMTP: entry when there is one', () => {
      const u = one({ PrimarySmtpAddress: 'n/a', EmailAddresses: 'SMTP:real@x.nl' }).users[0]!;
      expect(u.primaryEmail).to.equal('real@x.nl');
    });
    it('an SMTP: entry that is not an address is warned about and ignored', () => {
      const r = one({ Mail: 'a@x.nl', EmailAddresses: 'smtp:broken' });
      expect(r.users[0]!.emails).to.deep.equal(['a@x.nl']);
      expect(r.users[0]!.warnings).to.deep.equal(['EmailAddresses entry "smtp:broken" is not an e-mail address']);
    });
  });

  describe('.NET type names in EmailAddresses', () => {
    for (const name of [
      'System.Collections.ArrayList',
      'Microsoft.Exchange.Data.ProxyAddressCollection',
      'System.Object[]',
      'System.String[]',
      'System.Collections.Generic.List`1[System.String]',
      'Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.ProxyAddress]',
    ]) {
      it(name, () => {
        expect(isDotNetTypeName(name)).to.equal(true);
        const csv = parseText(`"Mail","EmailAddresses"\r\n"a@x.nl","${name}"\r\n"b@x.nl","${name}"\r\n`, { name: 't.csv' });
        expect(csv.users[0]!.warnings[0]).to.contain(`.NET type name "${name}"`);
        expect(csv.users[0]!.emails).to.deep.equal(['a@x.nl']);
        expect(csv.warnings).to.have.length(1);
        expect(csv.warnings[0]).to.contain('2 records (first at line 2)').and.contain('-join');
        const pa = one({ Mail: 'a@x.nl', proxyAddresses: name }).users[0]!;
        expect(pa.warnings[0]).to.contain('proxyAddresses holds the .NET type name');
      });
    }
    it('addresses and ordinary words are not type names', () => {
      for (const s of ['SMTP:a@x.nl', 'System', 'system.admin@x.nl', 'Microsoft', 'a@x.nl;b@x.nl', 'Systems.Thing']) {
        expect(isDotNetTypeName(s), s).to.equal(false);
      }
    });
  });

  describe('fields', () => {
    it('objectId: ExternalDirectoryObjectId, else Id, else ObjectId (empty counts as absent)', () => {
      expect(one({ Mail: 'a@x.nl', ObjectId: 'o', Id: 'i', ExternalDirectoryObjectId: 'e' }).users[0]!.objectId).to.equal('e');
      expect(one({ Mail: 'a@x.nl', ObjectId: 'o', Id: 'i', ExternalDirectoryObjectId: '' }).users[0]!.objectId).to.equal('i');
      expect(one({ Mail: 'a@x.nl', ObjectId: 'o', Id: null }).users[0]!.objectId).to.equal('o');
    });
    it('immutableId: ImmutableId, else OnPremisesImmutableId; objectGuid: ObjectGUID', () => {
      expect(one({ Mail: 'a@x.nl', ImmutableId: 'i', OnPremisesImmutableId: 'o' }).users[0]!.immutableId).to.equal('i');
      expect(one({ Mail: 'a@x.nl', OnPremisesImmutableId: ' o ' }).users[0]!.immutableId).to.equal('o');
      expect(one({ Mail: 'a@x.nl', objectguid: 'g' }).users[0]!.objectGuid).to.equal('g');
    });
    it('UserPrincipalName, RecipientTypeDetails, DisplayName, trimmed', () => {
      const u = one({ userprincipalname: ' jan@x.onmicrosoft.com ', recipienttypedetails: 'UserMailbox ', DISPLAYNAME: ' Jan ' }).users[0]!;
      expect(u).to.deep.include({ userPrincipalName: 'jan@x.onmicrosoft.com', recipientTypeDetails: 'UserMailbox', displayName: 'Jan' });
      expect(u.emails).to.deep.equal([]); // a UPN is not assumed to be a mail address
    });
    it('absent fields are absent, not empty strings', () => {
      const u = one({ Mail: 'a@x.nl' }).users[0]!;
      for (const k of ['userPrincipalName', 'recipientTypeDetails', 'displayName', 'objectId', 'objectGuid', 'immutableId', 'skipReason']) {
        expect(u, k).to.not.have.property(k);
      }
      expect(u.warnings).to.deep.equal([]);
    });
  });

  describe('helpers', () => {
    it('looksLikeEmail', () => {
      for (const a of ['a@x.nl', 'jan.de.vries+zivver@sub.example.co.uk', "o'brien@x.ie", 'zoë@müller.de', 'A_B-c@X-Y.NL']) expect(looksLikeEmail(a), a).to.equal(true);
      for (const a of ['', 'a', 'a@', '@x.nl', 'a@x', 'a b@x.nl', 'a@@x.nl', 'a@x..nl', 'a@-x.nl', '/cn=a@x.nl', 'SMTP:a@x.nl', 'a@x.nl;b@x.nl']) {
        expect(looksLikeEmail(a), a).to.equal(false);
      }
    });
    it('valueText unwraps PowerShell 5.1 wrappers', () => {
      expect(valueText({ value: ['a', 'b'], Count: 2 })).to.equal('a;b');
      expect(valueText({ Guid: ' g ' })).to.equal('g');
      expect(valueText({ value: 'v', other: 1 })).to.equal('{"value":"v","other":1}');
      expect(valueText([])).to.equal(undefined);
      expect(valueText(0)).to.equal('0');
    });
  });
});
