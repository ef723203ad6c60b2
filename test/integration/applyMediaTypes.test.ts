/**
 * End to end against Zivver as it really answers: the CLI (plan, then apply) as a real process
 * against the emulator with a sample tenant in Zivver's own shapes (ExternalAccountId, empty
 * enterprise objects, `phoneNumbers: []`), once for each media type the emulator may insist on
 * for user writes (`--put-content-type json|scim|any`). Every planned key is written in all three,
 * at most one request is refused for its media type, and no other attribute of any account
 * changes: whole records are compared before and after, as stored and as Zivver shows them.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ENTERPRISE_SCHEMA, generateSampleTenant, startEmulator, ZIVVER_SCHEMA, type EmulatorHandle, type PutContentType } from '../../src/emulator/index.js';
import type { PlanDocument } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { testSecret } from '../helpers/secrets.js';

const API_KEY = testSecret('it-media-key');

/** Every account as Zivver shows it (the listing, keys never in it), by id. */
async function shown(emu: EmulatorHandle): Promise<Map<string, Record<string, unknown>>> {
  const r = await fetch(`${emu.url}/Users`, { headers: { Authorization: `Bearer ${API_KEY}`, Accept: 'application/json' } });
  const body = (await r.json()) as { Resources: Array<Record<string, unknown> & { id: string }> };
  return new Map(body.Resources.map((u) => [u.id, u]));
}

describe('integration: apply against a Zivver that takes one media type for user writes', function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: EmulatorHandle | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-it-media-'));
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  for (const mode of ['json', 'scim', 'any'] as PutContentType[]) {
    it(`--put-content-type ${mode}: every key written, at most one refused request, nothing else changed`, async () => {
      const tenant = generateSampleTenant({ count: 50, seed: 9 });
      emulator = await startEmulator({ apiKey: API_KEY, users: tenant.users, putContentType: mode, rateLimit: { budget: 400, windowSeconds: 10 } });
      const stored = emulator.users();
      const before = await shown(emulator);
      await writeFile(path.join(dir, 'mailboxes.json'), JSON.stringify(tenant.mailboxes, null, 2));
      const env = { ZIVVER_API_KEY: API_KEY, ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl') };
      const url = ['--zivver-url', emulator.url, '--rate-limit', '400/10'];

      const plan = await runCli(['plan', ...url, '--input', 'mailboxes.json', '--out', 'plan.json'], { cwd: dir, env });
      expect(plan.code, plan.stderr).to.equal(0);
      const doc = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
      const set = doc.rows.filter((r) => r.action === 'set');
      expect(set.length).to.be.at.least(40);
      // The accounts written include every shape that a careless PUT would lose.
      const written = new Set(set.map((r) => r.zivverId));
      const among = (p: (u: Record<string, any>) => boolean) => stored.filter((u) => written.has(u.id) && p(u)).length;
      expect(among((u) => typeof u[ZIVVER_SCHEMA]?.ExternalAccountId === 'string')).to.be.at.least(3);
      expect(among((u) => Object.keys(u[ENTERPRISE_SCHEMA] ?? { x: 1 }).length === 0)).to.be.at.least(3);
      expect(among((u) => Array.isArray(u.phoneNumbers) && u.phoneNumbers.length === 0)).to.be.at.least(3);

      const apply = await runCli(['apply', ...url, '--plan', 'plan.json', '--max-changes', '1000', '--concurrency', '8'], { cwd: dir, env });
      expect(apply.code, apply.stderr).to.equal(0);
      expect(apply.stdout).to.match(new RegExp(`^Apply complete: ${set.length} updated, 0 drifted, 0 failed, \\d+ skipped\\.$`, 'm'));

      // At most one request refused for its media type; exactly one when Zivver does not take application/json.
      const refused = (emulator.stats.byStatus['415'] ?? 0) + (emulator.stats.byStatus['406'] ?? 0);
      expect(refused).to.equal(mode === 'scim' ? 1 : 0);
      expect(emulator.stats.byStatus['429'] ?? 0).to.equal(0);
      expect(emulator.stats.writes).to.equal(set.length);
      if (mode === 'scim') expect(apply.stderr).to.match(/Zivver refused PUT \/Users\/\S+ with 415 Unsupported Media Type for Content-Type application\/json.*sending application\/scim\+json from now on/);
      else expect(apply.stderr).not.to.contain('refused');

      // Every key written; every other attribute of every account as it was, as stored and as shown.
      const keys = new Map(set.map((r) => [r.zivverId!, r.newKey!]));
      const expected = stored.map((u) => {
        const e = structuredClone(u);
        if (keys.has(u.id)) (e[ZIVVER_SCHEMA] as Record<string, unknown>).SsoAccountKey = keys.get(u.id);
        return e;
      });
      expect(emulator.users()).to.deep.equal(expected);
      for (const [id, key] of keys) expect(emulator.getKey(id)).to.equal(key);
      expect(await shown(emulator)).to.deep.equal(before);
    });
  }
});
