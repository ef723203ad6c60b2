import { expect } from 'chai';
import fc from 'fast-check';
import { decodeInput, firstInvalidUtf8 } from '../../src/util/decode.js';
import { expectInputError } from '../sources/helpers.js';

const SAMPLE = 'PrimarySmtpAddress,DisplayName\r\nzoe@example.nl,Zoë Müller 😀\r\n';

describe('util/decode', () => {
  it('UTF-8 without BOM', () => {
    expect(decodeInput('f', Buffer.from(SAMPLE, 'utf8'))).to.deep.equal({ text: SAMPLE, encoding: 'utf-8', bom: false });
  });
  it('UTF-8 with BOM (dropped)', () => {
    const b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE, 'utf8')]);
    expect(decodeInput('f', b)).to.deep.equal({ text: SAMPLE, encoding: 'utf-8', bom: true });
  });
  it('UTF-16 LE with BOM (Export-Csv -Encoding Unicode)', () => {
    const b = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')]);
    expect(decodeInput('f', b)).to.deep.equal({ text: SAMPLE, encoding: 'utf-16le', bom: true });
  });
  it('UTF-16 BE with BOM (Export-Csv -Encoding BigEndianUnicode)', () => {
    const le = Buffer.from(SAMPLE, 'utf16le');
    const be = Buffer.from(le).swap16();
    const b = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    expect(decodeInput('f', b)).to.deep.equal({ text: SAMPLE, encoding: 'utf-16be', bom: true });
  });
  it('UTF-16 LE/BE without BOM is recognised by its NUL bytes', () => {
    const le = Buffer.from(SAMPLE, 'utf16le');
    expect(decodeInput('f', le).text).to.equal(SAMPLE);
    expect(decodeInput('f', Buffer.from(le).swap16()).text).to.equal(SAMPLE);
  });
  it('refuses Windows-1252 bytes, naming the line of the first bad byte', () => {
    const b = Buffer.concat([Buffer.from('a,b\r\nc,d\r\ne,Zo'), Buffer.from([0xeb]), Buffer.from('\r\n')]);
    const err = expectInputError(() => decodeInput('ansi.csv', b), 'ansi.csv', 3, 'not valid UTF-8');
    expect(err.message).to.contain('0xEB');
    expect(err.hint).to.contain('CSV UTF-8');
  });
  it('refuses a truncated multi-byte sequence at the end', () => {
    const b = Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xe2, 0x82])]);
    expectInputError(() => decodeInput('t.csv', b), 't.csv', 3, 'not valid UTF-8');
  });
  it('refuses an overlong encoding and a UTF-8-encoded surrogate', () => {
    expectInputError(() => decodeInput('o.csv', Buffer.from([0x61, 0x0a, 0xc0, 0xaf])), 'o.csv', 2);
    expectInputError(() => decodeInput('s.csv', Buffer.from([0xed, 0xa0, 0x80])), 's.csv', 1);
  });
  it('refuses UTF-16 with an unpaired surrogate, naming the line', () => {
    const text = Buffer.from('a\nb\nc', 'utf16le');
    const bad = Buffer.concat([Buffer.from([0xff, 0xfe]), text, Buffer.from([0x00, 0xd8, 0x41, 0x00])]);
    expectInputError(() => decodeInput('u16.csv', bad), 'u16.csv', 3, 'unpaired UTF-16 surrogate');
  });
  it('refuses UTF-16 with an odd number of bytes', () => {
    const bad = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\nb', 'utf16le'), Buffer.from([0x41])]);
    expectInputError(() => decodeInput('odd.csv', bad), 'odd.csv', 2, 'odd number of bytes');
  });
  it('firstInvalidUtf8 agrees with the platform decoder on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(b);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(b) === -1).to.equal(valid);
      }),
      { numRuns: 2000 },
    );
  });
  it('any string survives every supported encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        const text = `x,${s}`; // starts with ASCII so BOM-less sniffing is not involved
        expect(decodeInput('f', Buffer.from(text, 'utf8')).text).to.equal(text);
        expect(decodeInput('f', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])).text).to.equal(text);
      }),
    );
  });
});
