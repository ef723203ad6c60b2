/**
 * End to end, as an admin runs it: the real CLI process reads users from the Entra/Graph emulator
 * (trusted through NODE_EXTRA_CA_CERTS), plans against the Zivver emulator, and applies.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../../src/emulator/index.js';
import type { EmulatorHandle } from '../../../src/emulator/types.js';
import type { PlanDocument } from '../../../src/core/types.js';
import { runCli } from '../../helpers/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../../helpers/entraEmulator.js';
import { makeClientCert, makePfx } from '../../helpers/certs.js';
import { API_KEY, cliEnv, entraId, GRAPH_SECRET, graphArgs as graphArgsFor, graphUser, zivverAccount, zivverId } from '../../helpers/graphE2e.js';
import { testSecret } from '../../helpers/secrets.js';

const PFX_PASSWORD = testSecret('e2e-pfx-pass', { chars: '!' });
const SECRET = GRAPH_SECRET;
const GROUP = '99999999-8888-7777-6666-555555555555';
const account = (n: number) => zivverAccount(n, [`alias${n}@org.nl`]);

describe('e2e: plan --source graph → apply (CLI process, Graph and Zivver emulators)', function () {
  this.timeout(180_000);
  let dir: string;
  let zivver: EmulatorHandle;
  let entra: EntraEmulator;
  const app = makeClientCert('zivver-keytool e2e');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-e2e-graph-'));
    zivver = await startEmulator({ apiKey: API_KEY, users: Array.from({ length: 12 }, (_, i) => account(i + 1)) });
    entra = await startEntraEmulator({
      clientSecret: SECRET,
      certificates: [app.certPem],
      pageSize: 4,
      users: [
        ...Array.from({ length: 10 }, (_, i) => graphUser(i + 1)),
        // matched through an alias
        graphUser(11, { mail: 'eleven@org.nl', proxyAddresses: ['SMTP:eleven@org.nl', 'smtp:alias11@org.nl'] }),
        graphUser(12, { userType: 'Guest', userPrincipalName: 'user12_org.nl#EXT#@org.onmicrosoft.com' }),
        graphUser(13, { mail: null, proxyAddresses: [] }),
      ],
      groups: { [GROUP]: [entraId(1), entraId(2)] },
    });
  });
  afterEach(async () => {
    await zivver?.close();
    await entra?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const graphArgs = () => graphArgsFor(entra);
  const env = (extra: Record<string, string> = {}) => cliEnv(dir, { NODE_EXTRA_CA_CERTS: entra.caFile, ...extra });

  it('client secret: plans from Graph, applies, and the Entra object ids are the new keys', async () => {
    const plan = await runCli(['plan', '--zivver-url', zivver.url, ...graphArgs(), '--out', 'plan.json'], { cwd: dir, env: env({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }) });
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout.trimEnd().split('\n').at(-1)).to.equal('Plan: 11 to set, 0 unchanged, 0 not found, 0 ambiguous, 0 conflict, 0 invalid, 2 skipped.');
    const doc = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc.inputs).to.have.length(1);
    expect(doc.inputs[0]!.name).to.equal(`graph:${entra.tenantId}`);
    expect(doc.inputs[0]!.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(doc.rows.find((r) => r.zivverId === zivverId(11))).to.include({ action: 'set', newKey: entraId(11) });
    const skipped = doc.rows.filter((r) => r.action === 'skipped').map((r) => r.reason).join(' | ');
    expect(skipped).to.match(/guest/i);
    expect(skipped).to.match(/no mailbox address/);

    const apply = await runCli(['apply', '--zivver-url', zivver.url, '--plan', 'plan.json'], { cwd: dir, env: env() });
    expect(apply.code, apply.stderr).to.equal(0);
    expect(apply.stdout, apply.stdout).to.contain('Apply complete: 11 updated, 0 drifted, 0 failed, 2 skipped.');
    for (let n = 1; n <= 11; n++) expect(zivver.getKey(zivverId(n)), `account ${n}`).to.equal(entraId(n));
    expect(zivver.getKey(zivverId(12))).to.equal('old-12');

    for (const text of [plan.stdout, plan.stderr, apply.stdout, apply.stderr, await readFile(path.join(dir, 'plan.json'), 'utf8')]) {
      expect(text).to.not.contain(SECRET);
      for (const t of entra.tokens) expect(text).to.not.contain(t);
    }
  });

  it('certificate (encrypted PFX) and --graph-group: only the group is planned; log file holds no secrets', async () => {
    await writeFile(path.join(dir, 'app.pfx'), makePfx(app, PFX_PASSWORD));
    const plan = await runCli(
      ['plan', '--zivver-url', zivver.url, ...graphArgs(), '--certificate', 'app.pfx', '--graph-group', GROUP, '--output', 'json', '--log-file', 'run.log', '-vv'],
      { cwd: dir, env: env({ ZIVVER_GRAPH_CERT_PASSWORD: PFX_PASSWORD }) },
    );
    expect(plan.code, plan.stderr).to.equal(0);
    const doc = JSON.parse(plan.stdout) as PlanDocument;
    expect(doc.rows.filter((r) => r.action === 'set').map((r) => r.newKey).sort()).to.deep.equal([entraId(1), entraId(2)]);
    expect(entra.assertions).to.have.length(1);
    const log = await readFile(path.join(dir, 'run.log'), 'utf8');
    for (const text of [plan.stdout, plan.stderr, log]) {
      expect(text).to.not.contain(PFX_PASSWORD);
      expect(text).to.not.contain(app.keyPem.split('\n')[1]!);
      for (const t of entra.tokens) expect(text).to.not.contain(t);
    }
  });

  it('a wrong client secret: exit 3 with the AADSTS code and hint, nothing read from Zivver is written', async () => {
    const wrong = testSecret('wrong-e2e-secret', { chars: '~.' });
    const r = await runCli(['plan', '--zivver-url', zivver.url, ...graphArgs()], { cwd: dir, env: env({ ZIVVER_GRAPH_CLIENT_SECRET: wrong }) });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.contain('AADSTS7000215');
    expect(r.stderr).to.contain('Secret ID');
    expect(r.stderr + r.stdout).to.not.contain(wrong);
    expect(zivver.stats.byMethod.PUT ?? 0).to.equal(0);
  });

  it('no way to sign in: exit 2 naming the ways', async () => {
    const r = await runCli(['plan', '--zivver-url', zivver.url, ...graphArgs()], { cwd: dir, env: env() });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--certificate.*ZIVVER_GRAPH_CLIENT_SECRET.*--device-code.*--managed-identity/);
  });

  it('test-connection --source graph: signs in and counts the users', async () => {
    const r = await runCli(['test-connection', '--zivver-url', zivver.url, ...graphArgs()], { cwd: dir, env: env({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }) });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`signed in to ${entra.tenantId}, 13 users visible`);
  });
});
