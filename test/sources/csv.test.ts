import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { deriveKey } from '../../src/core/keys.js';
import { parseInputBuffer } from '../../src/sources/index.js';
import { detectDelimiter, findUnclosedQuoteLine, parseCsv } from '../../src/sources/csv.js';
import { expectInputError, parseText } from './helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/inputs/${name}`, import.meta.url)));

describe('sources/csv', () => {
  describe('fixtures', () => {
    it('Exchange Online Get-EXOMailbox | Export-Csv -Encoding Unicode (Windows PowerShell 5.1: #TYPE, UTF-16 LE, all quoted)', () => {
      const bytes = fixture('exo-mailboxes.utf16le.csv');
      expect([bytes[0], bytes[1]]).to.deep.equal([0xff, 0xfe]);
      const r = parseInputBuffer('exo.csv', bytes, { format: 'auto', keySource: { kind: 'objectId' } });
      expect(r.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
      expect(r.warnings).to.deep.equal([]);
      expect(r.users.map((u) => u.line)).to.deep.equal([3, 4, 5, 6, 7]);
      const [jan, , zoe, receptie, pieter] = r.users;
      expect(jan).to.deep.include({
        input: 'exo.csv',
        primaryEmail: 'jan.devries@contoso.nl',
        userPrincipalName: 'jan.devries@contoso.nl',
        recipientTypeDetails: 'UserMailbox',
        displayName: 'Jan de Vries',
        objectId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      });
      // X500 (with spaces in it) and SIP entries are not addresses.
      expect(jan!.emails).to.deep.equal(['jan.devries@contoso.nl', 'j.devries@contoso.nl']);
      expect(jan!.columns.alias).to.equal('jan.devries');
      expect(zoe!.displayName).to.equal('Zoë Müller-Lüdenscheidt');
      expect(receptie!.recipientTypeDetails).to.equal('SharedMailbox');
      expect(receptie!.emails).to.deep.equal(['receptie@contoso.nl', 'info@contoso.nl']);
      expect(pieter!.displayName).to.equal('Pieter "PJ" Janssen');
    });

    it('Dutch Excel CSV: semicolons, BOM, CRLF, a multi-line quoted cell and an empty ;;;; row', () => {
      const r = parseInputBuffer('excel.csv', fixture('excel-nl-semicolon.csv'), { format: 'auto' });
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [2, 'anouk.bakker@gemeente-voorbeeld.nl'],
        [3, 'henk.vandenberg@gemeente-voorbeeld.nl'],
        [4, 'Sanne.deJong@Gemeente-Voorbeeld.nl'],
        [7, 'mohammed.yilmaz@gemeente-voorbeeld.nl'],
      ]);
      expect(r.users[1]!.columns.opmerking).to.equal('Tijdelijk; tot 1 juli');
      expect(r.users[1]!.columns.afdeling).to.equal('Financiën');
      expect(r.users[2]!.columns.opmerking).to.equal('Twee regels:\neerste en tweede');
      // The BOM must not stick to the first header name.
      expect(r.users[0]!.columns.weergavenaam).to.equal('Anouk Bakker');
      expect(r.users[0]!.columns).to.not.have.property('opmerking'); // empty counts as absent
    });

    it('tab-separated, with a blank line and an empty id', () => {
      const r = parseInputBuffer('t.tsv', fixture('tab-separated.tsv'), { format: 'auto', keySource: { kind: 'objectId' } });
      expect(r.users.map((u) => u.line)).to.deep.equal([2, 3, 5]);
      expect(r.users[1]!.displayName).to.equal('Bram Visser, MSc');
      expect(r.users[2]!.objectId).to.equal(undefined);
      expect(deriveKey(r.users[0]!, { kind: 'objectId' }, 'guid')).to.deep.equal({ ok: true, key: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    });

    it('AD Get-ADUser export with ObjectGUID, Mail and space-separated proxyAddresses', () => {
      const r = parseInputBuffer('ad.csv', fixture('ad-users.csv'), { format: 'auto', keySource: { kind: 'objectGuid' } });
      expect(r.users).to.have.length(3);
      const [jan, fatima, svc] = r.users;
      expect(jan).to.deep.include({ primaryEmail: 'jan.devries@contoso.nl', objectGuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', userPrincipalName: 'jvries@contoso.local' });
      expect(jan!.emails).to.deep.equal(['jan.devries@contoso.nl', 'j.devries@contoso.nl']);
      expect(jan!.objectId).to.equal(undefined);
      expect(fatima!.columns.name).to.equal('El Amrani, Fatima');
      expect(fatima!.columns.distinguishedname).to.equal('CN=El Amrani\\, Fatima,OU=Gebruikers,DC=contoso,DC=local');
      expect(svc!.primaryEmail).to.equal(undefined);
      expect(svc!.emails).to.deep.equal([]);
      expect(deriveKey(jan!, { kind: 'objectGuid' }, 'base64')).to.deep.equal({ ok: true, key: '4AQlP4lP0xGaDAMF6CwzAQ==' });
    });

    it('Export-Csv of a multi-valued EmailAddresses: warnings per user and aggregated once per kind', () => {
      const r = parseInputBuffer('tn.csv', fixture('type-name-emailaddresses.csv'), { format: 'auto' });
      expect(r.users.map((u) => u.line)).to.deep.equal([3, 4, 5]);
      expect(r.users[0]!.warnings).to.deep.equal(['EmailAddresses holds the .NET type name "Microsoft.Exchange.Data.ProxyAddressCollection" instead of addresses']);
      expect(r.users[0]!.emails).to.deep.equal(['jan.devries@contoso.nl']);
      expect(r.warnings).to.have.length(2);
      expect(r.warnings[0]).to.match(/^tn\.csv: 3 records \(first at line 3\): EmailAddresses holds the \.NET type name/);
      expect(r.warnings[0]).to.contain("@{n='EmailAddresses';e={$_.EmailAddresses -join ';'}}");
      expect(r.warnings[1]).to.match(/^tn\.csv: 1 record \(first at line 5\): primary address "Receptie" \(PrimarySmtpAddress\) is not an e-mail address/);
    });

    it('broken: unbalanced quote names the line where the broken field starts', () => {
      expectInputError(
        () => parseInputBuffer('broken.csv', fixture('broken-unbalanced-quote.csv'), { format: 'auto' }),
        'broken.csv',
        3,
        'never closed',
      );
    });

    it('broken: no address column lists what was found', () => {
      const err = expectInputError(
        () => parseInputBuffer('noaddr.csv', fixture('no-address-column.csv'), { format: 'auto' }),
        'noaddr.csv',
        1,
        'no address column',
      );
      expect(err.message).to.contain('found columns: DisplayName, Afdeling');
      expect(err.message).to.contain('PrimarySmtpAddress');
    });

    it('broken: ANSI bytes', () => {
      expectInputError(() => parseInputBuffer('ansi.csv', fixture('ansi-cp1252.csv'), { format: 'auto' }), 'ansi.csv', 3, 'not valid UTF-8');
    });
  });

  describe('delimiters', () => {
    it('detects comma, semicolon and tab from the header, ignoring quoted ones', () => {
      expect(detectDelimiter('a,b,c\n1;2;3;4;5;6')).to.equal(',');
      expect(detectDelimiter('a;b;c\n')).to.equal(';');
      expect(detectDelimiter('a\tb\n')).to.equal('\t');
      expect(detectDelimiter('"a,b,c";d;e\n')).to.equal(';');
      expect(detectDelimiter('"x"";y,z";d\n')).to.equal(';');
      expect(detectDelimiter('PrimarySmtpAddress\n')).to.equal(',');
    });
    it('a single-column file works', () => {
      const r = parseText('PrimarySmtpAddress\r\njan@example.nl\r\npiet@example.nl');
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [2, 'jan@example.nl'],
        [3, 'piet@example.nl'],
      ]);
    });
    it("Excel's sep= line picks the delimiter and is skipped", () => {
      const r = parseText('sep=;\r\nMail;Id\r\njan@example.nl;3f2504e0-4f89-11d3-9a0c-0305e82c3301\r\n');
      expect(r.users[0]).to.deep.include({ line: 3, primaryEmail: 'jan@example.nl', objectId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
      const tab = parseText('sep=\t\nMail\tId,x\njan@example.nl\t1,2\n');
      expect(tab.users[0]!.columns['id,x']).to.equal('1,2');
    });
    it('semicolon file with commas in values', () => {
      const r = parseText('Mail;DisplayName\njan@example.nl;Vries, Jan de\n');
      expect(r.users[0]!.displayName).to.equal('Vries, Jan de');
    });
  });

  describe('preamble, headers and line numbers', () => {
    it('#TYPE and other # lines only at the very top are skipped; line numbers count them', () => {
      const r = parseText('#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\n# exported 2024-05-01\n\nMail\n#notacomment@example.nl\njan@example.nl\n');
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [5, '#notacomment@example.nl'],
        [6, 'jan@example.nl'],
      ]);
    });
    it('headers are case-insensitive and trimmed', () => {
      const r = parseText(' primarysmtpaddress ,EXTERNALDIRECTORYOBJECTID,  RecipientTypeDetails\njan@example.nl,3f2504e0-4f89-11d3-9a0c-0305e82c3301,UserMailbox\n', {
        keySource: { kind: 'objectId' },
      });
      expect(r.users[0]).to.deep.include({ primaryEmail: 'jan@example.nl', objectId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', recipientTypeDetails: 'UserMailbox' });
      expect(Object.keys(r.users[0]!.columns)).to.deep.equal(['primarysmtpaddress', 'externaldirectoryobjectid', 'recipienttypedetails']);
    });
    it('duplicate headers (in any case) are an error on the header line', () => {
      const err = expectInputError(() => parseText('#TYPE x\nMail,Id,MAIL\na@b.nl,1,2\n', { name: 'dup.csv' }), 'dup.csv', 2, 'column "MAIL" appears twice');
      expect(err.message).to.contain('columns 1 and 3');
    });
    it('a trailing delimiter in the header (an empty column name) is ignored', () => {
      const r = parseText('Mail;Id;\njan@example.nl;x;\n');
      expect(Object.keys(r.users[0]!.columns)).to.deep.equal(['mail', 'id']);
    });
    it('quoted fields with delimiters, quotes, CRLF and LF inside; line numbers stay physical', () => {
      const text = 'Mail,Note,Id\r\n"a@x.nl","one, two","1"\r\n"b@x.nl","multi\r\nline\r\ncell","2"\r\n"c@x.nl","say ""hi""","3"\r\nd@x.nl,"lf\nonly",4\r\n';
      const r = parseText(text);
      expect(r.users.map((u) => [u.line, u.columns.note])).to.deep.equal([
        [2, 'one, two'],
        [3, 'multi\nline\ncell'],
        [6, 'say "hi"'],
        [7, 'lf\nonly'],
      ]);
    });
    it('stray quotes inside unquoted values are kept as text', () => {
      const r = parseText('Mail,DisplayName\njan@x.nl,Jan "JJ" Jansen\n');
      expect(r.users[0]!.displayName).to.equal('Jan "JJ" Jansen');
    });
    it('blank and whitespace-only lines are skipped, with lines still counted', () => {
      const r = parseText('Mail,Id\n\n   \njan@x.nl,1\n,\n\npiet@x.nl,2');
      expect(r.users.map((u) => u.line)).to.deep.equal([4, 7]);
    });
    it('values are trimmed and empty values are absent', () => {
      const r = parseText('Mail,Id,DisplayName\n  jan@x.nl  ,  ,\t\n');
      expect(r.users[0]!.primaryEmail).to.equal('jan@x.nl');
      expect(r.users[0]!.objectId).to.equal(undefined);
      expect(r.users[0]!.displayName).to.equal(undefined);
      expect(r.users[0]!.columns).to.deep.equal({ mail: 'jan@x.nl' });
    });
    it('old Mac CR-only line ends work', () => {
      const r = parseText('Mail,Id\rjan@x.nl,1\rpiet@x.nl,2\r');
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [2, 'jan@x.nl'],
        [3, 'piet@x.nl'],
      ]);
    });
    it('extra trailing empty fields are tolerated', () => {
      const r = parseText('Mail;Id\njan@x.nl;1;;\n');
      expect(r.users).to.have.length(1);
    });
    it('@odata columns stay out of columns', () => {
      const r = parseText('@odata.id,Mail\nhttps://x,jan@x.nl\n');
      expect(r.users[0]!.columns).to.deep.equal({ mail: 'jan@x.nl' });
    });
  });

  describe('errors', () => {
    it('unbalanced quote in a multi-line file: the line where the field starts, not the end of file', () => {
      const text = 'Mail,Note\na@x.nl,ok\nb@x.nl,"starts here\nc@x.nl,x\nd@x.nl,y\ne@x.nl,z\n';
      expectInputError(() => parseText(text, { name: 'q.csv' }), 'q.csv', 3, 'starting at line 3');
    });
    it('unbalanced quote after a legitimate multi-line cell and a #TYPE line', () => {
      const text = '#TYPE x\r\n"Mail","Note"\r\n"a@x.nl","two\r\nlines"\r\n"b@x.nl","say ""hi"""\r\n"c@x.nl","broken\r\n"d@x.nl","x"\r\n';
      // csv-parse (relax_quotes) closes the field at the next line's quote; the record then has too
      // many fields, and the message points at the record's first line and says why.
      expectInputError(() => parseText(text, { name: 'q.csv' }), 'q.csv', 6, 'runs on to line 7, so a quote in it is probably unbalanced');
    });
    it('findUnclosedQuoteLine finds nothing in a balanced file', () => {
      expect(findUnclosedQuoteLine('a,b\n"x\ny",z\n', ',', 0, 1)).to.equal(null);
      expect(findUnclosedQuoteLine('a,b\n"x\ny",z\n"w', ',', 0, 1)).to.equal(4);
    });
    it('a row with too few fields names its line', () => {
      const err = expectInputError(() => parseText('Mail,Id,Name\njan@x.nl,1,Jan\npiet@x.nl,2\n', { name: 'f.csv' }), 'f.csv', 3, 'has 2 fields but the header has 3');
      expect(err.hint).to.contain('double quotes');
    });
    it('a row with too many (non-empty) fields names its line', () => {
      expectInputError(() => parseText('Mail;Name\njan@x.nl;Jan\npiet@x.nl;Vries; de\n', { name: 'f.csv' }), 'f.csv', 3, 'has 3 fields');
    });
    for (const [what, text, line, part] of [
      ['an empty file', '', undefined, 'it is empty'],
      ['a whitespace-only file', ' \r\n\t\r\n', undefined, 'it is empty'],
      ['a header only', 'Mail,Id\r\n', 1, 'it holds only a header'],
      ['#TYPE and a header only', '#TYPE x\r\n"Mail","Id"\r\n\r\n', 2, 'it holds only a header'],
      ['a header and empty rows only', 'Mail;Id\r\n;\r\n;\r\n', 1, 'it holds only a header'],
      ['#TYPE only', '#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n', undefined, 'it holds no header and no rows'],
    ] as const) {
      it(`no users: ${what}`, () => {
        const err = expectInputError(() => parseText(text, { name: 'e.csv' }), 'e.csv', line, `no users in this file: ${part}`);
        expect(err.hint).to.contain('Export-Csv');
      });
    }
    it('missing key-source column: names the missing column(s) and the ones present', () => {
      const text = 'PrimarySmtpAddress,DisplayName\njan@x.nl,Jan\n';
      let err = expectInputError(() => parseText(text, { name: 'k.csv', keySource: { kind: 'objectId' } }), 'k.csv', 1, '--key-source objectId needs a ExternalDirectoryObjectId, Id or ObjectId column');
      expect(err.message).to.contain('found columns: PrimarySmtpAddress, DisplayName');
      err = expectInputError(() => parseText(text, { name: 'k.csv', keySource: { kind: 'objectGuid' } }), 'k.csv', 1, 'ObjectGUID, ImmutableId or OnPremisesImmutableId');
      err = expectInputError(() => parseText(text, { name: 'k.csv', keySource: { kind: 'immutableId' } }), 'k.csv', 1, 'ImmutableId or OnPremisesImmutableId');
      err = expectInputError(
        () => parseText(text, { name: 'k.csv', keySource: { kind: 'column', column: 'EmployeeId' } }),
        'k.csv',
        1,
        '--key-source column:EmployeeId needs a "EmployeeId" column',
      );
      expect(err.hint).to.contain('spelling');
    });
    it('key-source columns present (any case) pass, even when a row has no value', () => {
      const r = parseText('Mail,employeeID,ObjectId,OnPremisesImmutableId\njan@x.nl,,,\n', { keySource: { kind: 'column', column: 'EmployeeId' } });
      expect(r.users).to.have.length(1);
      parseText('Mail,ObjectId\njan@x.nl,\n', { keySource: { kind: 'objectId' } });
      parseText('Mail,OnPremisesImmutableId\njan@x.nl,\n', { keySource: { kind: 'objectGuid' } });
      parseText('Mail,OnPremisesImmutableId\njan@x.nl,\n', { keySource: { kind: 'immutableId' } });
    });
    it('UserPrincipalName alone counts as an address column', () => {
      expect(parseText('UserPrincipalName\njan@x.nl\n').users[0]!.userPrincipalName).to.equal('jan@x.nl');
    });
  });

  it('parseCsv reports the delimiter it used', () => {
    expect(parseCsv('x', 'a;b\n1;2\n').delimiter).to.equal(';');
  });
});
