import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  defaultKeyFormat,
  deriveKey,
  formatGuid,
  formatKeySource,
  formatOctetString,
  guidToImmutableId,
  isValidKeyFor,
  MAX_RAW_KEY_LENGTH,
  parseGuid,
  parseGuidText,
  parseKeySource,
} from '../../src/core/keys.js';
import type { KeyFormat, KeySource, SourceUser } from '../../src/core/types.js';

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const nonNilBytes16 = bytes16.filter((b) => b.some((x) => x !== 0));

/**
 * An independent reference for the Windows GUID layout, written differently from the code under
 * test: read the struct fields with DataView (little-endian Data1/2/3), as .NET's Guid(byte[]) does.
 */
function referenceGuidText(bytes: Uint8Array): string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const d1 = dv.getUint32(0, true).toString(16).padStart(8, '0');
  const d2 = dv.getUint16(4, true).toString(16).padStart(4, '0');
  const d3 = dv.getUint16(6, true).toString(16).padStart(4, '0');
  const rest = Buffer.from(bytes.subarray(8)).toString('hex');
  return `${d1}-${d2}-${d3}-${rest.slice(0, 4)}-${rest.slice(4)}`;
}

function user(partial: Partial<SourceUser> = {}): SourceUser {
  return { input: 't.csv', line: 2, emails: [], columns: {}, warnings: [], ...partial };
}

/** Known pairs, each checked by hand against Node's Buffer and .NET's documented layout. */
const KNOWN = [
  {
    guid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    octets: 'E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01',
    base64: '4AQlP4lP0xGaDAMF6CwzAQ==',
  },
  {
    // Bytes 00..0f: Data1 = 0x03020100, Data2 = 0x0504, Data3 = 0x0706.
    guid: '03020100-0504-0706-0809-0a0b0c0d0e0f',
    octets: '00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F',
    base64: 'AAECAwQFBgcICQoLDA0ODw==',
  },
  {
    guid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    octets: 'FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF',
    base64: '/////////////////////w==',
  },
];

