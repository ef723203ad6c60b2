/**
 * The emulator answers as Zivver does: the listing's shape, the user's shape, one media type for
 * user writes (415/406 as framework JSON), business errors as plain text, and the token bucket
 * its 429 names (with the sliding window as an option, and RateLimit headers on request).
 */
import { expect } from 'chai';
import { ENTERPRISE_SCHEMA, ZIVVER_SCHEMA } from '../../src/emulator/index.js';
import { TokenBucket, SlidingWindow } from '../../src/emulator/rateLimit.js';
import { startTestEmulator, withEmulator } from '../helpers/emulator.js';

const ID1 = '0e1f2a3b-4c5d-4e6f-8a7b-000000000001';
const ID2 = '0e1f2a3b-4c5d-4e6f-8a7b-000000000002';

function seeds(): Array<Record<string, unknown>> {
  return [
    {
      id: ID1,
      userName: 'jan.devries@voorbeeldzorg.nl',
      name: { formatted: 'Jan de Vries' },
      active: true,
      nickName: 'Jan',
      phoneNumbers: [],
      meta: { created: '2024-06-13' },
      [ENTERPRISE_SCHEMA]: {},
      [ZIVVER_SCHEMA]: { SsoAccountKey: 'old-1', aliases: [], delegates: [], ExternalAccountId: 'ext-7' },
    },
    {
      id: ID2,
      userName: 'anna.bakker@voorbeeldzorg.nl',
      name: { givenName: 'Anna', familyName: 'Bakker' },
      active: true,
      phoneNumbers: [{ value: '+31 6 12345678' }],
      meta: { created: '2023-01-02T10:11:12Z' },
      [ENTERPRISE_SCHEMA]: { division: '' },
      [ZIVVER_SCHEMA]: { SsoAccountKey: 'old-2', aliases: ['ab@voorbeeldzorg.nl'], delegates: [] },
    },
  ];
}

