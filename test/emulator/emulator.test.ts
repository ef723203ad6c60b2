import { expect } from 'chai';
import { startEmulator, ZIVVER_SCHEMA, ENTERPRISE_SCHEMA, type EmulatorUser } from '../../src/emulator/index.js';
import { UsageError } from '../../src/errors.js';
import { startTestEmulator, withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { testSecret } from '../helpers/secrets.js';

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const ID3 = '33333333-3333-4333-8333-333333333333';

function seedUsers(): Array<Record<string, unknown>> {
  return [
    {
      id: ID1,
      userName: 'Jan.deVries@voorbeeldzorg.nl',
      name: { formatted: 'Jan de Vries', givenName: 'Jan', familyName: 'de Vries' },
      nickName: 'Jan',
      active: true,
      phoneNumbers: [{ value: '+31 6 12345678', type: 'mobile' }],
      meta: { created: '2020-03-04' },
      [ENTERPRISE_SCHEMA]: { division: 'Cardiologie' },
      [ZIVVER_SCHEMA]: {
        SsoAccountKey: 'old-guid-1',
        aliases: ['jdevries@voorbeeldzorg.nl'],
        delegates: ['anna.bakker@voorbeeldzorg.nl'],
        futureThing: { nested: true },
      },
    },
    {
      id: ID2,
      userName: 'anna.bakker@voorbeeldzorg.nl',
      name: { formatted: 'Anna Bakker' },
      active: false,
      [ZIVVER_SCHEMA]: { SsoAccountKey: 'old-guid-2', aliases: [], delegates: [] },
    },
    { id: ID3, userName: 'kees.smit@voorbeeldzorg.nl', name: { formatted: 'Kees Smit' }, active: true },
  ];
}

async function json(r: Response): Promise<any> {
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${r.status}): ${text}`);
  }
}

async function getUser(emu: TestEmulator, id: string): Promise<any> {
  const r = await emu.request('GET', `/Users/${id}`);
  expect(r.status).to.equal(200);
  return json(r);
}

/** The contract apply relies on: PUT back exactly what GET gave, with only the key changed. */
function withKey(user: any, key: string): any {
  const body = structuredClone(user);
  body[ZIVVER_SCHEMA] = { ...(body[ZIVVER_SCHEMA] ?? {}), SsoAccountKey: key };
  return body;
}

describe('emulator', function () {
  this.timeout(20_000);

  describe('authentication and basics', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));

    it('answers 401 in plain text to a missing or wrong key, on SCIM and admin paths alike', async () => {
      const attempts: Array<Record<string, string>> = [{}, { Authorization: `Bearer ${testSecret('wrong-key')}` }, { Authorization: `Basic ${emu().apiKey}` }];
      for (const headers of attempts) {
        const r = await fetch(`${emu().url}/Users`, { headers });
        expect(r.status).to.equal(401);
        expect(r.headers.get('content-type')).to.match(/^text\/plain/);
        expect(await r.text()).to.equal('Invalid API key');
      }
      const admin = await fetch(emu().url.replace('/api/scim/v2', '/_emulator/state'), { headers: { Authorization: `Bearer ${testSecret('wrong-key')}` } });
      expect(admin.status).to.equal(401);
      expect(emu().stats.unauthorized).to.equal(3);
    });

    it('serves the SCIM base path on 127.0.0.1 and the discovery endpoints through scimmy-routers', async () => {
      expect(emu().url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api\/scim\/v2$/);
      const spc = await json(await emu().request('GET', '/ServiceProviderConfig'));
      expect(spc.patch.supported).to.equal(false);
      expect(spc.filter.supported).to.equal(true);
      const schema = await json(await emu().request('GET', `/Schemas/${ZIVVER_SCHEMA}`));
      const key = schema.attributes.find((a: any) => a.name === 'SsoAccountKey');
      expect(key.returned).to.equal('never');
      expect(key.mutability).to.equal('writeOnly');
    });

    it('answers 400 in plain text for an unknown id, on GET and PUT', async () => {
      const id = '99999999-9999-4999-8999-999999999999';
      let r = await emu().request('GET', `/Users/${id}`);
      expect(r.status).to.equal(400);
      expect(r.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await r.text()).to.equal(`Unknown account with uuid: ${id}`);
      r = await emu().request('PUT', `/Users/${id}`, { userName: 'x@y.nl' });
      expect(r.status).to.equal(400);
      expect(await r.text()).to.equal(`Unknown account with uuid: ${id}`);
    });

    it('refuses PATCH and DELETE on users with 405', async () => {
      const patch = await emu().request('PATCH', `/Users/${ID1}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'nickName', value: 'x' }],
      });
      expect(patch.status).to.equal(405);
      const del = await emu().request('DELETE', `/Users/${ID1}`);
      expect(del.status).to.equal(405);
      expect(emu().getUser(ID1)?.nickName).to.equal('Jan');
    });

    it('renders seeds as Zivver does: meta.created a date, a relative location, name only formatted, phoneNumbers always, division "/" when empty', async () => {
      const u1 = await getUser(emu(), ID1);
      expect(u1.meta.created).to.equal('2020-03-04');
      expect(u1.meta.location).to.equal(`/scim/v2/Users/${ID1}`);
      expect(u1.name).to.deep.equal({ formatted: 'Jan de Vries' });
      const u3 = await getUser(emu(), ID3);
      expect(u3[ENTERPRISE_SCHEMA]).to.deep.equal({ division: '/' });
      expect(u3[ZIVVER_SCHEMA]).to.equal(undefined);
      expect(u3.phoneNumbers).to.deep.equal([]);
    });
  });

  describe('the write-only SsoAccountKey', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));

    it('is stored but never returned by GET, listing, filter or PUT', async () => {
      const texts = [
        await (await emu().request('GET', `/Users/${ID1}`)).text(),
        await (await emu().request('GET', '/Users')).text(),
        await (await emu().request('GET', `/Users?filter=${encodeURIComponent('userName eq "anna.bakker@voorbeeldzorg.nl"')}`)).text(),
        await (await emu().request('GET', `/Users?attributes=${encodeURIComponent(`${ZIVVER_SCHEMA}:SsoAccountKey,userName`)}`)).text(),
      ];
      const user = JSON.parse(texts[0]!);
      const put = await emu().request('PUT', `/Users/${ID1}`, withKey(user, 'new-key-1'));
      expect(put.status).to.equal(200);
      texts.push(await put.text());
      for (const t of texts) {
        expect(t).not.to.include('SsoAccountKey');
        expect(t).not.to.match(/old-guid|new-key/);
      }
      expect(emu().getKey(ID1)).to.equal('new-key-1');
      expect(emu().getKey(ID2)).to.equal('old-guid-2');
    });

    it('cannot be found out through a filter', async () => {
      const f = encodeURIComponent(`${ZIVVER_SCHEMA}:SsoAccountKey eq "old-guid-1"`);
      const body = await json(await emu().request('GET', `/Users?filter=${f}`));
      expect(body.totalResults).to.equal(0);
    });
  });

  describe('PUT in zivver mode (default)', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));

    it('shows an extension whose arrays are empty, and keeps it through a round trip', async () => {
      const user = await getUser(emu(), ID2);
      expect(user[ZIVVER_SCHEMA]).to.deep.equal({ aliases: [], delegates: [] });
      expect((await emu().request('PUT', `/Users/${ID2}`, withKey(user, 'entra-2'))).status).to.equal(200);
      expect(emu().getUser(ID2)![ZIVVER_SCHEMA]).to.deep.equal({ SsoAccountKey: 'entra-2', aliases: [], delegates: [] });
    });

    it('round-trips a GET body with a new key and changes nothing else (read-only attributes accepted)', async () => {
      const before = emu().getUser(ID1)!;
      const user = await getUser(emu(), ID1);
      expect(user.id).to.equal(ID1);
      expect(user.meta).to.have.property('created');
      const r = await emu().request('PUT', `/Users/${ID1}`, withKey(user, 'entra-1'));
      expect(r.status).to.equal(200);
      const answer = await json(r);
      expect(answer).to.deep.equal(user);
      const after = emu().getUser(ID1)!;
      const expected = structuredClone(before) as EmulatorUser;
      (expected[ZIVVER_SCHEMA] as Record<string, unknown>).SsoAccountKey = 'entra-1';
      expect(after).to.deep.equal(expected);
      expect(emu().stats.writes).to.equal(1);
    });

    it('keeps top-level attributes the body leaves out, and the whole extension when the body has none', async () => {
      const r = await emu().request('PUT', `/Users/${ID1}`, { userName: 'Jan.deVries@voorbeeldzorg.nl', active: false });
      expect(r.status).to.equal(200);
      const after = emu().getUser(ID1)!;
      expect(after.active).to.equal(false);
      expect(after.nickName).to.equal('Jan');
      expect(after.phoneNumbers).to.deep.equal([{ value: '+31 6 12345678', type: 'mobile' }]);
      expect(after[ENTERPRISE_SCHEMA]).to.deep.equal({ division: 'Cardiologie' });
      expect(after[ZIVVER_SCHEMA]).to.deep.equal({
        SsoAccountKey: 'old-guid-1',
        aliases: ['jdevries@voorbeeldzorg.nl'],
        delegates: ['anna.bakker@voorbeeldzorg.nl'],
        futureThing: { nested: true },
      });
    });

    it('erases every extension key a body with the extension leaves out (only SsoAccountKey: aliases and delegates gone)', async () => {
      const r = await emu().request('PUT', `/Users/${ID1}`, { [ZIVVER_SCHEMA]: { SsoAccountKey: 'entra-1' } });
      expect(r.status).to.equal(200);
      const after = emu().getUser(ID1)!;
      expect(after[ZIVVER_SCHEMA]).to.deep.equal({ SsoAccountKey: 'entra-1' });
      // Top-level attributes were still kept.
      expect(after.userName).to.equal('Jan.deVries@voorbeeldzorg.nl');
      expect(after.nickName).to.equal('Jan');
      const shown = await getUser(emu(), ID1);
      expect(shown[ZIVVER_SCHEMA]).to.deep.equal({});
    });

    it('erases the key when the extension in the body lacks it (the SSO-breaking mistake)', async () => {
      const user = await getUser(emu(), ID1);
      const r = await emu().request('PUT', `/Users/${ID1}`, user);
      expect(r.status).to.equal(200);
      expect(emu().getKey(ID1)).to.equal(undefined);
      expect((emu().getUser(ID1)![ZIVVER_SCHEMA] as any).aliases).to.deep.equal(['jdevries@voorbeeldzorg.nl']);
    });

    it('returns unknown extension keys and keeps them only while the client sends them back', async () => {
      const user = await getUser(emu(), ID1);
      expect(user[ZIVVER_SCHEMA].futureThing).to.deep.equal({ nested: true });
      const body = withKey(user, 'k');
      delete body[ZIVVER_SCHEMA].futureThing;
      await emu().request('PUT', `/Users/${ID1}`, body);
      expect(emu().getUser(ID1)![ZIVVER_SCHEMA]).to.deep.equal({
        SsoAccountKey: 'k',
        aliases: ['jdevries@voorbeeldzorg.nl'],
        delegates: ['anna.bakker@voorbeeldzorg.nl'],
      });
    });

    it('validates what it stores through SCIMMY (wrong types are plain-text 400s, broken JSON a framework error) and keeps userName unique', async () => {
      let r = await emu().request('PUT', `/Users/${ID1}`, { active: 'yes' });
      expect(r.status).to.equal(400);
      expect(r.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await r.text()).to.match(/active.*boolean/);
      r = await emu().request('PUT', `/Users/${ID1}`, { userName: 'ANNA.bakker@voorbeeldzorg.nl' });
      expect(r.status).to.equal(409);
      r = await emu().request('PUT', `/Users/${ID1}`, '{broken');
      expect(r.status).to.equal(400);
      expect(await json(r)).to.deep.equal({ code: 400, message: 'Unable to process JSON' });
      expect(emu().getUser(ID1)!.active).to.equal(true);
    });

    it('creates users with POST', async () => {
      const r = await emu().request('POST', '/Users', {
        userName: 'nieuw@voorbeeldzorg.nl',
        name: { formatted: 'Nieuw' },
        [ZIVVER_SCHEMA]: { SsoAccountKey: 'k-new', aliases: [] },
      });
      expect(r.status).to.equal(201);
      const created = await json(r);
      expect(created.id).to.match(/^[0-9a-f-]{36}$/);
      expect(emu().getKey(created.id)).to.equal('k-new');
      expect((await emu().request('POST', '/Users', { userName: 'NIEUW@voorbeeldzorg.nl' })).status).to.equal(409);
    });
  });

  describe('PUT in strict mode', () => {
    const emu = withEmulator(() => ({ users: seedUsers(), putMode: 'strict' }));

    it('round-trips a GET body with a new key unchanged (aliases, empty arrays, no extension at all)', async () => {
      for (const id of [ID1, ID2, ID3]) {
        const before = emu().getUser(id)!;
        const user = await getUser(emu(), id);
        expect((await emu().request('PUT', `/Users/${id}`, withKey(user, `entra-${id}`))).status).to.equal(200);
        const expected = structuredClone(before);
        expected[ZIVVER_SCHEMA] = { ...((expected[ZIVVER_SCHEMA] as object) ?? {}), SsoAccountKey: `entra-${id}` };
        expect(emu().getUser(id), id).to.deep.equal(expected);
      }
    });

    it('clears everything the body leaves out, and requires userName', async () => {
      const r = await emu().request('PUT', `/Users/${ID1}`, { userName: 'Jan.deVries@voorbeeldzorg.nl', [ZIVVER_SCHEMA]: { SsoAccountKey: 'k' } });
      expect(r.status).to.equal(200);
      const after = emu().getUser(ID1)!;
      expect(after.nickName).to.equal(undefined);
      expect(after.phoneNumbers).to.deep.equal([]); // Zivver always has the list
      expect(after.active).to.equal(undefined);
      expect(after[ENTERPRISE_SCHEMA]).to.deep.equal({ division: '/' });
      expect(after[ZIVVER_SCHEMA]).to.deep.equal({ SsoAccountKey: 'k' });
      expect(after.meta.created).to.equal('2020-03-04');
      expect((await emu().request('PUT', `/Users/${ID1}`, { nickName: 'x' })).status).to.equal(400);
    });
  });

  describe('filters', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));

    it('finds userName eq case-insensitively, and nothing for an unknown address', async () => {
      const f = (s: string) => `/Users?filter=${encodeURIComponent(s)}`;
      let body = await json(await emu().request('GET', f('userName eq "JAN.DEVRIES@voorbeeldzorg.NL"')));
      expect(body.totalResults).to.equal(1);
      expect(body.Resources[0].id).to.equal(ID1);
      body = await json(await emu().request('GET', f('userName eq "nobody@voorbeeldzorg.nl"')));
      expect(body).to.deep.equal({ Resources: [], totalResults: 0 });
    });

    it('runs other filters through SCIMMY, also case-insensitively and on extension attributes', async () => {
      const f = (s: string) => `/Users?filter=${encodeURIComponent(s)}`;
      let body = await json(await emu().request('GET', f('name.formatted co "SMIT" or active eq false')));
      expect(body.Resources.map((u: any) => u.id).sort()).to.deep.equal([ID2, ID3]);
      body = await json(await emu().request('GET', f(`${ZIVVER_SCHEMA}:aliases eq "JDEVRIES@voorbeeldzorg.nl"`)));
      expect(body.Resources.map((u: any) => u.id)).to.deep.equal([ID1]);
      const bad = await emu().request('GET', f('userName xx'));
      expect(bad.status).to.equal(400);
    });
  });

  describe('listing modes', () => {
    const many = () =>
      Array.from({ length: 25 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userName: `u${i}@x.nl` }));
    const ids = (b: any) => b.Resources.map((u: any) => u.id as string);

    it('all: every user in one response without paging fields, whatever was asked', async () => {
      const emu = await startTestEmulator({ users: many() });
      try {
        const body = await json(await emu.request('GET', '/Users?startIndex=11&count=5'));
        expect(body.totalResults).to.equal(25);
        expect(body.Resources).to.have.length(25);
        expect(body).not.to.have.property('itemsPerPage');
        expect(body).not.to.have.property('startIndex');
      } finally {
        await emu.close();
      }
    });

    it('honor: RFC paging with startIndex/count, and a default page size when no count is given', async () => {
      const emu = await startTestEmulator({ users: many(), paging: 'honor', defaultPageSize: 10 });
      try {
        const seen: string[] = [];
        for (let start = 1; start <= 25; start += 7) {
          const body = await json(await emu.request('GET', `/Users?startIndex=${start}&count=7`));
          expect(body.totalResults).to.equal(25);
          expect(body.startIndex).to.equal(start);
          expect(body.itemsPerPage).to.equal(body.Resources.length);
          seen.push(...ids(body));
        }
        expect(new Set(seen).size).to.equal(25);
        expect(seen).to.have.length(25);
        const dflt = await json(await emu.request('GET', '/Users'));
        expect(dflt.Resources).to.have.length(10);
        expect(dflt.startIndex).to.equal(1);
      } finally {
        await emu.close();
      }
    });

    it('cap:N: honours startIndex but never returns more than N', async () => {
      const emu = await startTestEmulator({ users: many(), paging: 'cap:4' });
      try {
        const p1 = await json(await emu.request('GET', '/Users?startIndex=1&count=100'));
        expect(p1.Resources).to.have.length(4);
        expect(p1.itemsPerPage).to.equal(4);
        const p2 = await json(await emu.request('GET', '/Users?startIndex=5&count=100'));
        expect(ids(p2)).to.deep.equal(many().slice(4, 8).map((u) => u.id));
        const last = await json(await emu.request('GET', '/Users?startIndex=25&count=100'));
        expect(last.Resources).to.have.length(1);
        expect(last.totalResults).to.equal(25);
      } finally {
        await emu.close();
      }
    });

    it('ignore: the same first page for every startIndex, with the full totalResults', async () => {
      const emu = await startTestEmulator({ users: many(), paging: 'ignore' });
      try {
        const a = await json(await emu.request('GET', '/Users?startIndex=1&count=10'));
        const b = await json(await emu.request('GET', '/Users?startIndex=11&count=10'));
        expect(a.totalResults).to.equal(25);
        expect(b.totalResults).to.equal(25);
        expect(ids(b)).to.deep.equal(ids(a));
        expect(ids(a)).to.have.length(10);
      } finally {
        await emu.close();
      }
    });

    it('renders a listed user exactly as SCIMMY renders a single GET (the fast path is faithful)', async () => {
      const emu = await startTestEmulator({ users: seedUsers() });
      try {
        await emu.request('PUT', `/Users/${ID2}`, { [ZIVVER_SCHEMA]: { SsoAccountKey: 'only-key' } });
        const list = await json(await emu.request('GET', '/Users'));
        expect(list.Resources).to.have.length(3);
        for (const listed of list.Resources) {
          const single = await (await emu.request('GET', `/Users/${listed.id}`)).text();
          expect(JSON.stringify(listed)).to.equal(single);
        }
      } finally {
        await emu.close();
      }
    });
  });

  describe('rate budget', () => {
    it('answers 429 with Zivver\'s JSON body and no Retry-After once the window is used up', async () => {
      const emu = await startTestEmulator({ users: seedUsers(), rateLimit: { budget: 3, windowSeconds: 10 } });
      try {
        for (let i = 0; i < 3; i++) expect((await emu.request('GET', '/Users')).status).to.equal(200);
        const r = await emu.request('GET', '/Users');
        expect(r.status).to.equal(429);
        expect(r.headers.get('retry-after')).to.equal(null);
        expect(await json(r)).to.deep.equal({
          code: 429,
          message: 'Too Many Requests',
          emptiedBucketDetails: { limiterId: 'cab', budget: 3, windowSeconds: 10 },
          reference: 'https://tools.ietf.org/html/draft-polli-ratelimit-headers-02',
        });
        // Admin endpoints are outside the budget.
        const state = await fetch(emu.url.replace('/api/scim/v2', '/_emulator/state'), { headers: { Authorization: `Bearer ${emu.apiKey}` } });
        expect(state.status).to.equal(200);
        expect(emu.stats.throttled).to.equal(1);
        expect(emu.stats.requests).to.equal(4);
      } finally {
        await emu.close();
      }
    });

    it('sends Retry-After when configured (fixed or auto), and lets requests through again after the window', async () => {
      const emu = await startTestEmulator({ rateLimit: { budget: 2, windowSeconds: 1, retryAfterSeconds: 7 } });
      try {
        await emu.request('GET', '/Users');
        await emu.request('GET', '/Users');
        const r = await emu.request('GET', '/Users');
        expect(r.status).to.equal(429);
        expect(r.headers.get('retry-after')).to.equal('7');
        emu.configure({ rateLimit: { budget: 1, windowSeconds: 3, retryAfterSeconds: 'auto' } });
        expect((await emu.request('GET', '/Users')).status).to.equal(200);
        const auto = await emu.request('GET', '/Users');
        expect(auto.status).to.equal(429);
        expect(Number(auto.headers.get('retry-after'))).to.be.within(1, 3);
        emu.configure({ rateLimit: { budget: 2, windowSeconds: 0.3 } });
        await emu.request('GET', '/Users');
        await emu.request('GET', '/Users');
        expect((await emu.request('GET', '/Users')).status).to.equal(429);
        await new Promise((res) => setTimeout(res, 350));
        expect((await emu.request('GET', '/Users')).status).to.equal(200);
      } finally {
        await emu.close();
      }
    });
  });

  describe('faults and latency', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));

    it('injects a status a limited number of times, only for the matching method and path', async () => {
      emu().setFaults([{ method: 'GET', path: `Users/${ID1}`, status: 503, body: 'Service Unavailable', times: 2 }]);
      expect((await emu().request('GET', `/Users/${ID2}`)).status).to.equal(200);
      const r = await emu().request('GET', `/Users/${ID1}`);
      expect(r.status).to.equal(503);
      expect(await r.text()).to.equal('Service Unavailable');
      expect((await emu().request('GET', `/Users/${ID1}`)).status).to.equal(503);
      expect((await emu().request('GET', `/Users/${ID1}`)).status).to.equal(200);
      expect(emu().stats.faultsFired).to.equal(2);
    });

    it('expresses a 429 storm with Zivver\'s body, skip and a RegExp path', async () => {
      emu().setFaults([{ path: /^\/Users\?/, status: 429, skip: 1, times: 5 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await emu().request('GET', '/Users?count=1')).status);
      expect(statuses).to.deep.equal([200, 429, 429, 429, 429, 429, 200, 200]);
      expect(emu().stats.throttled).to.equal(5);
      const r = await (emu().setFaults([{ status: 429 }]), emu().request('GET', '/Users'));
      expect((await json(r)).emptiedBucketDetails).to.deep.equal({ limiterId: 'cab', budget: 50, windowSeconds: 10 });
    });

    it('resets the connection', async () => {
      emu().setFaults([{ method: 'GET', reset: true, times: 1 }]);
      let failed = false;
      try {
        await emu().request('GET', '/Users');
      } catch (err) {
        failed = true;
        expect(String((err as Error & { cause?: unknown }).cause ?? err)).to.match(/socket|ECONNRESET|closed|terminated/i);
      }
      expect(failed).to.equal(true);
      expect((await emu().request('GET', '/Users')).status).to.equal(200);
    });

    it('applyThenFail performs the write, then answers 500 (or resets): the ambiguous failure', async () => {
      emu().setFaults([{ method: 'PUT', applyThenFail: true, times: 1 }]);
      const user = await getUser(emu(), ID1);
      const r = await emu().request('PUT', `/Users/${ID1}`, withKey(user, 'written-anyway'));
      expect(r.status).to.equal(500);
      expect(emu().getKey(ID1)).to.equal('written-anyway');
      expect(emu().stats.writes).to.equal(1);
      emu().setFaults([{ method: 'PUT', applyThenFail: true, reset: true }]);
      let failed = false;
      await emu().request('PUT', `/Users/${ID1}`, withKey(user, 'written-then-reset')).catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(emu().getKey(ID1)).to.equal('written-then-reset');
    });

    it('fires probabilistic rules deterministically for a given seed', async () => {
      const run = async () => {
        const e = await startTestEmulator({ faults: [{ status: 500, probability: 0.5 }], faultSeed: 42 });
        try {
          const s: number[] = [];
          for (let i = 0; i < 12; i++) s.push((await e.request('GET', '/Users')).status);
          return s;
        } finally {
          await e.close();
        }
      };
      const a = await run();
      expect(a).to.include(500).and.to.include(200);
      expect(await run()).to.deep.equal(a);
    });

    it('adds latency to every SCIM request', async () => {
      emu().configure({ latencyMs: 150 });
      const t0 = performance.now();
      await emu().request('GET', `/Users/${ID1}`);
      expect(performance.now() - t0).to.be.at.least(140);
    });
  });

  describe('admin endpoints and state helpers', () => {
    const emu = withEmulator(() => ({ users: seedUsers() }));
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(emu().url.replace('/api/scim/v2', `/_emulator${path}`), {
        method,
        headers: { Authorization: `Bearer ${emu().apiKey}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    it('GET /_emulator/state returns every user in full, keys included', async () => {
      const state = await json(await admin('GET', '/state'));
      expect(state.count).to.equal(3);
      const u1 = state.users.find((u: any) => u.id === ID1);
      expect(u1[ZIVVER_SCHEMA].SsoAccountKey).to.equal('old-guid-1');
      expect(u1).to.deep.equal(emu().getUser(ID1));
      expect(emu().stats.requests).to.equal(0);
    });

    it('renames and deletes accounts (handle and HTTP), which SCIM clients then see', async () => {
      let r = await admin('POST', `/users/${ID1}/rename`, { userName: 'jan.devries@nieuw.nl' });
      expect(r.status).to.equal(200);
      expect((await getUser(emu(), ID1)).userName).to.equal('jan.devries@nieuw.nl');
      const found = await json(await emu().request('GET', `/Users?filter=${encodeURIComponent('userName eq "jan.devries@nieuw.nl"')}`));
      expect(found.totalResults).to.equal(1);
      const old = await json(await emu().request('GET', `/Users?filter=${encodeURIComponent('userName eq "jan.devries@voorbeeldzorg.nl"')}`));
      expect(old.totalResults).to.equal(0);
      r = await admin('DELETE', `/users/${ID2}`);
      expect(r.status).to.equal(204);
      expect((await emu().request('GET', `/Users/${ID2}`)).status).to.equal(400);
      emu().renameUser(ID3, 'kees@nieuw.nl');
      emu().deleteUser(ID1);
      expect(emu().users().map((u) => u.userName)).to.deep.equal(['kees@nieuw.nl']);
      expect(() => emu().renameUser(ID3, 'kees@nieuw.nl')).not.to.throw();
      expect(() => emu().deleteUser(ID1)).to.throw(/Unknown account/);
    });

    it('replaces fault rules from JSON (pathRegex), reports stats and changes config', async () => {
      let r = await admin('PUT', '/faults', [{ method: 'GET', pathRegex: '^/Users/3', status: 502, times: 1 }]);
      expect(r.status).to.equal(200);
      expect((await emu().request('GET', `/Users/${ID1}`)).status).to.equal(200);
      expect((await emu().request('GET', `/Users/${ID3}`)).status).to.equal(502);
      await emu().request('PUT', `/Users/${ID3}`, { nickName: 'K' });
      const stats = await json(await admin('GET', '/stats'));
      expect(stats).to.include({ requests: 3, writes: 1, faultsFired: 1, throttled: 0 });
      expect(stats.byMethod).to.deep.equal({ GET: 2, PUT: 1 });
      expect(stats.byStatus).to.deep.equal({ 200: 2, 502: 1 });
      r = await admin('PUT', '/faults', { nope: true });
      expect(r.status).to.equal(400);
      r = await admin('PUT', '/config', { paging: 'cap:2' });
      expect((await json(r)).paging).to.equal('cap:2');
      expect((await json(await emu().request('GET', '/Users'))).Resources).to.have.length(2);
      await admin('POST', '/stats/reset');
      expect(emu().stats.requests).to.equal(0);
    });

    it('seeds users over HTTP (replace and add)', async () => {
      let r = await admin('PUT', '/users', [{ userName: 'a@x.nl', [ZIVVER_SCHEMA]: { SsoAccountKey: 'ka' } }]);
      expect((await json(r)).count).to.equal(1);
      r = await admin('POST', '/users', { userName: 'b@x.nl' });
      expect(r.status).to.equal(201);
      expect(emu().users().map((u) => u.userName)).to.deep.equal(['a@x.nl', 'b@x.nl']);
      r = await admin('POST', '/users', [{ name: { formatted: 'no userName' } }]);
      expect(r.status).to.equal(400);
      expect(await r.text()).to.match(/userName/);
    });
  });

  describe('listening', () => {
    it('listens on loopback only', async () => {
      for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) {
        let err: unknown;
        await startEmulator({ host, apiKey: testSecret('emu-key') }).catch((e) => (err = e));
        expect(err, host).to.be.instanceOf(UsageError);
      }
      const emu = await startEmulator({ host: 'localhost', apiKey: testSecret('emu-key') });
      try {
        expect(emu.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\//);
        expect(emu.port).to.be.above(0);
      } finally {
        await emu.close();
      }
    });

    it('needs an API key and refuses a bad paging mode', async () => {
      let err: unknown;
      await startEmulator({ apiKey: '' }).catch((e) => (err = e));
      expect(err).to.be.instanceOf(UsageError);
      err = undefined;
      await startEmulator({ apiKey: 'k', paging: 'cap:0' as never }).catch((e) => (err = e));
      expect(err).to.be.instanceOf(UsageError);
    });

    it('runs two emulators side by side with their own users', async () => {
      const a = await startTestEmulator({ users: [seedUsers()[0]!] });
      const b = await startTestEmulator({ users: [seedUsers()[1]!] });
      try {
        const [ra, rb] = await Promise.all([a.request('GET', `/Users/${ID1}`), b.request('GET', `/Users/${ID2}`)]);
        expect((await json(ra)).meta.location).to.equal(`/scim/v2/Users/${ID1}`);
        expect((await json(rb)).meta.location).to.equal(`/scim/v2/Users/${ID2}`);
        expect((await a.request('GET', `/Users/${ID2}`)).status).to.equal(400);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
});
