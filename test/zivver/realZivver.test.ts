/**
 * The client against Zivver as it really answers: the media type it writes with (and the one
 * switch when Zivver refuses it), RateLimit headers steering the budget, and a 401 that tells the
 * admin how to paste the key. A programmable server stands in for Zivver's edge.
 */
import { expect } from 'chai';
import { ZivverHttpError, createScimClient, looksBase64Encoded, parseRateLimitHeaders } from '../../src/zivver/index.js';
import { randomBytes } from 'node:crypto';
import { capturingLogger, type Handler, listResponse, makeUsers, rejection, type SeenRequest, serverPerTest } from './server.js';
import { testSecret } from '../helpers/secrets.js';

const KEY = testSecret('sk-real');
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Zivver's framework error for a media type it does not take. */
const UNSUPPORTED = { status: 415, body: { code: 415, message: 'HTTP 415 Unsupported Media Type' } };

describe('zivver/client against Zivver as it really answers', () => {
  const t = serverPerTest(KEY);
  const { serve, client } = t;

  describe('media types', () => {
    /** A Zivver that takes user writes only as `accepted`. */
    const onlyTakes = (accepted: string): Handler => (req) => {
      if (req.method !== 'PUT') return { body: makeUsers(1)[0] };
      return req.headers['content-type'] === accepted ? { body: JSON.parse(req.body) } : UNSUPPORTED;
    };
    const puts = (): SeenRequest[] => t.server!.requests.filter((r) => r.method === 'PUT');

    it('on a 415 switches to application/scim+json once, logs why at info level, and repeats that PUT unchanged', async () => {
      await serve(onlyTakes('application/scim+json'));
      const log = capturingLogger();
      const c = client({ logger: log });
      const users = makeUsers(3);
      const first = await c.replaceUser(users[0]!.id, users[0]!, { notAfter: Date.now() + 60_000 });
      expect(first).to.deep.equal(users[0]);
      const [refused, repeated] = puts();
      expect(refused!.headers['content-type']).to.equal('application/json');
      expect(repeated!.headers['content-type']).to.equal('application/scim+json');
      expect(repeated!.headers.accept).to.equal('application/scim+json, application/json');
      // Nothing else about the request changes.
      expect(repeated!.url.href).to.equal(refused!.url.href);
      expect(repeated!.body).to.equal(refused!.body);
      expect(repeated!.headers.authorization).to.equal(refused!.headers.authorization);
      const infos = log.lines.filter((l) => l.level === 'info');
      expect(infos).to.have.length(1);
      expect(infos[0]!.message).to.match(/^Zivver refused PUT \/Users\/\S+ with 415 Unsupported Media Type for Content-Type application\/json/);
      expect(infos[0]!.message).to.contain('HTTP 415 Unsupported Media Type').and.contain('sending application/scim+json from now on');
      // The rest of the run keeps to it.
      for (const u of users.slice(1)) await c.replaceUser(u.id, u);
      expect(puts().map((r) => r.headers['content-type'])).to.deep.equal(['application/json', 'application/scim+json', 'application/scim+json', 'application/scim+json']);
      expect(c.mediaType).to.equal('application/scim+json');
      expect(log.lines.filter((l) => l.level === 'info')).to.have.length(1);
    });

    it('with many PUTs at once, only the first is refused: the others wait for the media type to be settled', async () => {
      await serve(async (req, n) => {
        await delay(n === 1 ? 30 : 1);
        return onlyTakes('application/scim+json')(req, n);
      });
      const c = client();
      const users = makeUsers(12);
      await Promise.all(users.map((u) => c.replaceUser(u.id, u)));
      const refused = puts().filter((r) => r.headers['content-type'] !== 'application/scim+json');
      expect(refused).to.have.length(1);
      expect(puts()).to.have.length(13);
    });

    it('a Zivver that takes application/json is never sent anything else, and costs no extra request', async () => {
      await serve(onlyTakes('application/json'));
      const c = client();
      const users = makeUsers(5);
      await Promise.all(users.map((u) => c.replaceUser(u.id, u)));
      expect(puts().map((r) => r.headers['content-type'])).to.deep.equal(Array(5).fill('application/json'));
      expect(c.stats.retries).to.equal(0);
    });

    it('a refusal does not use up a retry: with maxRetries 0 the switched PUT still goes', async () => {
      await serve(onlyTakes('application/scim+json'));
      const c = client({ maxRetries: 0 });
      const u = makeUsers(1)[0]!;
      expect(await c.replaceUser(u.id, u)).to.deep.equal(u);
    });

    it('a 406 on a read switches too (Accept lists the other type first) and the read is repeated', async () => {
      await serve((req) =>
        (req.headers.accept ?? '').startsWith('application/scim+json') ? listResponse(makeUsers(2)) : { status: 406, body: { code: 406, message: 'HTTP 406 Not Acceptable' } },
      );
      const log = capturingLogger();
      const c = client({ logger: log });
      expect(await c.listUsers()).to.have.length(2);
      expect(t.server!.requests.map((r) => r.headers.accept)).to.deep.equal(['application/json, application/scim+json', 'application/scim+json, application/json']);
      expect(log.lines.find((l) => l.level === 'info')!.message).to.match(/406 Not Acceptable for Accept application\/json, application\/scim\+json/);
    });

    it('refused with both types: one switch only, then the error says so (a row fails, the run does not loop)', async () => {
      await serve((req) => (req.method === 'PUT' ? UNSUPPORTED : { body: makeUsers(1)[0] }));
      const c = client();
      const u = makeUsers(1)[0]!;
      const err = (await rejection(c.replaceUser(u.id, u))) as ZivverHttpError;
      expect(err).to.be.instanceOf(ZivverHttpError);
      expect(err.status).to.equal(415);
      expect(err.mayHaveBeenApplied).to.equal(false);
      expect(err.message).to.contain('refused both application/json and application/scim+json');
      expect(puts()).to.have.length(2);
      await rejection(c.replaceUser(u.id, u));
      expect(puts()).to.have.length(3); // no further switching back and forth
    });
  });

  describe('RateLimit headers', () => {
    it('parses draft-polli, X-RateLimit (delta and epoch seconds) and structured RateLimit headers', () => {
      const h = (o: Record<string, string>) => new Headers(o);
      const now = 1_700_000_000_000;
      expect(parseRateLimitHeaders(h({ 'RateLimit-Limit': '50, 50;w=10', 'RateLimit-Remaining': '7', 'RateLimit-Reset': '4' }), now)).to.deep.equal({
        remaining: 7,
        resetMs: 4000,
        limit: { requests: 50, seconds: 10 },
      });
      expect(parseRateLimitHeaders(h({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '2' }), now)).to.deep.equal({ remaining: 0, resetMs: 2000 });
      expect(parseRateLimitHeaders(h({ 'X-RateLimit-Remaining': '3', 'X-RateLimit-Reset': String(now / 1000 + 6) }), now)).to.deep.equal({ remaining: 3, resetMs: 6000 });
      expect(parseRateLimitHeaders(h({ RateLimit: 'limit=50, remaining=9, reset=3' }), now)).to.deep.equal({ remaining: 9, resetMs: 3000 });
      expect(parseRateLimitHeaders(h({ RateLimit: '"default";r=2;t=5', 'RateLimit-Policy': '"default";q=50;w=10' }), now)).to.deep.equal({
        remaining: 2,
        resetMs: 5000,
        limit: { requests: 50, seconds: 10 },
      });
      // Nothing, or half of it: nothing changes.
      expect(parseRateLimitHeaders(h({}), now)).to.equal(undefined);
      expect(parseRateLimitHeaders(h({ 'RateLimit-Remaining': '0' }), now)).to.equal(undefined);
      expect(parseRateLimitHeaders(h({ 'RateLimit-Remaining': 'many', 'RateLimit-Reset': '1' }), now)).to.equal(undefined);
    });

    it('a client with a loose --rate-limit gets no 429 from a server that announces its budget in headers', async () => {
      const windowMs = 600;
      const quota = 4;
      let windowStart = 0;
      let used = 0;
      await serve((req) => {
        if (req.at - windowStart >= windowMs) {
          windowStart = req.at;
          used = 0;
        }
        const headers = (rem: number) => ({
          'RateLimit-Limit': String(quota),
          'RateLimit-Remaining': String(rem),
          'RateLimit-Reset': String(Math.ceil((windowStart + windowMs - req.at) / 1000)),
        });
        if (used >= quota) return { status: 429, headers: headers(0), body: { code: 429, message: 'Too Many Requests' } };
        used++;
        return { headers: headers(quota - used), body: makeUsers(1)[0] };
      });
      const c = client({ rateLimit: { requests: 1000, seconds: 1 } });
      await c.getUser('x'); // learns the server's count
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 3 }, () => c.getUser('x')));
      expect(t.server!.requests.length).to.equal(10);
      expect(c.stats.throttled).to.equal(0);
    });
  });

  describe('the API key', () => {
    it('tells a base64-encoded key from one as the portal shows it', () => {
      const portalKey = testSecret('portal');
      expect(looksBase64Encoded(portalKey)).to.equal(false);
      expect(looksBase64Encoded(Buffer.from(portalKey).toString('base64'))).to.equal(true);
      // A random key that merely uses base64's letters does not decode to text.
      expect(looksBase64Encoded(Buffer.concat([randomBytes(17), Buffer.from([0])]).toString('base64'))).to.equal(false);
      expect(looksBase64Encoded(randomBytes(16).toString('hex'))).to.equal(false);
    });

    for (const encoded of [false, true]) {
      it(`a 401 says to paste the key exactly as the portal shows it, and that it ${encoded ? 'looked' : 'did not look'} base64-encoded; never the key`, async () => {
        const raw = testSecret('portal-key');
        const apiKey = encoded ? Buffer.from(raw).toString('base64') : raw;
        await serve(() => ({ status: 401, body: 'Unauthorized' }));
        const log = capturingLogger();
        const c = createScimClient({ baseUrl: t.server!.url, apiKey, logger: log });
        const err = await rejection(c.listUsers());
        expect(err.message).to.contain('Paste the API key exactly as the Zivver admin portal shows it');
        expect(err.message).to.contain(encoded ? 'looks base64-encoded' : 'does not look base64-encoded');
        expect(err.message).not.to.contain(apiKey);
        expect(err.message).not.to.contain(raw);
        expect(JSON.stringify(log.lines)).not.to.contain(apiKey);
        // Sent as given.
        expect(t.server!.requests[0]!.headers.authorization).to.equal(`Bearer ${apiKey}`);
      });
    }
  });
});
