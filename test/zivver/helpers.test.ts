import { expect } from 'chai';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../src/errors.js';
import { redactSecrets } from '../../src/util/redact.js';
import {
  isLoopbackHost,
  parseRateLimit,
  resolveApiKey,
  toZivverAccount,
  validateZivverUrl,
  ZIVVER_USER_EXTENSION,
} from '../../src/zivver/index.js';
import { testSecret } from '../helpers/secrets.js';

async function usageError(p: Promise<unknown> | (() => unknown)): Promise<UsageError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('zivver/apiKey', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zk-key-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file (trimmed, BOM stripped) in preference to the environment, and registers it as a secret', async () => {
    const fileKey = testSecret('file-key');
    await writeFile(path.join(dir, 'k1'), `\uFEFF  ${fileKey}\r\n`);
    const key = await resolveApiKey({ apiKeyFile: 'k1', cwd: dir, env: { ZIVVER_API_KEY: testSecret('env-key') } });
    expect(key).to.equal(fileKey);
    expect(redactSecrets(`x ${fileKey} y`)).to.equal('x [REDACTED] y');
  });

  it('reads a UTF-16 LE file with BOM (Windows PowerShell 5.1 Out-File)', async () => {
    const fileKey = testSecret('utf16-key');
    await writeFile(path.join(dir, 'k16'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${fileKey}\r\n`, 'utf16le')]));
    expect(await resolveApiKey({ apiKeyFile: path.join(dir, 'k16'), env: {} })).to.equal(fileKey);
  });

  it('refuses an empty file, a missing file and a file with more than the key, without quoting it', async () => {
    await writeFile(path.join(dir, 'empty'), '\uFEFF \n');
    expect((await usageError(resolveApiKey({ apiKeyFile: path.join(dir, 'empty'), env: {} }))).message).to.match(/is empty/);
    expect((await usageError(resolveApiKey({ apiKeyFile: path.join(dir, 'nope'), env: {} }))).message).to.match(/names no existing file/);
    const [one, two] = [testSecret('secret-line-one'), testSecret('secret-line-two')];
    await writeFile(path.join(dir, 'two'), `${one}\n${two}\n`);
    const err = await usageError(resolveApiKey({ apiKeyFile: path.join(dir, 'two'), env: {} }));
    expect(err.message).to.match(/more than one line/).and.not.contain(one).and.not.contain(two);
  });

  it('falls back to ZIVVER_API_KEY', async () => {
    const envKey = testSecret('env-key');
    expect(await resolveApiKey({ env: { ZIVVER_API_KEY: ` ${envKey} ` } })).to.equal(envKey);
  });

  it('explains both ways, and why not a CLI value, when there is no key', async () => {
    const err = await usageError(resolveApiKey({ env: { ZIVVER_API_KEY: '' } }));
    expect(err.message).to.contain('ZIVVER_API_KEY').and.contain('--api-key-file').and.match(/command-line value is deliberately not accepted/);
  });
});

describe('zivver/url', () => {
  it('accepts https anywhere and http only on loopback, without a trailing slash', () => {
    expect(validateZivverUrl('https://app.zivver.com/api/scim/v2/').href).to.equal('https://app.zivver.com/api/scim/v2');
    expect(validateZivverUrl('http://127.0.0.1:8080/scim').href).to.equal('http://127.0.0.1:8080/scim');
    expect(validateZivverUrl('http://localhost:1/').origin).to.equal('http://localhost:1');
    expect(validateZivverUrl('http://[::1]:9/x').hostname).to.equal('[::1]');
    expect(validateZivverUrl('http://127.5.6.7/x').hostname).to.equal('127.5.6.7');
  });

  it('refuses plain http to other hosts, non-URLs, other schemes and credentials', async () => {
    expect((await usageError(() => validateZivverUrl('http://app.zivver.com/api/scim/v2'))).message).to.match(/unencrypted/);
    expect((await usageError(() => validateZivverUrl('http://128.0.0.1/'))).message).to.match(/unencrypted/);
    expect((await usageError(() => validateZivverUrl('http://localhost.evil.com/'))).message).to.match(/unencrypted/);
    expect((await usageError(() => validateZivverUrl('app.zivver.com'))).message).to.match(/not a URL/);
    await usageError(() => validateZivverUrl('ftp://app.zivver.com/'));
    await usageError(() => validateZivverUrl('https://u:p@app.zivver.com/'));
  });

  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.255.0.9', '[::1]', '::1', '[::ffff:127.0.0.1]']) expect(isLoopbackHost(h), h).to.equal(true);
    for (const h of ['10.0.0.1', 'example.com', '[::2]', '0.0.0.0']) expect(isLoopbackHost(h), h).to.equal(false);
  });
});

describe('zivver/rateLimit', () => {
  it('parses <requests>/<seconds>', () => {
    expect(parseRateLimit('50/10')).to.deep.equal({ requests: 50, seconds: 10 });
    expect(parseRateLimit(' 5 / 0.5s ')).to.deep.equal({ requests: 5, seconds: 0.5 });
  });

  it('refuses nonsense with a UsageError', async () => {
    for (const bad of ['', '50', '50/', '/10', '0/10', '50/0', 'ten/10', '-5/10', '50/10/2', '1.5/10']) {
      const err = await usageError(() => parseRateLimit(bad));
      expect(err.message).to.contain('--rate-limit');
    }
  });
});

describe('zivver/account', () => {
  it('projects a Zivver user onto a ZivverAccount', () => {
    expect(
      toZivverAccount({
        id: 'u1',
        userName: 'jan@example.nl',
        name: { formatted: 'Jan Jansen' },
        active: false,
        [ZIVVER_USER_EXTENSION]: { aliases: ['j.jansen@example.nl', { value: 'jj@example.nl' }, ''], delegates: [] },
      }),
    ).to.deep.equal({ id: 'u1', userName: 'jan@example.nl', displayName: 'Jan Jansen', active: false, aliases: ['j.jansen@example.nl', 'jj@example.nl'] });
  });

  it('defaults active to true and aliases to none', () => {
    expect(toZivverAccount({ id: 'u2', userName: 'a@b.nl', displayName: 'A' })).to.deep.equal({
      id: 'u2',
      userName: 'a@b.nl',
      displayName: 'A',
      active: true,
      aliases: [],
    });
  });
});
