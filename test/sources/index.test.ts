import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.js';
import { readInput } from '../../src/sources/index.js';

const fixturesDir = fileURLToPath(new URL('../fixtures/inputs/', import.meta.url));

async function rejection(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected a rejection');
}

describe('sources/readInput', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keytool-inputs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves relative paths against cwd and keeps the name as given', async () => {
    const r = await readInput('exo-mailboxes.jsonl', { format: 'auto', cwd: fixturesDir });
    expect(r.name).to.equal('exo-mailboxes.jsonl');
    expect(r.users.every((u) => u.input === 'exo-mailboxes.jsonl')).to.equal(true);
    expect(r.sha256).to.equal(createHash('sha256').update(readFileSync(join(fixturesDir, 'exo-mailboxes.jsonl'))).digest('hex'));
  });

  it('absolute paths ignore cwd', async () => {
    const path = join(dir, 'abs.csv');
    writeFileSync(path, 'Mail\r\na@x.nl\r\n');
    const r = await readInput(path, { format: 'csv', cwd: '/nonexistent' });
    expect(r.users[0]!.primaryEmail).to.equal('a@x.nl');
  });

  it('`-` reads opts.stdin (bytes, any encoding)', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('#TYPE x\r\n"Mail","Id"\r\n"a@x.nl","1"\r\n', 'utf16le')]);
    const stdin = Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]); // split mid-character
    const r = await readInput('-', { format: 'auto', stdin });
    expect(r.name).to.equal('(stdin)');
    expect(r.users).to.have.length(1);
    expect(r.users[0]).to.deep.include({ input: '(stdin)', line: 3, primaryEmail: 'a@x.nl', objectId: '1' });
    expect(r.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
  });

  it('`-` with string chunks', async () => {
    const r = await readInput('-', { format: 'auto', stdin: Readable.from(['{"Mail":"a@x.nl"}\n', '{"Mail":"b@x.nl"}\n']) });
    expect(r.users.map((u) => u.primaryEmail)).to.deep.equal(['a@x.nl', 'b@x.nl']);
  });

  it('empty stdin is "no users"', async () => {
    const err = await rejection(readInput('-', { format: 'auto', stdin: Readable.from([]) }));
    expect(err.file).to.equal('(stdin)');
    expect(err.message).to.contain('no users');
  });

  it('a missing file', async () => {
    const err = await rejection(readInput('nope.csv', { format: 'auto', cwd: dir }));
    expect(err.file).to.equal('nope.csv');
    expect(err.message).to.equal('cannot read the input: file not found');
    expect(err.hint).to.contain(join(dir, 'nope.csv'));
  });

  it('a folder', async () => {
    const err = await rejection(readInput('.', { format: 'auto', cwd: dir }));
    expect(err.message).to.contain('folder');
  });

  it('passes keySource on to the whole-file checks', async () => {
    const err = await rejection(readInput('excel-nl-semicolon.csv', { format: 'auto', cwd: fixturesDir, keySource: { kind: 'objectGuid' } }));
    expect(err.file).to.equal('excel-nl-semicolon.csv');
    expect(err.line).to.equal(1);
    expect(err.message).to.contain('found columns: Weergavenaam, PrimarySmtpAddress, ExternalDirectoryObjectId, Afdeling, Opmerking');
  });

  it('auto-detection: [ or { first means JSON, even after blank lines and a BOM', async () => {
    const path = join(dir, 'users.txt');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\r\n  [{"Mail":"a@x.nl"}]')]));
    const r = await readInput(path, { format: 'auto' });
    expect(r.users[0]).to.deep.include({ line: 2, primaryEmail: 'a@x.nl' });
  });

  it('forcing csv reads JSON-looking text as CSV', async () => {
    const path = join(dir, 'odd.csv');
    writeFileSync(path, '{Mail}\n{a@x.nl}\n');
    const err = await rejection(readInput(path, { format: 'csv' }));
    expect(err.message).to.contain('no address column');
  });
});
