import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { ConnectionError, InterruptedError, ZivverApiError } from '../../src/errors.js';
import {
  createScimClient,
  writeMayHaveApplied,
  parseRetryAfter,
  ZivverAbortedError,
  ZivverStaleWriteError,
  ZivverHttpError,
  ZivverUnreachableError,
} from '../../src/zivver/index.js';
import { capturingLogger, listResponse, makeUsers, pagedHandler, rejection, serverPerTest } from './server.js';
import { testSecret } from '../helpers/secrets.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEY = testSecret('sk-test');

describe('zivver/client', () => {
  const t = serverPerTest(KEY);
  const { serve, client } = t;

  describe('requests', () => {
    it('sends the bearer key, accepts both JSON types, PUTs application/json, and a trailing slash in the base URL does no harm', async () => {
      const users = makeUsers(1);
      await serve((req) => (req.method === 'PUT' ? { body: JSON.parse(req.body) } : { body: users[0] }));
      const c = createScimClient({ baseUrl: t.server!.url + '/', apiKey: KEY });
      await c.getUser(users[0]!.id);
      await c.replaceUser(users[0]!.id, users[0]!);
      const [get, put] = t.server!.requests;
      expect(get!.url.pathname).to.equal(`/api/scim/v2/Users/${users[0]!.id}`);
      expect(get!.headers.authorization).to.equal(`Bearer ${KEY}`);
      expect(get!.headers.accept).to.equal('application/json, application/scim+json');
      expect(put!.method).to.equal('PUT');
      // What every client known to write Zivver users sends.
      expect(put!.headers['content-type']).to.equal('application/json');
      expect(put!.headers.accept).to.equal('application/json, application/scim+json');
      expect(JSON.parse(put!.body)).to.deep.equal(users[0]);
    });

    it('does not follow redirects (the key must not travel elsewhere) and says where they point', async () => {
      await serve(() => ({ status: 302, headers: { Location: 'https://login.example.com/' }, body: '' }));
      const err = await rejection(client().listUsers());
      expect(err).to.be.instanceOf(ZivverApiError);
      expect(err.message).to.contain('302').and.contain('https://login.example.com/');
      expect(t.server!.requests).to.have.length(1);
    });

    it('refuses to PUT a body whose id is another account', async () => {
      await serve(() => ({ body: {} }));
      const err = await rejection(client().replaceUser('a', { id: 'b', userName: 'x@y.nl' }));
      expect(err.message).to.match(/refusing/);
      expect(t.server!.requests).to.have.length(0);
    });
  });

  describe('listUsers', () => {
    it('reads everything in one request when the server returns all at once (Zivver)', async () => {
      const users = makeUsers(250);
      await serve(() => listResponse(users)); // no startIndex/itemsPerPage, whatever was asked
      const c = client({ pageSize: 100 });
      const progress: [number, number | undefined][] = [];
      const got = await c.listUsers((r, t) => progress.push([r, t]));
      expect(got.map((u) => u.id)).to.deep.equal(users.map((u) => u.id));
      expect(t.server!.requests).to.have.length(1);
      expect(progress).to.deep.equal([[250, 250]]);
    });

    it('pages with startIndex/count when the server pages', async () => {
      const users = makeUsers(250);
      await serve(pagedHandler(users));
      const got = await client({ pageSize: 100 }).listUsers();
      expect(got.map((u) => u.id)).to.deep.equal(users.map((u) => u.id));
      expect(t.server!.requests.map((r) => r.url.searchParams.get('startIndex'))).to.deep.equal(['1', '101', '201']);
      expect(t.server!.requests.every((r) => r.url.searchParams.get('count') === '100')).to.equal(true);
    });

    it('advances by what came back when the server caps pages below the count asked', async () => {
      const users = makeUsers(250);
      await serve(pagedHandler(users, 30));
      const got = await client({ pageSize: 100 }).listUsers();
      expect(got.map((u) => u.id)).to.deep.equal(users.map((u) => u.id));
      expect(t.server!.requests).to.have.length(9);
      expect(t.server!.requests[1]!.url.searchParams.get('startIndex')).to.equal('31');
    });

    it('stops when the server ignores paging and repeats itself, and says users are missing', async () => {
      const users = makeUsers(250);
      await serve(() => listResponse(users.slice(0, 100), { totalResults: 250, startIndex: 1, itemsPerPage: 100 }));
      const log = capturingLogger();
      const err = await rejection(client({ pageSize: 100, logger: log }).listUsers());
      expect(err).to.be.instanceOf(ZivverApiError);
      expect(err.message).to.match(/received 100 distinct accounts but the server reports totalResults 250/);
      expect(err.message).to.match(/ignore paging/);
      expect(t.server!.requests).to.have.length(2);
      expect(log.lines.some((l) => l.level === 'warn' && /does not seem to honour paging/.test(l.message))).to.equal(true);
    });

    it('terminates against a repeating server that omits totalResults', async () => {
      const users = makeUsers(10);
      await serve(() => ({ body: { Resources: users, itemsPerPage: 10, startIndex: 1 } }));
      const got = await client({ pageSize: 10 }).listUsers();
      expect(got).to.have.length(10);
      expect(t.server!.requests).to.have.length(2);
    });

    it('never returns a user twice when pages overlap', async () => {
      const users = makeUsers(250);
      await serve((req) => {
        // Every later page starts one account early, repeating the previous page's last account.
        const start = Number(req.url.searchParams.get('startIndex'));
        const from = start > 1 ? start - 2 : 0;
        const page = users.slice(from, from + 100);
        return { body: { totalResults: 250, startIndex: start, itemsPerPage: page.length, Resources: page } };
      });
      const log = capturingLogger();
      const got = await client({ pageSize: 100, logger: log }).listUsers();
      expect(got.map((u) => u.id)).to.deep.equal(users.map((u) => u.id));
      expect(log.lines.some((l) => /Ignored \d+ duplicate/.test(l.message))).to.equal(true);
    });

    it('warns when totalResults changes mid-listing and refuses an incomplete result', async () => {
      let users = makeUsers(250);
      const log = capturingLogger();
      await serve((req, n) => {
        // An account is created at the front after the first page: everything shifts by one.
        if (n === 2) users = [{ ...makeUsers(1)[0]!, id: 'new-one', userName: 'new@example.nl' }, ...users];
        return pagedHandler(users)(req, n);
      });
      const err = await rejection(client({ pageSize: 100, logger: log }).listUsers());
      expect(log.lines.some((l) => l.level === 'warn' && /totalResults changed from 250 to 251/.test(l.message))).to.equal(true);
      expect(err.message).to.match(/totalResults 251/).and.match(/created or deleted while listing/);
    });

    it('stops once it has totalResults distinct accounts even when the server would keep going', async () => {
      let next = 0;
      await serve(() => {
        const page = makeUsers(2).map((u) => ({ ...u, id: `gen-${next++}` }));
        return { body: { totalResults: 5, startIndex: 1, itemsPerPage: 2, Resources: page } };
      });
      // Stops as soon as it has totalResults distinct ids; never loops.
      const got = await client({ pageSize: 2 }).listUsers();
      expect(got.length).to.be.at.least(5);
      expect(t.server!.requests.length).to.be.at.most(7);
    });

    it('rejects a listing that is not a SCIM ListResponse', async () => {
      await serve(() => ({ body: '<html>login</html>' }));
      const err = await rejection(client().listUsers());
      expect(err).to.be.instanceOf(ZivverApiError);
      expect(err.message).to.match(/not JSON/).and.match(/<html>login<\/html>/);
    });
  });

  describe('getUser', () => {
    it('returns null for 404 and for Zivver\'s 400 "Unknown account"', async () => {
      await serve((req) =>
        req.url.pathname.endsWith('/gone')
          ? { status: 404, body: 'Not found' }
          : { status: 400, body: `Unknown account with uuid: ${req.url.pathname.split('/').pop()}` },
      );
      expect(await client().getUser('gone')).to.equal(null);
      expect(await client().getUser('0b6e3c1a-0000-4000-8000-000000000000')).to.equal(null);
    });

    it('throws other 400s with Zivver\'s text verbatim', async () => {
      await serve(() => ({ status: 400, body: 'Account is outside the organization' }));
      const err = await rejection(client().getUser('abc'));
      expect(err).to.be.instanceOf(ZivverHttpError);
      expect(err.message).to.contain('Account is outside the organization');
      expect(err.message).to.contain('400').and.contain('GET /Users/abc');
      // Thrown to the exit point this means the command could not go on with Zivver (apply records row failures instead).
      expect((err as ZivverApiError).exitCode).to.equal(3);
    });
  });

  describe('authentication errors', () => {
    it('puts the plain-text 401 body in the message with a hint, never the key', async () => {
      await serve((req) => ({ status: 401, body: `Invalid API key (you sent: ${req.headers.authorization})` }));
      const log = capturingLogger();
      const err = await rejection(client({ logger: log }).listUsers());
      expect(err).to.be.instanceOf(ZivverApiError);
      expect((err as ZivverApiError).exitCode).to.equal(3);
      expect((err as ZivverApiError).status).to.equal(401);
      expect(err.message).to.contain('Invalid API key');
      expect(err.message).to.contain('401').and.contain('GET /Users');
      expect(err.message).to.contain('ZIVVER_API_KEY').and.contain('--api-key-file');
      expect(err.message).not.to.contain(KEY);
      expect((err as ZivverApiError).body).not.to.contain(KEY);
      expect(JSON.stringify(log.lines)).not.to.contain(KEY);
      expect(t.server!.requests).to.have.length(1); // not retried
    });

    it('treats 403 the same way', async () => {
      await serve(() => ({ status: 403, body: 'Forbidden: no SCIM access' }));
      const err = (await rejection(client().getUser('x'))) as ZivverApiError;
      expect(err.exitCode).to.equal(3);
      expect(err.message).to.contain('Forbidden: no SCIM access');
    });
  });

  describe('429 handling', () => {
    it('honours Retry-After in seconds', async () => {
      await serve((_r, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: 'slow down' } : listResponse(makeUsers(3))));
      const c = client();
      const t0 = Date.now();
      expect(await c.listUsers()).to.have.length(3);
      expect(Date.now() - t0).to.be.at.least(950);
      expect(c.stats).to.include({ requests: 2, throttled: 1, retries: 1 });
    });

    it('honours Retry-After as an HTTP date', async () => {
      const until = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
      await serve((_r, n) =>
        n === 1 ? { status: 429, headers: { 'Retry-After': until.toUTCString() }, body: '' } : listResponse(makeUsers(1)),
      );
      await client().listUsers();
      expect(t.server!.requests[1]!.at).to.be.at.least(until.getTime() - 50);
    });

    it('parses both Retry-After forms', () => {
      expect(parseRetryAfter('3', 0)).to.equal(3000);
      expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).to.equal(6000);
      expect(parseRetryAfter('soon', 0)).to.equal(undefined);
      expect(parseRetryAfter(null, 0)).to.equal(undefined);
    });

    it('without Retry-After waits until the window has drained and holds back the other requests too', async () => {
      await serve((_r, n) =>
        n === 3
          ? { status: 429, body: { code: 429, message: 'Too Many Requests', emptiedBucketDetails: { budget: 10, windowSeconds: 1 } } }
          : { body: makeUsers(1)[0] },
      );
      const c = client({ rateLimit: { requests: 10, seconds: 1 }, budgetMarginMs: 0 });
      await c.getUser('x');
      await c.getUser('x');
      const third = c.getUser('x'); // throttled
      while (t.server!.requests.length < 3) await delay(5);
      await delay(50);
      const others = [c.getUser('x'), c.getUser('x')];
      await Promise.all([third, ...others]);
      const t0 = t.server!.requests[0]!.at;
      // Our window began with the first request; nothing may go before it drains (~1 s later).
      expect(t.server!.requests).to.have.length(6);
      for (const r of t.server!.requests.slice(3)) expect(r.at - t0).to.be.at.least(900);
      expect(c.stats.throttled).to.equal(1);
      expect(c.rateLimits).to.have.length(1); // 10/1 is not stricter than ours
    });

    it('shrinks the budget to the server\'s stricter emptiedBucketDetails, logs it once, and keeps to it', async () => {
      const windowMs = 1000;
      const budget = 3;
      const accepted: number[] = [];
      await serve((req) => {
        const inWindow = accepted.filter((t) => req.at - t < windowMs).length;
        if (inWindow >= budget) {
          return { status: 429, body: { code: 429, message: 'Too Many Requests', emptiedBucketDetails: { budget, windowSeconds: 1 } } };
        }
        accepted.push(req.at);
        return { body: makeUsers(1)[0] };
      });
      const log = capturingLogger();
      const c = client({ rateLimit: { requests: 50, seconds: 1 }, logger: log, maxRetries: 8, budgetMarginMs: 100 });
      await Promise.all(Array.from({ length: 9 }, () => c.getUser('x')));
      expect(c.rateLimits).to.deep.include({ requests: 3, seconds: 1 });
      const shrinkLogs = log.lines.filter((l) => l.level === 'warn' && /budget of 3 per 1 s/.test(l.message));
      expect(shrinkLogs).to.have.length(1);
      // The first burst went out under our own 50/1 budget: 6 of 9 were refused; their retries were not.
      expect(c.stats.throttled).to.equal(6);
      const firstBurstThrottles = c.stats.throttled;
      await Promise.all(Array.from({ length: 6 }, () => c.getUser('x')));
      expect(c.stats.throttled).to.equal(firstBurstThrottles);
    });

    it('gives up after the retries with the last status', async () => {
      await serve(() => ({ status: 429, headers: { 'Retry-After': '0' }, body: 'Too Many Requests' }));
      const err = (await rejection(client({ maxRetries: 2 }).replaceUser('a', { id: 'a', userName: 'a@b.nl' }))) as ZivverHttpError;
      expect(err).to.be.instanceOf(ZivverHttpError);
      expect(err.status).to.equal(429);
      expect(err.attempts).to.equal(3);
      // 429 means Zivver refused the request: the write did not happen.
      expect(err.mayHaveBeenApplied).to.equal(false);
      expect(t.server!.requests).to.have.length(3);
    });
  });

  describe('5xx and network failures', () => {
    it('retries 5xx and succeeds', async () => {
      await serve((_r, n) => (n <= 2 ? { status: 503, body: 'Service Unavailable' } : listResponse(makeUsers(2))));
      const c = client();
      expect(await c.listUsers()).to.have.length(2);
      expect(c.stats).to.include({ requests: 3, retries: 2, throttled: 0 });
    });

    it('throws the last status when retries run out', async () => {
      await serve((_r, n) => ({ status: 502, body: `Bad gateway #${n}` }));
      const err = (await rejection(client({ maxRetries: 2 }).getUser('x'))) as ZivverHttpError;
      expect(err).to.be.instanceOf(ZivverApiError);
      expect(err.status).to.equal(502);
      expect(err.message).to.contain('Bad gateway #3').and.contain('after 3 attempts');
      expect(t.server!.requests).to.have.length(3);
    });

    it('takes a 2xx to a PUT as applied even when the answer is not a user (no blind retry)', async () => {
      const body = { id: 'a', userName: 'a@b.nl' };
      await serve(() => ({ status: 200, body: 'OK' }));
      const c = client();
      expect(await c.replaceUser('a', body)).to.deep.equal(body);
      expect(t.server!.requests).to.have.length(1);
    });

    it('retries a PUT after a 5xx, counts it as a retried write, and flags a failed one as possibly applied', async () => {
      const body = { id: 'a', userName: 'a@b.nl' };
      await serve((req, n) => (n === 1 ? { status: 500, body: 'oops' } : { body: JSON.parse(req.body) }));
      const c = client();
      expect(await c.replaceUser('a', body)).to.deep.equal(body);
      expect(c.stats.writeRetries).to.equal(1);
      await t.server!.close();

      await serve(() => ({ status: 500, body: 'oops' }));
      const err = await rejection(client({ maxRetries: 1 }).replaceUser('a', body));
      expect(writeMayHaveApplied(err)).to.equal(true);
      expect(err.message).to.match(/may have applied it/);
    });

    it('retries after a connection reset', async () => {
      await serve((_r, n) => (n === 1 ? 'reset' : listResponse(makeUsers(4))));
      const c = client();
      expect(await c.listUsers()).to.have.length(4);
      expect(c.stats.retries).to.equal(1);
    });

    it('reports resets on every attempt as a connection error; a reset PUT may have been applied', async () => {
      await serve(() => 'reset');
      const err = (await rejection(client({ maxRetries: 2 }).replaceUser('a', { id: 'a', userName: 'a@b.nl' }))) as ZivverUnreachableError;
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.exitCode).to.equal(3);
      expect(err.attempts).to.equal(3);
      expect(err.mayHaveBeenApplied).to.equal(true);
      expect(err.message).to.match(/reset/);
    });

    it('times out a request that gets no answer, and retries it', async () => {
      await serve(() => 'hang');
      const t0 = Date.now();
      const err = (await rejection(client({ timeoutMs: 200, maxRetries: 1 }).getUser('x'))) as ZivverUnreachableError;
      expect(err).to.be.instanceOf(ZivverUnreachableError);
      expect(err.code).to.equal('TIMEOUT');
      expect(err.message).to.match(/no answer in time/);
      expect(t.server!.requests).to.have.length(2);
      expect(Date.now() - t0).to.be.below(3000);
    });

    it('fails fast with a ConnectionError when nothing listens', async () => {
      await serve(() => ({ body: {} }));
      const url = t.server!.url;
      await t.server!.close();
      t.server = undefined;
      const c = createScimClient({ baseUrl: url, apiKey: KEY, retryBaseMs: 10 });
      const err = (await rejection(c.listUsers())) as ZivverUnreachableError;
      expect(err).to.be.instanceOf(ConnectionError);
      expect(err.code).to.equal('ECONNREFUSED');
      expect(err.attempts).to.equal(1);
      expect(err.message).to.match(/connection refused/).and.not.contain(KEY);
    });

    it('fails with a ConnectionError naming the TLS problem for a self-signed certificate', async () => {
      const { cert, key } = selfSignedCert();
      const tls = https.createServer({ cert, key }, (_req, res) => res.end('{}'));
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      try {
        const port = (tls.address() as AddressInfo).port;
        const c = createScimClient({ baseUrl: `https://127.0.0.1:${port}/scim`, apiKey: KEY });
        const err = (await rejection(c.listUsers())) as ZivverUnreachableError;
        expect(err).to.be.instanceOf(ConnectionError);
        expect(err.message).to.match(/TLS error: the server presented a self-signed certificate/);
        expect(err.attempts).to.equal(1);
      } finally {
        tls.closeAllConnections();
        await new Promise((resolve) => tls.close(resolve));
      }
    });
  });

  describe('abort', () => {
    it('stops waiting for the budget when the signal fires', async () => {
      await serve(() => ({ body: makeUsers(1)[0] }));
      const ac = new AbortController();
      const c = client({ rateLimit: { requests: 1, seconds: 60 }, signal: ac.signal });
      await c.getUser('x');
      const pending = c.getUser('y');
      setTimeout(() => ac.abort(), 50);
      const err = await rejection(pending);
      expect(err).to.be.instanceOf(ZivverAbortedError).and.instanceOf(InterruptedError);
      expect(t.server!.requests).to.have.length(1);
    });

    it('aborts a GET in flight, but never a PUT already sent: its answer decides the row', async () => {
      await serve(async (req) => {
        if (req.method === 'GET') return 'hang';
        await delay(300);
        return { body: JSON.parse(req.body) };
      });
      const ac = new AbortController();
      const c = client({ signal: ac.signal });
      const read = c.getUser('a');
      const write = c.replaceUser('a', { id: 'a', userName: 'a@b.nl' });
      setTimeout(() => ac.abort(), 100);
      expect(await rejection(read)).to.be.instanceOf(ZivverAbortedError);
      expect(await write).to.deep.equal({ id: 'a', userName: 'a@b.nl' });
    });

    it('cancels a Retry-After wait of a PUT (nothing was applied by a 429)', async () => {
      await serve(() => ({ status: 429, headers: { 'Retry-After': '120' }, body: 'slow down' }));
      const ac = new AbortController();
      const t0 = Date.now();
      const pending = client({ signal: ac.signal }).replaceUser('a', { id: 'a', userName: 'a@b.nl' });
      setTimeout(() => ac.abort(), 100);
      const err = await rejection(pending);
      expect(err).to.be.instanceOf(ZivverAbortedError);
      expect(writeMayHaveApplied(err)).to.equal(false);
      expect(Date.now() - t0).to.be.below(2000);
    });
  });

  describe('replaceUser notAfter', () => {
    it('does not re-send a PUT whose body would be older than notAfter; says whether it may have applied', async () => {
      await serve(() => ({ status: 429, headers: { 'Retry-After': '5' }, body: 'slow down' }));
      const t0 = Date.now();
      const err = (await rejection(client().replaceUser('a', { id: 'a', userName: 'a@b.nl' }, { notAfter: Date.now() + 1000 }))) as ZivverStaleWriteError;
      expect(err).to.be.instanceOf(ZivverStaleWriteError);
      expect(err.mayHaveBeenApplied).to.equal(false);
      expect(t.server!.requests).to.have.length(1);
      expect(Date.now() - t0).to.be.below(1000);
      await t.server!.close();
      await serve(() => ({ status: 503, headers: { 'Retry-After': '5' }, body: 'down' }));
      const err2 = (await rejection(client().replaceUser('a', { id: 'a', userName: 'a@b.nl' }, { notAfter: Date.now() + 1000 }))) as ZivverStaleWriteError;
      expect(err2).to.be.instanceOf(ZivverStaleWriteError);
      expect(err2.mayHaveBeenApplied).to.equal(true);
    });

    it('re-sends within the bound as before', async () => {
      await serve((_req, n) => (n === 1 ? { status: 429, headers: { 'Retry-After': '0.05' }, body: 'x' } : { body: { id: 'a', userName: 'a@b.nl' } }));
      await client().replaceUser('a', { id: 'a', userName: 'a@b.nl' }, { notAfter: Date.now() + 5000 });
      expect(t.server!.requests).to.have.length(2);
    });
  });

  it('never writes the key to the log, whatever happens', async () => {
    await serve((req, n) =>
      n % 3 === 1 ? { status: 503, body: `echo ${req.headers.authorization}` } : listResponse(makeUsers(2)),
    );
    const log = capturingLogger();
    const c = client({ logger: log });
    for (let i = 0; i < 3; i++) await c.listUsers();
    expect(log.lines.length).to.be.greaterThan(0);
    expect(JSON.stringify(log.lines)).not.to.contain(KEY);
  });
});

function selfSignedCert(): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: '127.0.0.1' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

describe('zivver/client 404 hint', () => {
  it('says a 404 on /Users likely means --zivver-url lacks /api/scim/v2', async () => {
    const { startServer } = await import('./server.js');
    const server = await startServer(() => ({ status: 404, body: 'Not Found' }));
    try {
      const c = createScimClient({ baseUrl: server.url.replace(/\/api\/scim\/v2\/?$/, '') + '/', apiKey: 'x'.repeat(8) + Date.now(), maxRetries: 0 });
      let err: unknown;
      await c.listUsers().catch((e) => (err = e));
      expect(String((err as Error).message)).to.match(/ends in \/api\/scim\/v2/);
    } finally {
      await server.close();
    }
  });
});
