import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { resolveZivverConnection } from '../../src/cli/options.js';
import { buildPlan, type PlanSettings } from '../../src/plan/build.js';
import type { RunContext } from '../../src/util/runContext.js';
import { silentLogger } from '../../src/util/logger.js';
import { FakeScimClient, scimUser } from '../apply/fakeClient.js';

const GUID = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zk-build-'));
  await fs.writeFile(
    path.join(dir, 'mbx.csv'),
    'PrimarySmtpAddress,ExternalDirectoryObjectId,RecipientTypeDetails\n' +
      [1, 2, 3].map((i) => `user${i}@example.nl,${GUID(i)},UserMailbox`).join('\n') +
      '\n',
  );
  const ctx: RunContext = {
    stdin: Readable.from([]),
    stderr: new PassThrough(),
    env: {},
    cwd: dir,
    logger: silentLogger,
    progress: { start() {}, update() {}, end() {} },
    signal: new AbortController().signal,
  };
  const settings: PlanSettings = {
    inputs: ['mbx.csv'],
    inputFormat: 'auto',
    keySource: { kind: 'objectId' },
    keyFormat: 'guid',
    filters: {},
    ledgerFile: null,
  };
  const connection = resolveZivverConnection({ zivverUrl: 'http://127.0.0.1:1/scim/v2/', rateLimit: '50/10' }, {});
  return { dir, ctx, settings, connection, client: new FakeScimClient([1, 2, 3].map((i) => scimUser(i))) };
}

describe('plan/build buildPlan (settings in, plan document out)', () => {
  it('reads the inputs and the accounts and plans with one listing; the document names the URL and the inputs', async () => {
    const s = await setup();
    const { plan, filteredOut } = await buildPlan(s.settings, { connection: s.connection, client: s.client }, s.ctx);
    expect(plan.kind).to.equal('zivver-keyplan');
    expect(plan.zivverUrl).to.equal('http://127.0.0.1:1/scim/v2');
    expect(plan.inputs.map((i) => i.name)).to.deep.equal(['mbx.csv']);
    expect(plan.rows.map((r) => [r.email, r.action, r.newKey])).to.deep.equal([1, 2, 3].map((i) => [`user${i}@example.nl`, 'set', GUID(i)]));
    expect(s.client.stats.requests).to.equal(1);
    expect(filteredOut.size).to.equal(0);
  });

  it('the rows the filters leave out come back as such, not by their reason text', async () => {
    const s = await setup();
    const { plan, filteredOut } = await buildPlan({ ...s.settings, filters: { excludeEmails: ['user2@example.nl'] } }, { connection: s.connection, client: s.client }, s.ctx);
    expect([...filteredOut].map((r) => r.email)).to.deep.equal(['user2@example.nl']);
    expect(plan.filters).to.deep.equal({ excludeEmails: ['user2@example.nl'] });
  });

  it('reads the ledger it is given: a key it records is unchanged', async () => {
    const s = await setup();
    const ledgerFile = path.join(s.dir, 'ledger.jsonl');
    const entry = { kind: 'zivver-keyledger', v: 1, at: 'x', zivverId: scimUser(1).id, userName: 'user1@example.nl', key: GUID(1), previousKey: null, source: 's', runId: 'r' };
    await fs.writeFile(ledgerFile, JSON.stringify(entry) + '\n');
    const { plan } = await buildPlan({ ...s.settings, ledgerFile }, { connection: s.connection, client: s.client }, s.ctx);
    expect(plan.rows.map((r) => r.action)).to.deep.equal(['unchanged', 'set', 'set']);
    expect(plan.summary.unchanged).to.equal(1);
  });
});