describe('emulator: Zivver as it really answers', () => {
  describe('shapes', () => {
    const emu = withEmulator(() => ({ users: seeds() }));

    it('lists as {"Resources": [...], "totalResults": N} and nothing else', async () => {
      const r = await emu().request('GET', '/Users');
      expect(r.status).to.equal(200);
      const body = (await r.json()) as Record<string, unknown>;
      expect(Object.keys(body)).to.deep.equal(['Resources', 'totalResults']);
      expect(body.totalResults).to.equal(2);
    });

    it('shows a user as Zivver does: relative location, created a date, name only formatted, phoneNumbers always, {} enterprise kept, ExternalAccountId shown', async () => {
      const body = (await (await emu().request('GET', '/Users')).json()) as { Resources: Array<Record<string, any>> };
      const [jan, anna] = body.Resources;
      expect(jan!.meta).to.deep.equal({ resourceType: 'User', created: '2024-06-13', location: `/scim/v2/Users/${ID1}` });
      expect(jan![ENTERPRISE_SCHEMA]).to.deep.equal({});
      expect(jan![ZIVVER_SCHEMA]).to.deep.equal({ aliases: [], delegates: [], ExternalAccountId: 'ext-7' });
      expect(jan!.phoneNumbers).to.deep.equal([]);
      expect(anna!.name).to.deep.equal({ formatted: 'Anna Bakker' });
      expect(anna!.meta.created).to.equal('2023-01-02');
      expect(anna![ENTERPRISE_SCHEMA]).to.deep.equal({ division: '/' });
      // GET by id renders the same.
      expect(await (await emu().request('GET', `/Users/${ID1}`)).json()).to.deep.equal(jan);
    });

    it('a PUT of what GET gave, with a new key, changes nothing else: {} enterprise, [] phones and ExternalAccountId stay', async () => {
      const before = emu().getUser(ID1)!;
      const user = (await (await emu().request('GET', `/Users/${ID1}`)).json()) as Record<string, any>;
      user[ZIVVER_SCHEMA] = { ...user[ZIVVER_SCHEMA], SsoAccountKey: 'new-1' };
      const r = await emu().request('PUT', `/Users/${ID1}`, user);
      expect(r.status).to.equal(200);
      const expected = structuredClone(before);
      (expected[ZIVVER_SCHEMA] as Record<string, unknown>).SsoAccountKey = 'new-1';
      expect(emu().getUser(ID1)).to.deep.equal(expected);
      const answer = (await r.json()) as Record<string, unknown>;
      delete (user[ZIVVER_SCHEMA] as Record<string, unknown>).SsoAccountKey;
      expect(answer).to.deep.equal(user);
    });

    it('a PUT whose zivver extension leaves out ExternalAccountId erases it, like aliases and delegates', async () => {
      const user = (await (await emu().request('GET', `/Users/${ID1}`)).json()) as Record<string, any>;
      user[ZIVVER_SCHEMA] = { SsoAccountKey: 'new-1', aliases: [], delegates: [] };
      expect((await emu().request('PUT', `/Users/${ID1}`, user)).status).to.equal(200);
      expect(emu().getUser(ID1)![ZIVVER_SCHEMA]).to.deep.equal({ SsoAccountKey: 'new-1', aliases: [], delegates: [] });
    });

    it('framework errors are JSON, business errors plain text', async () => {
      const unknown = await emu().request('GET', '/Users/0e1f2a3b-0000-4000-8000-00000000dead');
      expect(unknown.status).to.equal(400);
      expect(unknown.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await unknown.text()).to.equal('Unknown account with uuid: 0e1f2a3b-0000-4000-8000-00000000dead');
      const nowhere = await emu().request('GET', '/Nowhere');
      expect(nowhere.status).to.equal(404);
      expect(await nowhere.json()).to.deep.equal({ code: 404, message: 'HTTP 404 Not Found' });
      const patch = await emu().request('PATCH', `/Users/${ID1}`, { Operations: [] });
      expect(patch.status).to.equal(405);
      expect(await patch.json()).to.deep.equal({ code: 405, message: 'HTTP 405 Method Not Allowed' });
    });
  });

  describe('media types of user writes (--put-content-type)', () => {
    const put = async (mode: 'json' | 'scim' | 'any', contentType: string, accept?: string) => {
      const emu = await startTestEmulator({ users: seeds(), putContentType: mode });
      try {
        const user = (await (await emu.request('GET', `/Users/${ID1}`)).json()) as Record<string, any>;
        const r = await emu.request('PUT', `/Users/${ID1}`, user, { 'Content-Type': contentType, ...(accept !== undefined ? { Accept: accept } : {}) });
        const text = await r.text();
        return { status: r.status, type: r.headers.get('content-type') ?? '', text, writes: emu.stats.writes };
      } finally {
        await emu.close();
      }
    };
    const UNSUPPORTED = JSON.stringify({ code: 415, message: 'HTTP 415 Unsupported Media Type' });

    it('json (the default) takes application/json and refuses application/scim+json with 415', async () => {
      expect(await put('json', 'application/json; charset=utf-8')).to.include({ status: 200, writes: 1 });
      const refused = await put('json', 'application/scim+json');
      expect(refused).to.deep.include({ status: 415, text: UNSUPPORTED, writes: 0 });
      expect(refused.type).to.match(/^application\/json/);
    });

    it('scim takes application/scim+json only, and wants an Accept that includes it (406 otherwise)', async () => {
      expect(await put('scim', 'application/scim+json')).to.include({ status: 200, writes: 1 });
      expect(await put('scim', 'application/json')).to.deep.include({ status: 415, text: UNSUPPORTED, writes: 0 });
      const notAcceptable = await put('scim', 'application/scim+json', 'application/json');
      expect(notAcceptable).to.deep.include({ status: 406, text: JSON.stringify({ code: 406, message: 'HTTP 406 Not Acceptable' }), writes: 0 });
      expect(await put('scim', 'application/scim+json', '*/*')).to.include({ status: 200 });
    });

    it('any takes both', async () => {
      expect(await put('any', 'application/json')).to.include({ status: 200, writes: 1 });
      expect(await put('any', 'application/scim+json')).to.include({ status: 200, writes: 1 });
      expect(await put('any', 'text/plain')).to.include({ status: 415, writes: 0 });
    });
  });

  describe('rate budget', () => {
    it('the token bucket (default) refills at budget/window per second; the sliding window waits for a whole window', () => {
      const bucket = new TokenBucket(4, 2); // 2 tokens per second
      const window = new SlidingWindow(4, 2);
      for (let i = 0; i < 4; i++) {
        expect(bucket.take(0).ok).to.equal(true);
        expect(window.take(0).ok).to.equal(true);
      }
      expect(bucket.take(0)).to.deep.equal({ ok: false, retryAfterMs: 500 });
      expect(window.take(0)).to.deep.equal({ ok: false, retryAfterMs: 2000 });
      expect(bucket.take(500).ok).to.equal(true);
      expect(bucket.take(500).ok).to.equal(false);
      expect(window.take(1999).ok).to.equal(false);
      expect(bucket.state(1000)).to.deep.equal({ remaining: 1, resetSeconds: 2 });
      expect(window.state(1000)).to.deep.equal({ remaining: 0, resetSeconds: 1 });
      // Refused requests use no budget, and a bucket never holds more than its budget.
      expect(bucket.state(60_000)).to.deep.equal({ remaining: 4, resetSeconds: 0 });
    });

    it("answers 429 with Zivver's body naming the bucket, and RateLimit headers when asked to", async () => {
      const emu = await startTestEmulator({ users: seeds(), rateLimit: { budget: 2, windowSeconds: 20, headers: true } });
      try {
        const first = await emu.request('GET', '/Users');
        expect(first.headers.get('ratelimit-limit')).to.equal('2, 2;w=20');
        expect(first.headers.get('ratelimit-remaining')).to.equal('1');
        expect(Number(first.headers.get('ratelimit-reset'))).to.be.within(1, 10);
        await emu.request('GET', '/Users');
        const r = await emu.request('GET', '/Users');
        expect(r.status).to.equal(429);
        expect(r.headers.get('ratelimit-remaining')).to.equal('0');
        expect(await r.json()).to.deep.equal({
          code: 429,
          message: 'Too Many Requests',
          emptiedBucketDetails: { limiterId: 'cab', budget: 2, windowSeconds: 20 },
          reference: 'https://tools.ietf.org/html/draft-polli-ratelimit-headers-02',
        });
      } finally {
        await emu.close();
      }
      const plain = await startTestEmulator({ users: seeds(), rateLimit: { budget: 2, windowSeconds: 20, mode: 'window' } });
      try {
        const r = await plain.request('GET', '/Users');
        expect(r.headers.get('ratelimit-remaining')).to.equal(null);
      } finally {
        await plain.close();
      }
    });
  });
});
