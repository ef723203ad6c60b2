import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deriveKey } from '../../src/core/keys.js';
import { parseInputBuffer } from '../../src/sources/index.js';
import { parseJson } from '../../src/sources/json.js';
import { expectInputError, parseText } from './helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/inputs/${name}`, import.meta.url)));
const J = (text: string, name = 'u.json') => parseText(text, { name });

describe('sources/json', () => {
  describe('fixtures', () => {
    it('ConvertTo-Json array of EXO mailboxes: lines, @odata left out, X500/SIP/SPO ignored, 5.1 {value,Count} unwrapped', () => {
      const r = parseInputBuffer('exo.json', fixture('exo-mailboxes.json'), { format: 'auto', keySource: { kind: 'objectId' } });
      expect(r.warnings).to.deep.equal([]);
      expect(r.users.map((u) => u.line)).to.deep.equal([2, 21, 36]);
      const [jan, fatima, receptie] = r.users;
      expect(jan).to.deep.include({
        input: 'exo.json',
        primaryEmail: 'jan.devries@contoso.nl',
        displayName: 'Jan de Vries',
        recipientTypeDetails: 'UserMailbox',
        objectId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      });
      expect(jan!.emails).to.deep.equal(['jan.devries@contoso.nl', 'j.devries@contoso.nl']);
      expect(Object.keys(jan!.columns).some((k) => k.includes('odata'))).to.equal(false);
      expect(jan!.columns.isinactivemailbox).to.equal('false');
      expect(jan!.columns.emailaddresses).to.contain('SIP:jan.devries@contoso.nl;X500:');
      // Case-insensitive de-duplication keeps the first spelling.
      expect(fatima!.emails).to.deep.equal(['fatima.elamrani@contoso.nl', 'F.ElAmrani@contoso.nl', 'fatima.elamrani@contoso.onmicrosoft.com']);
      expect(receptie!.emails).to.deep.equal(['receptie@contoso.nl', 'info@contoso.nl']);
      expect(receptie!.columns.emailaddresses).to.equal('SMTP:receptie@contoso.nl;smtp:info@contoso.nl');
    });

    it('ConvertTo-Json -Compress per line, with a blank line', () => {
      const r = parseInputBuffer('exo.jsonl', fixture('exo-mailboxes.jsonl'), { format: 'auto' });
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [1, 'jan.devries@contoso.nl'],
        [2, 'fatima.elamrani@contoso.nl'],
        [4, 'zoe.muller@contoso.nl'],
      ]);
      expect(r.users[2]!.displayName).to.equal('Zoë Müller');
    });

    it('forced formats json and jsonl read the same', () => {
      for (const format of ['json', 'jsonl'] as const) {
        const r = parseInputBuffer('x', fixture('exo-mailboxes.jsonl'), { format });
        expect(r.users).to.have.length(3);
      }
    });

    it('broken.json: missing comma, with line and column', () => {
      expectInputError(
        () => parseInputBuffer('broken.json', fixture('broken.json'), { format: 'auto' }),
        'broken.json',
        8,
        "broken JSON at line 8, column 5: expected ',' or '}' after a property value",
      );
    });

    it('UTF-16 LE JSON (Windows PowerShell 5.1 Out-File / >)', () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fixture('exo-mailboxes.json').toString('utf8'), 'utf16le')]);
      const r = parseInputBuffer('exo.json', bytes, { format: 'auto' });
      expect(r.users.map((u) => u.line)).to.deep.equal([2, 21, 36]);
    });
  });

  describe('shapes', () => {
    it('a single pretty object', () => {
      const r = J('\n\n{\n  "Mail": "jan@x.nl",\n  "Id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"\n}\n');
      expect(r.users).to.have.length(1);
      expect(r.users[0]).to.deep.include({ line: 3, primaryEmail: 'jan@x.nl', objectId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    });
    it('pretty objects one after another (ConvertTo-Json per object)', () => {
      const r = J('{\n  "Mail": "a@x.nl"\n}\n{\n  "Mail": "b@x.nl"\n}\n');
      expect(r.users.map((u) => [u.line, u.primaryEmail])).to.deep.equal([
        [1, 'a@x.nl'],
        [4, 'b@x.nl'],
      ]);
    });
    it('a compact array on one line, and CRLF line ends', () => {
      expect(J('[{"Mail":"a@x.nl"},{"Mail":"b@x.nl"}]').users.map((u) => u.line)).to.deep.equal([1, 1]);
      expect(J('[\r\n {"Mail":"a@x.nl"},\r\n\r\n {"Mail":"b@x.nl"}\r\n]\r\n').users.map((u) => u.line)).to.deep.equal([2, 4]);
    });
    it('strings containing braces, brackets, quotes and backslashes do not confuse the scanner', () => {
      const r = J('[{"Mail":"a@x.nl","Note":"} ] { [ \\" \\\\"},\n{"Mail":"b@x.nl","Nested":{"a":[1,{"b":"}"}]}}]');
      expect(r.users.map((u) => u.line)).to.deep.equal([1, 2]);
      expect(r.users[0]!.columns.note).to.equal('} ] { [ " \\');
      expect(r.users[1]!.columns.nested).to.equal('{"a":[1,{"b":"}"}]}');
    });
    it('values as text: numbers, booleans, arrays joined with ;, nested objects as JSON, null absent', () => {
      const r = J('{"Mail":"a@x.nl","N":42,"B":true,"A":["x"," y ",null,""],"O":{"k":"v"},"Z":null,"E":"  "}');
      expect(r.users[0]!.columns).to.deep.equal({ mail: 'a@x.nl', n: '42', b: 'true', a: 'x;y', o: '{"k":"v"}' });
    });
    it('property names are case-insensitive; with two spellings the first non-empty wins', () => {
      const r = J('{"primarysmtpaddress":"a@x.nl","EXTERNALDIRECTORYOBJECTID":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","Mail":"","mail":"m@x.nl"}');
      expect(r.users[0]).to.deep.include({ primaryEmail: 'a@x.nl', objectId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
      expect(r.users[0]!.columns.mail).to.equal('m@x.nl');
    });
    it('ObjectGUID as {"Guid": ...}, {"value": ...} or 16 raw bytes', () => {
      const G = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
      const bytes = [...Buffer.from('E004253F894FD3119A0C0305E82C3301', 'hex')];
      const r = J(
        `{"Mail":"a@x.nl","ObjectGUID":{"Guid":"${G}"}}\n{"Mail":"b@x.nl","ObjectGUID":{"value":"${G.toUpperCase()}"}}\n{"Mail":"c@x.nl","objectGUID":${JSON.stringify(bytes)}}`,
      );
      expect(r.users.map((u) => u.objectGuid)).to.deep.equal([G, G.toUpperCase(), 'E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01']);
      for (const u of r.users) expect(deriveKey(u, { kind: 'objectGuid' }, 'guid')).to.deep.equal({ ok: true, key: G });
      expect(r.users[0]!.columns.objectguid).to.equal(G);
    });
    it('Graph-style users: id, mail, proxyAddresses, onPremisesImmutableId; @odata annotations ignored', () => {
      const r = J(
        JSON.stringify({
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
          value: undefined,
          id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
          mail: 'jan@x.nl',
          'proxyAddresses@odata.type': '#Collection(String)',
          proxyAddresses: ['SMTP:jan@x.nl', 'smtp:jan@x.onmicrosoft.com', 'SIP:jan@x.nl'],
          onPremisesImmutableId: '4AQlP4lP0xGaDAMF6CwzAQ==',
        }),
        'g.json',
      );
      const u = r.users[0]!;
      expect(u).to.deep.include({ objectId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', primaryEmail: 'jan@x.nl', immutableId: '4AQlP4lP0xGaDAMF6CwzAQ==' });
      expect(u.emails).to.deep.equal(['jan@x.nl', 'jan@x.onmicrosoft.com']);
      expect(Object.keys(u.columns)).to.deep.equal(['id', 'mail', 'proxyaddresses', 'onpremisesimmutableid']);
      expect(deriveKey(u, { kind: 'objectGuid' }, 'guid')).to.deep.equal({ ok: true, key: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    });
    it('any array of flat objects round-trips through JSON.stringify with correct lines', () => {
      const obj = fc.record({ Mail: fc.constantFrom('a@x.nl', 'b@y.org'), DisplayName: fc.string({ maxLength: 20 }), Id: fc.uuid() });
      fc.assert(
        fc.property(fc.array(obj, { minLength: 1, maxLength: 8 }), fc.constantFrom(0, 2, 4), (objs, indent) => {
          const text = JSON.stringify(objs, null, indent || undefined);
          const r = parseJson('p.json', text);
          expect(r.records).to.have.length(objs.length);
          const lines = text.split('\n');
          r.records.forEach((rec, i) => {
            expect(lines[rec.line - 1]).to.contain('{');
            expect(rec.props.get('id')!.value).to.equal(objs[i]!.Id);
            expect(rec.props.get('displayname')!.value).to.equal(objs[i]!.DisplayName);
          });
        }),
      );
    });
  });

  describe('errors', () => {
    const cases: [string, string, number, string][] = [
      ['a trailing comma in an array', '[\n {"Mail":"a@x.nl"},\n]\n', 2, "trailing comma before ']'"],
      ['a trailing comma in an object', '[\n {"Mail":"a@x.nl",\n }\n]', 2, "trailing comma before '}'"],
      ['single quotes', "[\n {'Mail':'a@x.nl'}\n]", 2, 'property name in double quotes'],
      ['an unclosed string', '[\n {"Mail":"a@x.nl}\n]', 2, 'runs past the end of its line'],
      ['a truncated file', '[\n {"Mail":"a@x.nl"},\n {"Mail":"b@x.nl"', 3, 'end of file'],
      ['a missing closing bracket', '[\n {"Mail":"a@x.nl"}\n', 3, 'end of file'],
      ['garbage after the array', '[{"Mail":"a@x.nl"}]\n\nxyz', 3, 'after the end of the JSON value'],
      ['an invalid escape', '{"Mail":"a@x.nl","DN":"CN=a\\,b"}', 1, 'invalid escape'],
      ['a broken line in JSONL', '{"Mail":"a@x.nl"}\n{"Mail":"b@x.nl"}\n{"Mail":"c@x.nl",}\n', 3, "trailing comma before '}'"],
      ['a JSONL line missing its closing brace', '{"Mail":"a@x.nl"\n{"Mail":"b@x.nl"}\n', 2, "expected ',' or '}'"],
      ['objects separated by commas without brackets', '{"Mail":"a@x.nl"},\n{"Mail":"b@x.nl"}\n', 1, 'where a value was expected'],
      ['a bare word', '[\n nonsense\n]', 2, 'where a value was expected'],
    ];
    for (const [what, text, line, part] of cases) {
      it(`broken JSON: ${what} → line ${line}`, () => {
        const err = expectInputError(() => J(text, 'b.json'), 'b.json', line, part);
        expect(err.message).to.match(/^broken JSON at line \d+, column \d+: /);
      });
    }
    it('reports the column', () => {
      expectInputError(() => J('[\n  {"Mail": "a@x.nl" "Id": "1"}\n]', 'b.json'), 'b.json', 2, 'line 2, column 21');
    });
    it('non-object items in an array', () => {
      expectInputError(() => J('[\n {"Mail":"a@x.nl"},\n "b@x.nl"\n]', 'n.json'), 'n.json', 3, 'item 2 is a string, not an object');
      expectInputError(() => J('[\n {"Mail":"a@x.nl"},\n null\n]', 'n.json'), 'n.json', 3, 'item 2 is null');
      expectInputError(() => J('[[{"Mail":"a@x.nl"}]]', 'n.json'), 'n.json', 1, 'item 1 is an array');
      expectInputError(() => J('[1,2]', 'n.json'), 'n.json', 1, 'item 1 is a number');
    });
    it('a non-object line in JSONL', () => {
      expectInputError(() => J('{"Mail":"a@x.nl"}\n["b@x.nl"]\n', 'n.jsonl'), 'n.jsonl', 2, 'item 2 is an array, not an object');
    });
    it('a top-level scalar', () => {
      expectInputError(() => parseText('"just a string"', { name: 's.json', format: 'json' }), 's.json', 1, 'the file holds a string (JSON), not user objects');
      expectInputError(() => parseText('PrimarySmtpAddress\na@x.nl', { name: 'c.csv', format: 'json' }), 'c.csv', 1, 'broken JSON at line 1, column 1');
    });
    it('no users: empty array, empty object list', () => {
      expectInputError(() => J('[ ]', 'e.json'), 'e.json', undefined, 'no users in this file: it holds an empty JSON array');
      expectInputError(() => J('\n[\n\n]\n', 'e.json'), 'e.json', undefined, 'empty JSON array');
      expectInputError(() => J('[]]', 'e.json'), 'e.json', 1, 'after the end');
    });
    it('no address property: lists the properties found, without @odata ones', () => {
      const err = expectInputError(
        () => J('[{"@odata.id":"x","DisplayName":"Jan","Guid":"g"},{"Alias":"jan"}]', 'p.json'),
        'p.json',
        undefined,
        'no address property',
      );
      expect(err.message).to.contain('found properties: DisplayName, Guid, Alias');
      expect(err.message).to.not.contain('odata');
    });
    it('key-source property: present when any record has it; otherwise an error', () => {
      const ok = parseText('{"Mail":"a@x.nl"}\n{"Mail":"b@x.nl","ObjectGUID":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}', { keySource: { kind: 'objectGuid' } });
      expect(ok.users[0]!.objectGuid).to.equal(undefined);
      const err = expectInputError(
        () => parseText('{"Mail":"a@x.nl","@odata.id":"x"}', { name: 'k.json', keySource: { kind: 'objectId' } }),
        'k.json',
        undefined,
        '--key-source objectId needs a ExternalDirectoryObjectId, Id or ObjectId property',
      );
      expect(err.message).to.contain('found properties: Mail');
    });
  });
});
