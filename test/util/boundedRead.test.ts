import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { InputError, InterruptedError } from '../../src/errors.js';
import { readRegularFile, readStreamBounded } from '../../src/util/boundedRead.js';

describe('util/boundedRead', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bounded-read-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads a regular file byte for byte: empty, small, and over several 1 MiB chunks', async () => {
    for (const size of [0, 1, 4096, 3 * 1024 * 1024 + 17]) {
      const bytes = randomBytes(size);
      const file = path.join(dir, `f${size}`);
      await fs.writeFile(file, bytes);
      const read = await readRegularFile(file, 'f');
      expect(read.length, `size ${size}`).to.equal(size);
      expect(read.equals(bytes), `size ${size}`).to.equal(true);
    }
  });

  it('a regular file that stat calls empty but holds text (Linux /proc) is read whole: the buffer grows', async function () {
    if (process.platform !== 'linux') this.skip();
    const read = (await readRegularFile('/proc/self/status', 'status')).toString();
    expect(read).to.match(/^Name:/).and.to.match(/\nPid:\s+\d+/);
  });

  it('refuses a file over the bound, a folder and a missing file with one InputError naming it', async () => {
    const file = path.join(dir, 'big');
    await fs.writeFile(file, Buffer.alloc(2048, 0x61));
    const err = await readRegularFile(file, 'big.csv', { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect(String((err as Error).message)).to.match(/larger than 1(\.0)? KiB/);
    expect(await readRegularFile(dir, 'd').catch((e: unknown) => e)).to.be.instanceOf(InputError).and.have.property('message').that.matches(/a folder, not a file/);
    const missing = new Error('missing');
    expect(await readRegularFile(path.join(dir, 'nope'), 'n', { notFound: () => missing }).catch((e: unknown) => e)).to.equal(missing);
  });

  it('a stop before reading ends the read with InterruptedError', async () => {
    const file = path.join(dir, 'stop');
    await fs.writeFile(file, 'abc');
    const ac = new AbortController();
    ac.abort();
    expect(await readRegularFile(file, 's', { signal: ac.signal }).catch((e: unknown) => e)).to.be.instanceOf(InterruptedError);
  });

  it('a stream is read whole within the bound and refused past it', async () => {
    const ok = new PassThrough();
    ok.end(Buffer.from('hello'));
    expect((await readStreamBounded(ok, 'stdin')).toString()).to.equal('hello');
    const big = new PassThrough();
    big.end(Buffer.alloc(4096));
    expect(await readStreamBounded(big, 'stdin', { maxBytes: 100 }).catch((e: unknown) => e)).to.be.instanceOf(InputError);
  });
});
