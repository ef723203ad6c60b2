/**
 * UTF-8 JSON is read record by record straight from the bytes; UTF-16 JSON takes the decoding
 * path. Both must give the same users, lines, warnings and errors.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { parseInputBuffer, type InputReadResult } from '../../src/sources/index.js';

const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

function read(bytes: Uint8Array, keepColumns?: (c: string) => boolean): InputReadResult | string {
  try {
    const r = parseInputBuffer('u.json', bytes, { format: 'auto', ...(keepColumns ? { keepColumns } : {}) });
    return { ...r, sha256: '' };
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
}

const mailbox = fc.record(
  {
    PrimarySmtpAddress: fc.oneof(fc.emailAddress(), fc.string({ unit: 'grapheme', maxLength: 8 })),
    DisplayName: fc.string({ unit: 'grapheme', maxLength: 12 }),
    EmailAddresses: fc.array(fc.oneof(fc.emailAddress().map((e) => `smtp:${e}`), fc.constant('X500:/o=Org/cn=x y'), fc.constant('SIP:a@b.nl')), { maxLength: 3 }),
    ExternalDirectoryObjectId: fc.uuid(),
    RecipientTypeDetails: fc.constantFrom('UserMailbox', 'SharedMailbox'),
    Note: fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })),
  },
  { requiredKeys: ['ExternalDirectoryObjectId'] },
);

describe('sources: JSON read from the bytes, record by record', () => {
  it('gives what the decoding path gives, for arrays, JSON lines and pretty objects (property)', () => {
    fc.assert(
      fc.property(fc.array(mailbox, { minLength: 1, maxLength: 8 }), fc.constantFrom('array', 'pretty-array', 'lines', 'pretty-objects'), (boxes, shape) => {
        const text =
          shape === 'array'
            ? JSON.stringify(boxes)
            : shape === 'pretty-array'
              ? JSON.stringify(boxes, null, 2)
              : boxes.map((b) => JSON.stringify(b, null, shape === 'lines' ? undefined : 2)).join('\n');
        expect(read(Buffer.from(text, 'utf8'))).to.deep.equal(read(utf16(text)));
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same errors as the decoding path for broken files', () => {
    for (const text of ['[\n {"Mail":"a@x.nl"},\n]', '{"Mail":"a@x.nl"}\n{"Mail":', '[{"Mail":"a@x.nl"}] x', '[1]', '{"Mail":"a@x.nl"}\n[2]', '{"value":[],"@odata.context":"x"}']) {
      const bytes = read(Buffer.from(text, 'utf8'));
      expect(bytes, text).to.be.a('string');
      expect(bytes, text).to.equal(read(utf16(text)));
    }
  });

  it('keeps only the columns asked for (plan asks for those of a column: key source)', () => {
    const text = JSON.stringify([{ Mail: 'a@x.nl', EmployeeId: ' 42 ', Other: 'x' }]);
    const all = read(Buffer.from(text)) as InputReadResult;
    expect(all.users[0]!.columns).to.deep.equal({ mail: 'a@x.nl', employeeid: '42', other: 'x' });
    const some = read(Buffer.from(text), (c) => c === 'employeeid') as InputReadResult;
    expect(some.users[0]!.columns).to.deep.equal({ employeeid: '42' });
    // Everything else about the user is the same.
    expect({ ...some.users[0], columns: {} }).to.deep.equal({ ...all.users[0], columns: {} });
  });

  it('a file that is not UTF-8 still gets the message with the line of the bad byte', () => {
    const bytes = Buffer.concat([Buffer.from('[{"Mail":"a@x.nl"},\n{"Mail":"'), Buffer.from([0xe9]), Buffer.from('@x.nl"}]')]);
    expect(read(bytes)).to.match(/not valid UTF-8: undecodable byte at line 2/);
  });
});
