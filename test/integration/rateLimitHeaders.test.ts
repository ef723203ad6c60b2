/**
 * The client against the emulator's token bucket: when Zivver's answers carry RateLimit headers,
 * the client's budget follows them even when --rate-limit is far too loose; without them the same
 * client runs into 429s (so the first assertion could fail).
 */
import { expect } from 'chai';
import { generateSampleTenant, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createScimClient } from '../../src/zivver/index.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('it-ratelimit-headers');

async function readAll(emu: EmulatorHandle, ids: string[], concurrency: number): Promise<number> {
  const client = createScimClient({ baseUrl: emu.url, apiKey: API_KEY, rateLimit: { requests: 1000, seconds: 1 }, retryBaseMs: 10, retryMaxMs: 100 });
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) expect(await client.getUser(id)).not.to.equal(null);
    }),
  );
  return client.stats.throttled;
}

describe('integration: RateLimit headers steer the client against the emulated token bucket', function () {
  this.timeout(120_000);
  const users = generateSampleTenant({ count: 30, seed: 4 }).users;
  const ids = users.map((u) => u.id as string);

  for (const headers of [true, false]) {
    it(headers ? 'with RateLimit headers: no 429 at all' : 'without them: the same loose client is throttled', async () => {
      const emu = await startEmulator({ apiKey: API_KEY, users, rateLimit: { budget: 6, windowSeconds: 1, headers } });
      try {
        const throttledSeen = await readAll(emu, ids, 4);
        expect(emu.stats.throttled).to.equal(throttledSeen);
        if (headers) expect(emu.stats.throttled).to.equal(0);
        else expect(emu.stats.throttled).to.be.above(0);
        expect(emu.stats.byStatus['200']).to.equal(ids.length);
      } finally {
        await emu.close();
      }
    });
  }
});
