import { expect } from 'chai';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgv } from '../../../src/cli/parser.js';
import { parseEmulatedRateLimit } from '../../../src/cli/commands/emulator.js';
import { ZIVVER_SCHEMA } from '../../../src/emulator/index.js';
import { runInProcess } from '../../helpers/cli.js';
import { startEmulatorProcess } from '../../helpers/emulator.js';
import { testSecret } from '../../helpers/secrets.js';

const KEY = testSecret('cli-test-key');

describe('emulator command', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'emu-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses its options with Zivver-like defaults', async () => {
    const { invocation } = await parseArgv(['emulator']);
    expect(invocation?.args).to.include({
      port: 0,
      host: '127.0.0.1',
      putMode: 'zivver',
      putContentType: 'json',
      paging: 'all',
      emulateRateLimit: '50/10',
      rateLimitMode: 'bucket',
      rateLimitHeaders: false,
      latency: 0,
    });
    expect(parseEmulatedRateLimit('off')).to.equal(null);
    expect(parseEmulatedRateLimit('5/2', 'auto')).to.deep.equal({ budget: 5, windowSeconds: 2, mode: 'bucket', retryAfterSeconds: 'auto' });
    expect(parseEmulatedRateLimit('5/2', undefined, { mode: 'window', headers: true })).to.deep.equal({ budget: 5, windowSeconds: 2, mode: 'window', headers: true });
    expect(() => parseEmulatedRateLimit('off', undefined, { headers: true })).to.throw(/--rate-limit-headers needs a rate limit/);
    expect(() => parseEmulatedRateLimit('fast')).to.throw(/<requests>\/<seconds>/);
  });

  it('refuses to start without an API key, on a non-loopback host, or with a bad paging mode (exit 2)', async () => {
    let r = await runInProcess(['emulator'], { env: {} });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/ZIVVER_API_KEY/);
    r = await runInProcess(['emulator', '--host', '0.0.0.0'], { env: { ZIVVER_API_KEY: KEY } });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/loopback/);
    r = await runInProcess(['emulator', '--paging', 'sometimes'], { env: { ZIVVER_API_KEY: KEY } });
    expect(r.code).to.equal(2);
    r = await runInProcess(['emulator', '--seed', path.join(dir, 'missing.json')], { env: { ZIVVER_API_KEY: KEY } });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/missing\.json/);
  });

  it('runs as a process: prints its URL, serves a sample tenant, writes the mailboxes, stops on SIGTERM with 0', async () => {
    const mailboxes = path.join(dir, 'mailboxes.json');
    const emu = await startEmulatorProcess({
      apiKey: KEY,
      args: ['--sample-tenant', '40', '--sample-seed', '9', '--write-sample-mailboxes', mailboxes, '--paging', 'cap:15', '--log-requests', '--retry-after', '3'],
    });
    try {
      expect(emu.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api\/scim\/v2$/);
      const res = await fetch(`${emu.url}/Users?startIndex=1&count=100`, { headers: { Authorization: `Bearer ${KEY}` } });
      const body = (await res.json()) as any;
      expect(body.totalResults).to.equal(40);
      expect(body.Resources).to.have.length(15);
      const state = (await (await fetch(emu.url.replace('/api/scim/v2', '/_emulator/state'), { headers: { Authorization: `Bearer ${KEY}` } })).json()) as any;
      expect(state.users[0][ZIVVER_SCHEMA].SsoAccountKey).to.match(/^[0-9a-f-]{36}$/);
      const mbx = JSON.parse(await readFile(mailboxes, 'utf8'));
      expect(mbx.filter((m: any) => m.RecipientTypeDetails === 'UserMailbox').length).to.be.above(30);
    } finally {
      expect(await emu.stop()).to.equal(0);
    }
    const { stdout, stderr } = emu.output();
    expect(stdout.trim().split('\n')).to.deep.equal([`Zivver emulator listening on ${emu.url}`]);
    expect(stderr).to.match(/GET \/api\/scim\/v2\/Users\?startIndex=1&count=100 200/);
    expect(stdout + stderr).not.to.include(KEY);
  });

  it('seeds from a JSON file, takes the key from --api-key-file and enforces the emulated budget', async () => {
    const seed = path.join(dir, 'users.json');
    const keyFile = path.join(dir, 'key.txt');
    await writeFile(seed, '\uFEFF' + JSON.stringify([{ id: 'a1b2', userName: 'x@voorbeeldzorg.nl', [ZIVVER_SCHEMA]: { SsoAccountKey: 'k1' } }]));
    const fileKey = testSecret('file-key');
    await writeFile(keyFile, `${fileKey}\r\n`);
    const emu = await startEmulatorProcess({
      apiKey: testSecret('not-this-one'),
      env: {},
      args: ['--seed', seed, '--api-key-file', keyFile, '--emulate-rate-limit', '2/30', '--put-mode', 'strict'],
    });
    try {
      const get = () => fetch(`${emu.url}/Users/a1b2`, { headers: { Authorization: `Bearer ${fileKey}` } });
      expect((await get()).status).to.equal(200);
      expect((await get()).status).to.equal(200);
      const r = await get();
      expect(r.status).to.equal(429);
      expect(r.headers.get('retry-after')).to.equal(null);
      expect(((await r.json()) as any).emptiedBucketDetails).to.deep.equal({ limiterId: 'cab', budget: 2, windowSeconds: 30 });
    } finally {
      expect(await emu.stop('SIGINT')).to.equal(0);
    }
  });
});