describe('core/keys', () => {
  describe('known pairs', () => {
    for (const k of KNOWN) {
      it(`${k.guid} ↔ ${k.octets} ↔ ${k.base64}`, () => {
        const raw = Buffer.from(k.octets.replace(/ /g, ''), 'hex');
        expect(raw.toString('base64')).to.equal(k.base64); // the pair itself, via Buffer only
        expect(referenceGuidText(new Uint8Array(raw))).to.equal(k.guid);
        const fromGuid = parseGuid(k.guid)!;
        expect(Buffer.from(fromGuid).equals(raw)).to.equal(true);
        expect(Buffer.from(parseGuid(k.octets)!).equals(raw)).to.equal(true);
        expect(Buffer.from(parseGuid(k.base64)!).equals(raw)).to.equal(true);
        expect(formatGuid(fromGuid)).to.equal(k.guid);
        expect(guidToImmutableId(fromGuid)).to.equal(k.base64);
        expect(formatOctetString(fromGuid)).to.equal(k.octets);
      });
    }

    it('the MD5-derived pair agrees with the reference layout', () => {
      // An arbitrary but reproducible byte pattern, to avoid only testing "nice" bytes.
      const raw = new Uint8Array(createHash('md5').update('zivver').digest());
      expect(formatGuid(raw)).to.equal(referenceGuidText(raw));
    });
  });

  describe('parseGuid notations of the same GUID', () => {
    const expected = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const notations = [
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      '{3F2504E0-4F89-11D3-9A0C-0305E82C3301}',
      '{ 3f2504e0-4f89-11d3-9a0c-0305e82c3301 }',
      '  3f2504e04f8911d39a0c0305e82c3301\t',
      '{3f2504e04f8911d39a0c0305e82c3301}',
      'E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01',
      'e0 04 25 3f 89 4f d3 11 9a 0c 03 05 e8 2c 33 01',
      'E0  04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01 ',
      '\\e0\\04\\25\\3f\\89\\4f\\d3\\11\\9a\\0c\\03\\05\\e8\\2c\\33\\01',
      '\\E0\\04\\25\\3F\\89\\4F\\D3\\11\\9A\\0C\\03\\05\\E8\\2C\\33\\01',
      '0xE0 0x04 0x25 0x3F 0x89 0x4F 0xD3 0x11 0x9A 0x0C 0x03 0x05 0xE8 0x2C 0x33 0x01',
      '0xE0, 0x04, 0x25, 0x3F, 0x89, 0x4F, 0xD3, 0x11, 0x9A, 0x0C, 0x03, 0x05, 0xE8, 0x2C, 0x33, 0x01',
      '0xE0 0x4 0x25 0x3F 0x89 0x4F 0xD3 0x11 0x9A 0xC 0x3 0x5 0xE8 0x2C 0x33 0x1',
      'E0-04-25-3F-89-4F-D3-11-9A-0C-03-05-E8-2C-33-01',
      '0xE004253F894FD3119A0C0305E82C3301',
      '4AQlP4lP0xGaDAMF6CwzAQ==',
      ' 4AQlP4lP0xGaDAMF6CwzAQ== ',
    ];
    for (const n of notations) {
      it(JSON.stringify(n), () => {
        const b = parseGuid(n);
        expect(b, n).to.not.equal(null);
        expect(formatGuid(b!)).to.equal(expected);
      });
    }
  });

  describe('parseGuid rejections', () => {
    const bad: [string, string][] = [
      ['', 'empty'],
      ['   ', 'whitespace'],
      ['3f2504e0-4f89-11d3-9a0c-0305e82c330', 'one digit short'],
      ['3f2504e0-4f89-11d3-9a0c-0305e82c33011', 'one digit long'],
      ['3f2504e0-4f89-11d3-9a0c-0305e82c330g', 'non-hex digit'],
      ['3f2504e04f89-11d3-9a0c-0305e82c3301', 'some hyphens missing'],
      ['3f2504e0-4f8911d3-9a0c-0305e82c3301', 'hyphen in wrong place'],
      ['{3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'unbalanced brace'],
      ['3f2504e0-4f89-11d3-9a0c-0305e82c3301}', 'unbalanced closing brace'],
      ['(3f2504e0-4f89-11d3-9a0c-0305e82c3301)', 'parentheses'],
      ['E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33', '15 octets'],
      ['E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01 02', '17 octets'],
      ['E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 1', 'single-digit octet without 0x'],
      ['E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 0G', 'non-hex octet'],
      ['E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 100', 'three-digit octet'],
      ['\\e0\\04\\25\\3f\\89\\4f\\d3\\11\\9a\\0c\\03\\05\\e8\\2c\\33', '15 escaped octets'],
      ['\\e0\\04\\25\\3f\\89\\4f\\d3\\11\\9a\\0c\\03\\05\\e8\\2c\\33\\1', 'short escape'],
      ['224 4 37 63 137 79 211 17 154 12 3 5 232 44 51 1', 'decimal octets (ambiguous)'],
      ['0xE004253F894FD3119A0C0305E82C33', '0x with 30 digits'],
      ['4AQlP4lP0xGaDAMF6CwzAQ', 'base64 without padding'],
      ['4AQlP4lP0xGaDAMF6CwzAR==', 'base64 with junk padding bits'],
      ['4AQlP4lP0xGaDAMF6CwzAQ=', 'base64 with one pad'],
      ['4AQlP4lP0xGaDAMF6Cwz_Q==', 'url-safe base64'],
      ['4AQlP4lP0xGaDAMF6CwzAQAA', '18 bytes of base64'],
      ['AAECAwQFBgcICQoLDA0ODxA=', '17 bytes of base64'],
      ['john.doe@example.nl', 'an address'],
      ['S-1-5-21-1004336348-1177238915-682003330-512', 'a SID'],
      ['not a guid', 'words'],
    ];
    for (const [text, why] of bad) {
      it(`rejects ${why}`, () => {
        expect(parseGuid(text)).to.equal(null);
      });
    }
    it('parseGuidText accepts only GUID text', () => {
      expect(parseGuidText('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).to.not.equal(null);
      expect(parseGuidText('4AQlP4lP0xGaDAMF6CwzAQ==')).to.equal(null);
      expect(parseGuidText('E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01')).to.equal(null);
    });
  });

  describe('properties', () => {
    it('bytes → GUID text → bytes', () => {
      fc.assert(
        fc.property(bytes16, (b) => {
          const text = formatGuid(b);
          expect(text).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          expect(text).to.equal(referenceGuidText(b));
          expect(Array.from(parseGuid(text)!)).to.deep.equal(Array.from(b));
        }),
      );
    });
    it('bytes → base64 → bytes', () => {
      fc.assert(
        fc.property(bytes16, (b) => {
          const id = guidToImmutableId(b);
          expect(id).to.have.length(24);
          expect(id).to.equal(Buffer.from(b).toString('base64'));
          expect(Array.from(parseGuid(id)!)).to.deep.equal(Array.from(b));
        }),
      );
    });
    it('bytes → octet string (several spellings) → bytes', () => {
      fc.assert(
        fc.property(bytes16, fc.constantFrom(' ', '\\', '0x', '-', ', 0x'), fc.boolean(), (b, style, lower) => {
          const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0'));
          const h = lower ? hex : hex.map((x) => x.toUpperCase());
          let text: string;
          if (style === '\\') text = h.map((x) => `\\${x}`).join('');
          else if (style === '0x') text = h.map((x) => `0x${x}`).join(' ');
          else if (style === ', 0x') text = '0x' + h.join(', 0x');
          else text = h.join(style);
          expect(Array.from(parseGuid(text)!)).to.deep.equal(Array.from(b));
        }),
      );
      fc.assert(
        fc.property(bytes16, (b) => {
          expect(Array.from(parseGuid(formatOctetString(b))!)).to.deep.equal(Array.from(b));
        }),
      );
    });
    it('any notation of the same GUID gives the same key, in every format', () => {
      const notation = fc.constantFrom<(b: Uint8Array) => string>(
        (b) => formatGuid(b),
        (b) => formatGuid(b).toUpperCase(),
        (b) => `{${formatGuid(b)}}`,
        (b) => `  ${formatGuid(b).replace(/-/g, '')} `,
        (b) => formatOctetString(b),
        (b) => Array.from(b, (x) => `\\${x.toString(16).padStart(2, '0')}`).join(''),
        (b) => guidToImmutableId(b),
      );
      fc.assert(
        fc.property(nonNilBytes16, notation, notation, fc.constantFrom<KeyFormat>('guid', 'base64'), (b, n1, n2, format) => {
          const k1 = deriveKey(user({ objectGuid: n1(b) }), { kind: 'objectGuid' }, format);
          const k2 = deriveKey(user({ objectGuid: n2(b) }), { kind: 'objectGuid' }, format);
          expect(k1).to.deep.equal(k2);
          expect(k1.ok).to.equal(true);
          if (k1.ok) expect(isValidKeyFor(k1.key, format)).to.equal(true);
        }),
      );
    });
    it('parseGuid never throws and only ever returns 16 bytes', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 80 }), (s) => {
          const r = parseGuid(s);
          if (r !== null) expect(r.length).to.equal(16);
        }),
      );
    });
    it('raw keys: derived keys are always valid for raw', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (s) => {
          const r = deriveKey(user({ columns: { k: s } }), { kind: 'column', column: 'K' }, 'raw');
          if (r.ok) {
            expect(r.key).to.equal(s.trim());
            expect(isValidKeyFor(r.key, 'raw')).to.equal(true);
          } else expect(r.reason).to.be.a('string').and.not.equal('');
        }),
      );
    });
  });

  describe('formatGuid / guidToImmutableId', () => {
    it('refuse anything but 16 bytes', () => {
      expect(() => formatGuid(new Uint8Array(15))).to.throw(RangeError);
      expect(() => guidToImmutableId(new Uint8Array(17))).to.throw(RangeError);
      expect(() => formatOctetString(new Uint8Array(0))).to.throw(RangeError);
    });
  });

  describe('parseKeySource / formatKeySource / defaultKeyFormat', () => {
    const ok: [string, KeySource][] = [
      ['objectId', { kind: 'objectId' }],
      ['OBJECTID', { kind: 'objectId' }],
      [' objectid ', { kind: 'objectId' }],
      ['objectGuid', { kind: 'objectGuid' }],
      ['ObjectGUID', { kind: 'objectGuid' }],
      ['immutableId', { kind: 'immutableId' }],
      ['IMMUTABLEID', { kind: 'immutableId' }],
      ['column:EmployeeId', { kind: 'column', column: 'EmployeeId' }],
      ['Column: extensionAttribute1 ', { kind: 'column', column: 'extensionAttribute1' }],
      ['COLUMN:a:b', { kind: 'column', column: 'a:b' }],
    ];
    for (const [text, expected] of ok) {
      it(`parses ${JSON.stringify(text)}`, () => expect(parseKeySource(text)).to.deep.equal(expected));
    }
    for (const text of ['', 'guid', 'objectGuids', 'column:', 'column:   ', 'column', 'col:x', 'column:a\tb', 'upn']) {
      it(`rejects ${JSON.stringify(text)}`, () => expect(parseKeySource(text)).to.equal(null));
    }
    it('formats back', () => {
      for (const s of ['objectId', 'objectGuid', 'immutableId', 'column:EmployeeId']) {
        expect(formatKeySource(parseKeySource(s)!)).to.equal(s);
      }
    });
    it('defaults: guid for GUID sources, raw otherwise', () => {
      expect(defaultKeyFormat({ kind: 'objectId' })).to.equal('guid');
      expect(defaultKeyFormat({ kind: 'objectGuid' })).to.equal('guid');
      expect(defaultKeyFormat({ kind: 'immutableId' })).to.equal('raw');
      expect(defaultKeyFormat({ kind: 'column', column: 'x' })).to.equal('raw');
    });
  });

  describe('deriveKey', () => {
    const G = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const B64 = '4AQlP4lP0xGaDAMF6CwzAQ==';
    const OCT = 'E0 04 25 3F 89 4F D3 11 9A 0C 03 05 E8 2C 33 01';

    it('objectId → canonical GUID', () => {
      expect(deriveKey(user({ objectId: ` {${G.toUpperCase()}} ` }), { kind: 'objectId' }, 'guid')).to.deep.equal({ ok: true, key: G });
    });
    it('objectId → base64 and raw', () => {
      expect(deriveKey(user({ objectId: G }), { kind: 'objectId' }, 'base64')).to.deep.equal({ ok: true, key: B64 });
      expect(deriveKey(user({ objectId: ` ${G.toUpperCase()} ` }), { kind: 'objectId' }, 'raw')).to.deep.equal({ ok: true, key: G.toUpperCase() });
    });
    it('objectId must be GUID text, not another notation', () => {
      for (const v of [B64, OCT, 'john.doe', 'Doe, John']) {
        const r = deriveKey(user({ objectId: v }), { kind: 'objectId' }, 'guid');
        expect(r.ok, v).to.equal(false);
        if (!r.ok) expect(r.reason).to.contain('is not a GUID').and.contain(JSON.stringify(v));
      }
      const raw = deriveKey(user({ objectId: 'john.doe' }), { kind: 'objectId' }, 'raw');
      expect(raw.ok).to.equal(false);
    });
    it('objectId missing', () => {
      expect(deriveKey(user(), { kind: 'objectId' }, 'guid')).to.deep.equal({ ok: false, reason: 'no ExternalDirectoryObjectId/Id/ObjectId value' });
      const r = deriveKey(user({ objectId: '  ' }), { kind: 'objectId' }, 'guid');
      expect(r.ok).to.equal(false);
    });
    it('objectGuid in every notation; falls back to ImmutableId', () => {
      for (const v of [G, OCT, B64, `{${G}}`]) {
        expect(deriveKey(user({ objectGuid: v }), { kind: 'objectGuid' }, 'guid')).to.deep.equal({ ok: true, key: G });
        expect(deriveKey(user({ objectGuid: v }), { kind: 'objectGuid' }, 'base64')).to.deep.equal({ ok: true, key: B64 });
      }
      expect(deriveKey(user({ immutableId: B64 }), { kind: 'objectGuid' }, 'guid')).to.deep.equal({ ok: true, key: G });
      expect(deriveKey(user({ objectGuid: OCT }), { kind: 'objectGuid' }, 'raw')).to.deep.equal({ ok: true, key: OCT });
    });
    it('objectGuid present but broken: no silent fallback to ImmutableId', () => {
      const r = deriveKey(user({ objectGuid: 'xyz', immutableId: B64 }), { kind: 'objectGuid' }, 'guid');
      expect(r).to.deep.equal({ ok: false, reason: 'ObjectGUID "xyz" is not a GUID in any known notation' });
    });
    it('objectGuid missing / broken ImmutableId', () => {
      expect(deriveKey(user(), { kind: 'objectGuid' }, 'guid')).to.deep.equal({
        ok: false,
        reason: 'no ObjectGUID/ImmutableId/OnPremisesImmutableId value',
      });
      const r = deriveKey(user({ immutableId: 'abc' }), { kind: 'objectGuid' }, 'guid');
      expect(r).to.deep.equal({ ok: false, reason: 'ImmutableId "abc" is not a GUID in any known notation' });
    });
    it('nil GUID is refused', () => {
      const r = deriveKey(user({ objectId: '00000000-0000-0000-0000-000000000000' }), { kind: 'objectId' }, 'guid');
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.contain('nil');
      expect(deriveKey(user({ objectGuid: 'AAAAAAAAAAAAAAAAAAAAAA==' }), { kind: 'objectGuid' }, 'base64').ok).to.equal(false);
    });
    it('immutableId: raw by default, convertible to guid', () => {
      expect(deriveKey(user({ immutableId: ` ${B64} ` }), { kind: 'immutableId' }, 'raw')).to.deep.equal({ ok: true, key: B64 });
      expect(deriveKey(user({ immutableId: B64 }), { kind: 'immutableId' }, 'guid')).to.deep.equal({ ok: true, key: G });
      // A custom sourceAnchor (e.g. an address) is fine raw, but not as a GUID.
      expect(deriveKey(user({ immutableId: 'jan@example.nl' }), { kind: 'immutableId' }, 'raw')).to.deep.equal({ ok: true, key: 'jan@example.nl' });
      const r = deriveKey(user({ immutableId: 'jan@example.nl' }), { kind: 'immutableId' }, 'guid');
      expect(r).to.deep.equal({ ok: false, reason: 'ImmutableId "jan@example.nl" is not a GUID in any known notation' });
      expect(deriveKey(user(), { kind: 'immutableId' }, 'raw')).to.deep.equal({ ok: false, reason: 'no ImmutableId/OnPremisesImmutableId value' });
    });
    it('column: looked up case-insensitively', () => {
      const u = user({ columns: { employeeid: ' E12345 ' } });
      expect(deriveKey(u, { kind: 'column', column: 'EmployeeID' }, 'raw')).to.deep.equal({ ok: true, key: 'E12345' });
      expect(deriveKey(u, { kind: 'column', column: 'Other' }, 'raw')).to.deep.equal({ ok: false, reason: 'no value in column "Other"' });
      expect(deriveKey(user({ columns: { x: '' } }), { kind: 'column', column: 'X' }, 'raw')).to.deep.equal({
        ok: false,
        reason: 'no value in column "X"',
      });
      expect(deriveKey(user({ columns: { x: OCT } }), { kind: 'column', column: 'x' }, 'guid')).to.deep.equal({ ok: true, key: G });
      const r = deriveKey(user({ columns: { x: 'nope' } }), { kind: 'column', column: 'x' }, 'guid');
      expect(r).to.deep.equal({ ok: false, reason: 'column x "nope" is not a GUID in any known notation' });
    });
    it('raw rejections: control characters, invisible characters, too long', () => {
      const col = (v: string) => deriveKey(user({ columns: { k: v } }), { kind: 'column', column: 'k' }, 'raw');
      for (const v of ['a\u0000b', 'a\u0007b', 'line\nbreak', 'a\u200Bb', 'a\uFEFFb', 'a\u2028b']) {
        const r = col(v);
        expect(r.ok, JSON.stringify(v)).to.equal(false);
        if (!r.ok) expect(r.reason).to.contain('control or invisible');
      }
      expect(col('x'.repeat(MAX_RAW_KEY_LENGTH)).ok).to.equal(true);
      const long = col('x'.repeat(MAX_RAW_KEY_LENGTH + 1));
      expect(long.ok).to.equal(false);
      if (!long.ok) expect(long.reason).to.contain('257 characters').and.contain('…');
      // Code points, not UTF-16 units: 256 emoji are fine.
      expect(col('😀'.repeat(MAX_RAW_KEY_LENGTH)).ok).to.equal(true);
    });
  });

  describe('isValidKeyFor', () => {
    it('guid: canonical lower-case only', () => {
      expect(isValidKeyFor('3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'guid')).to.equal(true);
      for (const k of [
        '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
        '{3f2504e0-4f89-11d3-9a0c-0305e82c3301}',
        '3f2504e04f8911d39a0c0305e82c3301',
        ' 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        '00000000-0000-0000-0000-000000000000',
        '4AQlP4lP0xGaDAMF6CwzAQ==',
        '',
      ]) {
        expect(isValidKeyFor(k, 'guid'), k).to.equal(false);
      }
    });
    it('base64: canonical 16-byte base64 only', () => {
      expect(isValidKeyFor('4AQlP4lP0xGaDAMF6CwzAQ==', 'base64')).to.equal(true);
      for (const k of ['4AQlP4lP0xGaDAMF6CwzAR==', '4AQlP4lP0xGaDAMF6CwzAQ', 'AAAAAAAAAAAAAAAAAAAAAA==', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', ' 4AQlP4lP0xGaDAMF6CwzAQ==']) {
        expect(isValidKeyFor(k, 'base64'), k).to.equal(false);
      }
    });
    it('raw: trimmed, non-empty, printable, bounded', () => {
      expect(isValidKeyFor('E12345', 'raw')).to.equal(true);
      expect(isValidKeyFor('Jan de Vries', 'raw')).to.equal(true);
      for (const k of ['', ' x', 'x ', 'a\tb', 'x'.repeat(257)]) expect(isValidKeyFor(k, 'raw'), JSON.stringify(k)).to.equal(false);
    });
  });
});
