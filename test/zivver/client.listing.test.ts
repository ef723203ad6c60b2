/**
 * The listing read as it arrives: a body in small chunks, in Zivver's own shape (Resources before
 * totalResults), broken halfway, or cut off by the network halfway.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZivverApiError } from '../../src/errors.js';
import { createScimClient, toZivverAccount, ZIVVER_USER_EXTENSION, type ScimUser } from '../../src/zivver/index.js';
import { testSecret } from '../helpers/secrets.js';

const KEY = testSecret('sk-listing');

/** Answers GET /Users with `body` written `chunk` bytes at a time; `cutAfter` bytes, then a reset, on the first `resets` requests. */
async function chunkedServer(body: string, opts: { chunk?: number; cutAfter?: number; resets?: number } = {}) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const bytes = Buffer.from(body, 'utf8');
    res.writeHead(200, { 'Content-Type': 'application/scim+json' });
    const limit = requests <= (opts.resets ?? 0) ? (opts.cutAfter ?? 0) : bytes.length;
    const size = opts.chunk ?? 7;
    let at = 0;
    const next = () => {
      if (at >= limit) {
        if (limit < bytes.length) req.socket.destroy();
        else res.end();
        return;
      }
      const end = Math.min(at + size, limit);
      res.write(bytes.subarray(at, end));
      at = end;
      setImmediate(next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/scim/v2`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function users(n: number): ScimUser[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `id-${i}`,
    userName: `zoë.müller${i}@example.nl`,
    name: { formatted: `Zoë "${i}" Müller 😀` },
    active: i % 3 !== 0,
    phoneNumbers: [],
    [ZIVVER_USER_EXTENSION]: { aliases: i % 2 ? [`alias${i}@example.nl`] : [], delegates: [], ExternalAccountId: `x\\${i}` },
  }));
}

/** Zivver's own shape: Resources first, totalResults last, no schemas. */
const zivverShape = (list: ScimUser[]) => `{"Resources":${JSON.stringify(list)},"totalResults":${list.length}}`;

describe('zivver/client: the listing read as it arrives', () => {
  let srv: Awaited<ReturnType<typeof chunkedServer>> | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });
  const client = (url: string) => createScimClient({ baseUrl: url, apiKey: KEY, rateLimit: { requests: 1000, seconds: 1 }, retryBaseMs: 5, retryMaxMs: 10, maxRetries: 2 });

  it('reads Zivver\'s shape sent a few bytes at a time: full users for apply, projections for plan', async () => {
    const list = users(40);
    srv = await chunkedServer(zivverShape(list), { chunk: 5 });
    expect(await client(srv.url).listUsers()).to.deep.equal(list);
    expect(await client(srv.url).listAccounts()).to.deep.equal(list.map(toZivverAccount));
  });

  it('reports progress while one large answer is still arriving', async () => {
    const list = users(2500);
    srv = await chunkedServer(zivverShape(list), { chunk: 65_536 });
    const seen: Array<[number, number | undefined]> = [];
    const got = await client(srv.url).listAccounts((n, total) => seen.push([n, total]));
    expect(got).to.have.length(2500);
    // During the answer (total not known yet: it comes last), then at its end.
    expect(seen).to.deep.equal([
      [1000, undefined],
      [2000, undefined],
      [2500, 2500],
    ]);
  });

  it('a connection cut halfway through the answer is retried, and nothing is counted twice', async () => {
    const list = users(300);
    const body = zivverShape(list);
    srv = await chunkedServer(body, { chunk: 1000, cutAfter: Math.floor(body.length / 2), resets: 1 });
    const got = await client(srv.url).listAccounts();
    expect(srv.requests()).to.equal(2);
    expect(got).to.deep.equal(list.map(toZivverAccount));
  });

  it('broken JSON halfway: a Zivver error naming line and column and quoting the start of the answer', async () => {
    const list = users(5);
    const good = zivverShape(list);
    const broken = good.replace('"id-3"', '"id-3" "oops"');
    srv = await chunkedServer(broken, { chunk: 11 });
    const err = (await client(srv.url).listAccounts().catch((e: unknown) => e)) as Error;
    expect(err).to.be.instanceOf(ZivverApiError);
    const column = broken.indexOf('"oops"') + 1;
    expect(err.message).to.contain(`the answer is not JSON (line 1, column ${column}: expected ',' or '}' after a property value, found character "\\""`);
    expect(err.message).to.contain('{"Resources":[{"id":"id-0"');
    expect(srv.requests()).to.equal(1);
  });

  for (const [what, body, message] of [
    ['a resource without an id', '{"Resources":[{"id":"a","userName":"a@x.nl"},{"userName":"b@x.nl"}],"totalResults":2}', 'a listed resource has no id or userName'],
    ['Resources that is not a list', '{"Resources":{"id":"a"},"totalResults":1}', '"Resources" is not a list'],
    ['a list instead of a ListResponse', '[{"id":"a","userName":"a@x.nl"}]', 'the answer is not a SCIM ListResponse'],
    ['a bare string', '"hello"', 'the answer is not a SCIM ListResponse'],
  ] as const) {
    it(`refuses ${what}`, async () => {
      srv = await chunkedServer(body, { chunk: 3 });
      const err = (await client(srv.url).listUsers().catch((e: unknown) => e)) as Error;
      expect(err).to.be.instanceOf(ZivverApiError);
      expect(err.message).to.contain(message);
    });
  }

  it('lowercase "resources" is read too, and an empty listing is no accounts', async () => {
    srv = await chunkedServer('{"totalResults":1,"resources":[{"id":"a","userName":"a@x.nl"}]}');
    expect(await client(srv.url).listAccounts()).to.deep.equal([{ id: 'a', userName: 'a@x.nl', active: true, aliases: [] }]);
    await srv.close();
    srv = await chunkedServer('{"Resources":[],"totalResults":0}');
    expect(await client(srv.url).listAccounts()).to.deep.equal([]);
  });
});
