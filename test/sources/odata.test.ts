/**
 * Inputs as admins save them from REST calls: the OData collection envelope that Exchange Online's
 * admin API, Graph Explorer, Invoke-MgGraphRequest and Invoke-RestMethod return, one page of it
 * (@odata.nextLink), non-SMTP proxy entries, and RecipientType next to RecipientTypeDetails.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInputBuffer } from '../../src/sources/index.js';
import { expectInputError, parseText } from './helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/inputs/${name}`, import.meta.url)));

describe('sources: OData envelopes and Exchange proxy addresses', () => {
  it('an Exchange admin API envelope of Get-EXOMailbox output: the items of "value", each with its own line', () => {
    const r = parseInputBuffer('exo-odata.json', fixture('exo-odata-envelope.json'), { format: 'auto', keySource: { kind: 'objectId' } });
    expect(r.warnings).to.deep.equal([]);
    expect(r.users).to.have.length(8);
    const text = fixture('exo-odata-envelope.json').toString('utf8').split('\n');
    for (const u of r.users) {
      // The line each user starts on holds the opening brace of its object inside "value".
      expect(text[u.line - 1]!.trim(), `line ${u.line}`).to.equal('{');
      expect(text[u.line]!, `line ${u.line + 1}`).to.contain('"@odata.type"');
    }
    const byAlias = new Map(r.users.map((u) => [u.columns.alias, u]));
    expect(byAlias.get('jan.devries')).to.deep.include({
      primaryEmail: 'Jan.deVries@Contoso.NL',
      recipientTypeDetails: 'UserMailbox',
      objectId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    });
    expect(byAlias.get('jan.devries')!.emails).to.deep.equal(['Jan.deVries@Contoso.NL', 'j.devries@contoso.nl']);
    // The shared mailbox: RecipientType says UserMailbox, RecipientTypeDetails tells the truth.
    expect(byAlias.get('receptie')).to.deep.include({ recipientTypeDetails: 'SharedMailbox' });
    expect(byAlias.get('receptie')!.columns.recipienttype).to.equal('UserMailbox');
    expect(byAlias.get('receptie')!.emails).to.deep.equal(['Receptie@Contoso.NL', 'info@contoso.nl']);
    // No annotation reaches the mapped columns.
    for (const u of r.users) expect(Object.keys(u.columns).filter((k) => k.includes('@'))).to.deep.equal([]);
    // An X500 whose cn ends in something address-like, and an X400 with ';' inside, are not addresses.
    expect(byAlias.get('pieter.bakker')!.emails).to.deep.equal(['pieter.bakker@contoso.nl', 'pb@contoso.nl']);
  });

  it('one page with an @odata.nextLink: plans what is there and says how many were read', () => {
    const body = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,mail,proxyAddresses)',
      '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$select=id,mail,proxyAddresses&$skiptoken=RFNwdAIAAQAAAB',
      value: [
        { id: '11111111-1111-4111-8111-111111111111', mail: 'a@x.nl', proxyAddresses: ['SMTP:a@x.nl', 'SPO:SPO_1@SPO_2'] },
        { id: '22222222-2222-4222-8222-222222222222', mail: 'b@x.nl', proxyAddresses: ['SMTP:b@x.nl', 'SIP:b@x.nl'] },
        { id: '33333333-3333-4333-8333-333333333333', mail: 'c@x.nl', proxyAddresses: [] },
      ],
    };
    const r = parseText(JSON.stringify(body, null, 2), { name: 'graph-page.json' });
    expect(r.users.map((u) => u.primaryEmail)).to.deep.equal(['a@x.nl', 'b@x.nl', 'c@x.nl']);
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.match(/^graph-page\.json: holds one page of 3 records with an @odata\.nextLink/);
    expect(r.warnings[0]).to.contain('only these 3 are planned');
    // The envelope without a next link: no warning.
    const last = parseText(JSON.stringify({ ...body, '@odata.nextLink': undefined }), { name: 'graph-last.json' });
    expect(last.warnings).to.deep.equal([]);
    expect(last.users).to.have.length(3);
  });

  it('Graph Explorer annotations, @odata.count, and several pages saved one after another', () => {
    const page = (n: number, next: boolean) =>
      JSON.stringify({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
        '@odata.count': 4,
        ...(next ? { '@odata.nextLink': `https://graph.microsoft.com/v1.0/users?$skiptoken=${n}` } : {}),
        '@microsoft.graph.tips': 'Use $select to choose only the properties your app needs.',
        value: [
          { id: `0000000${n}-0000-4000-8000-000000000001`, mail: `p${n}a@x.nl` },
          { id: `0000000${n}-0000-4000-8000-000000000002`, mail: `p${n}b@x.nl` },
        ],
      });
    const r = parseText(`${page(1, true)}\n${page(2, false)}\n`, { name: 'pages.jsonl' });
    expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
      [1, 'p1a@x.nl'],
      [1, 'p1b@x.nl'],
      [2, 'p2a@x.nl'],
      [2, 'p2b@x.nl'],
    ]);
    // The last page saved has no next link: the file is complete.
    expect(r.warnings).to.deep.equal([]);
  });

  it("Windows PowerShell 5.1's {\"value\": [...], \"Count\": n} at the top level is unwrapped too", () => {
    const r = parseText('{\n  "value": [\n    {"Mail": "a@x.nl"},\n    {"Mail": "b@x.nl"}\n  ],\n  "Count": 2\n}\n', { name: 'ps51.json' });
    expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
      [3, 'a@x.nl'],
      [4, 'b@x.nl'],
    ]);
  });

  it('a user object with a "value" property is a user, not an envelope', () => {
    const r = parseText('{"Mail": "a@x.nl", "value": []}', { name: 'one.json' });
    expect(r.users.map((u) => u.primaryEmail)).to.deep.equal(['a@x.nl']);
  });

  it('an empty envelope, and an envelope holding something other than objects, are clear input errors', () => {
    expectInputError(() => parseText('{"@odata.context": "x", "value": []}', { name: 'e.json' }), 'e.json', undefined, 'its OData "value" list is empty');
    expectInputError(() => parseText('{"@odata.context": "x",\n "value": [\n "a@x.nl"]}', { name: 's.json' }), 's.json', 3, 'item 1 is a string, not an object');
    expectInputError(() => parseText('{"@odata.context": "x", "value": [{"Mail": "a@x.nl"},]}', { name: 'b.json' }), 'b.json', 1, 'trailing comma');
  });

  it('SIP:, SPO:, X400:, X500:, EUM: entries are never addresses, also as one joined string', () => {
    const r = parseText(
      JSON.stringify({
        PrimarySmtpAddress: 'A@X.NL',
        EmailAddresses:
          'SMTP:A@X.NL;X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc def@x.nl;' +
          'X400:C=NL;A= ;P=X;O=Exchange;S=A;G=b@x.nl;SIP:sip@x.nl;SPO:SPO_1@SPO_2;smtp:alias@x.nl;EUM:12@x.nl',
      }),
      { name: 'j.json' },
    );
    expect(r.users[0]!.emails).to.deep.equal(['A@X.NL', 'alias@x.nl']);
  });

  it('RecipientType is never read as RecipientTypeDetails; a file with only RecipientType is warned about', () => {
    const csv = '"PrimarySmtpAddress","RecipientType","ExternalDirectoryObjectId"\r\n"info@x.nl","UserMailbox","11111111-1111-4111-8111-111111111111"\r\n';
    const r = parseText(csv, { name: 'rt.csv' });
    expect(r.users[0]!.recipientTypeDetails).to.equal(undefined);
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.match(/^rt\.csv: has RecipientType but no RecipientTypeDetails: RecipientType is UserMailbox for shared, room and equipment mailboxes too/);
    const both = parseText(csv.replace('"RecipientType"', '"RecipientType","RecipientTypeDetails"').replace('"UserMailbox"', '"UserMailbox","SharedMailbox"'), { name: 'rt2.csv' });
    expect(both.users[0]!.recipientTypeDetails).to.equal('SharedMailbox');
    expect(both.warnings).to.deep.equal([]);
  });
});
