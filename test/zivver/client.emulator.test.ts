/**
 * The client against the Zivver emulator (src/emulator): every paging mode, the server's rate
 * budget with and without Retry-After, faults, and Zivver's answers for unknown ids and bad keys.
 * The emulator shares no code with the client, so agreement here is not agreement by construction.
 */
import { expect } from 'chai';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.js';
import { ConnectionError, ZivverApiError } from '../../src/errors.js';
import { createScimClient, writeMayHaveApplied, ZIVVER_USER_EXTENSION, type ScimClientOptions, type ScimUser } from '../../src/zivver/index.js';
import { capturingLogger } from './server.js';
import { testSecret } from '../helpers/secrets.js';

const KEY = testSecret('emu-test-key');

function tenant(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ZIVVER_USER_EXTENSION],
    id: `6f1c2a00-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    userName: `medewerker${i + 1}@zorg.example.nl`,
    name: { formatted: `Medewerker ${i + 1}` },
    active: i % 10 !== 0,
    [ZIVVER_USER_EXTENSION]: { aliases: i % 5 === 0 ? [`alias${i + 1}@zorg.example.nl`] : [], delegates: [], SsoAccountKey: `old-${i + 1}` },
  }));
}

describe('zivver/client against the emulator', function () {
  this.timeout(30_000);
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  async function start(opts: Partial<EmulatorOptions> & { users: Array<Record<string, unknown>> }) {
    emu = await startEmulator({ apiKey: KEY, ...opts });
    return emu;
  }

  function client(extra: Partial<ScimClientOptions> = {}) {
    return createScimClient({ baseUrl: emu!.url, apiKey: KEY, retryBaseMs: 20, retryMaxMs: 200, ...extra });
  }

  const ids = (users: ScimUser[]) => users.map((u) => u.id).sort();

  for (const paging of ['all', 'honor', 'cap:40'] as const) {
    it(`lists every account exactly once with paging "${paging}"`, async () => {
      await start({ users: tenant(230), paging });
      const c = client({ pageSize: 100 });
      const got = await c.listUsers();
      expect(ids(got)).to.deep.equal(emu!.users().map((u) => u.id).sort());
      const expectedRequests = paging === 'all' ? 1 : paging === 'honor' ? 3 : 6;
      expect(c.stats.requests).to.equal(expectedRequests);
      // The write-only key never comes back.
      expect(JSON.stringify(got)).not.to.contain('SsoAccountKey');
    });
  }

  it('refuses an incomplete listing when the server ignores paging', async () => {
    await start({ users: tenant(230), paging: 'ignore' });
    const c = client({ pageSize: 100 });
    let err: unknown;
    await c.listUsers().catch((e) => (err = e));
    expect(err).to.be.instanceOf(ZivverApiError);
    expect((err as Error).message).to.match(/received 100 distinct accounts but the server reports totalResults 230/);
    expect(c.stats.requests).to.equal(2);
  });

  it('reads and replaces one account; unknown ids are null', async () => {
    await start({ users: tenant(5) });
    const c = client();
    const id = emu!.users()[1]!.id;
    const user = (await c.getUser(id))!;
    expect(user.userName).to.equal('medewerker2@zorg.example.nl');
    expect(await c.getUser('6f1c2a00-0000-4000-8000-999999999999')).to.equal(null);
    const ext = user[ZIVVER_USER_EXTENSION] as Record<string, unknown>;
    await c.replaceUser(id, { ...user, [ZIVVER_USER_EXTENSION]: { ...ext, SsoAccountKey: 'new-key-2' } });
    expect(emu!.getKey(id)).to.equal('new-key-2');
  });

  it('reports a wrong key with exit code 3 and the emulator\'s text, without the key', async () => {
    await start({ users: tenant(1) });
    const wrong = testSecret('wrong-key');
    let err: unknown;
    await createScimClient({ baseUrl: emu!.url, apiKey: wrong }).listUsers().catch((e) => (err = e));
    expect(err).to.be.instanceOf(ZivverApiError);
    expect((err as ZivverApiError).exitCode).to.equal(3);
    expect((err as Error).message).to.contain('Invalid API key').and.not.contain(wrong);
  });

  it('keeps to a budget equal to the server\'s without a single 429', async () => {
    await start({ users: tenant(3), rateLimit: { budget: 8, windowSeconds: 1 } });
    const c = client({ rateLimit: { requests: 8, seconds: 1 } });
    const id = emu!.users()[0]!.id;
    await Promise.all(Array.from({ length: 24 }, () => c.getUser(id)));
    expect(emu!.stats.throttled).to.equal(0);
    expect(c.stats.requests).to.equal(24);
  });

  it('learns a stricter server budget from 429s without Retry-After and finishes everything', async () => {
    await start({ users: tenant(3), rateLimit: { budget: 5, windowSeconds: 1 } });
    const log = capturingLogger();
    const c = client({ rateLimit: { requests: 50, seconds: 1 }, logger: log, maxRetries: 8 });
    const id = emu!.users()[0]!.id;
    const results = await Promise.all(Array.from({ length: 20 }, () => c.getUser(id)));
    expect(results.every((u) => u?.id === id)).to.equal(true);
    expect(c.rateLimits).to.deep.include({ requests: 5, seconds: 1 });
    expect(log.lines.filter((l) => /budget of 5 per 1 s/.test(l.message))).to.have.length(1);
    const throttledFirst = emu!.stats.throttled;
    expect(throttledFirst).to.be.greaterThan(0);
    // From now on the client keeps to 5/1: no more 429s.
    await Promise.all(Array.from({ length: 10 }, () => c.getUser(id)));
    expect(emu!.stats.throttled).to.equal(throttledFirst);
  });

  it('honours the emulator\'s Retry-After', async () => {
    await start({ users: tenant(3), rateLimit: { budget: 4, windowSeconds: 1, retryAfterSeconds: 'auto' } });
    const c = client({ rateLimit: { requests: 100, seconds: 1 } });
    const id = emu!.users()[0]!.id;
    const results = await Promise.all(Array.from({ length: 12 }, () => c.getUser(id)));
    expect(results.every((u) => u?.id === id)).to.equal(true);
    expect(c.stats.throttled).to.be.greaterThan(0);
  });

  it('lists under a tight rate limit with small pages', async () => {
    await start({ users: tenant(120), paging: 'cap:10', rateLimit: { budget: 6, windowSeconds: 1 } });
    const c = client({ rateLimit: { requests: 6, seconds: 1 }, pageSize: 10 });
    const got = await c.listUsers();
    expect(got).to.have.length(120);
    expect(emu!.stats.throttled).to.equal(0);
  });

  it('survives injected 503s and resets on reads and flags an ambiguous write', async () => {
    await start({
      users: tenant(50),
      paging: 'honor',
      faults: [
        { method: 'GET', path: '/Users?', status: 503, body: 'Service Unavailable', times: 2 },
        { method: 'GET', path: '/Users?', reset: true, times: 1, skip: 1 },
      ],
    });
    const c = client({ pageSize: 20 });
    expect(await c.listUsers()).to.have.length(50);
    expect(c.stats.retries).to.equal(3);

    const user = emu!.users()[0]!;
    emu!.setFaults([{ method: 'PUT', applyThenFail: true, reset: true }]);
    let err: unknown;
    const { meta: _meta, ...body } = user;
    await client({ maxRetries: 1 }).replaceUser(user.id, body as ScimUser).catch((e) => (err = e));
    expect(err).to.be.instanceOf(ConnectionError);
    expect(writeMayHaveApplied(err)).to.equal(true);
  });
});
