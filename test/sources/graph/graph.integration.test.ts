/**
 * readGraphSource / checkGraphSignIn against the Entra + Graph emulator, in-process: every sign-in
 * way, paging through absolute nextLinks, throttling, groups, filters, and the error paths.
 * The emulator's CA is trusted through deps.ca (our transport), not NODE_EXTRA_CA_CERTS.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { checkGraphSignIn, readGraphSource, type GraphSourceDeps, type GraphSourceOptions } from '../../../src/sources/graph/index.js';
import { ExitCode, GraphError, KeytoolError, UsageError } from '../../../src/errors.js';
import { createLogger } from '../../../src/util/logger.js';
import { clearSecrets } from '../../../src/util/redact.js';
import { startEntraEmulator, type EmulatedUser, type EntraEmulator, type EntraEmulatorOptions } from '../../helpers/entraEmulator.js';
import { encryptedKeyPem, forgeThumbprints, makeClientCert, makePfx, type TestCert } from '../../helpers/certs.js';
import { testSecret } from '../../helpers/secrets.js';

const SECRET = testSecret('emulator-client-secret', { chars: '~._' });
const PFX_PASSWORD = testSecret('pfx-pass', { chars: '!' });
const GROUP = '99999999-8888-7777-6666-555555555555';

const USERS: EmulatedUser[] = [
  { id: '00000000-0000-0000-0000-000000000001', mail: 'anna@contoso.nl', userPrincipalName: 'anna@contoso.nl', proxyAddresses: ['SMTP:anna@contoso.nl', 'smtp:a.devries@contoso.nl'], onPremisesImmutableId: 'AQAAAAAAAAAAAAAAAAAAAA==', accountEnabled: true, userType: 'Member', displayName: 'Anna de Vries', jobTitle: 'Nurse' },
  { id: '00000000-0000-0000-0000-000000000002', mail: 'bram@contoso.nl', userPrincipalName: 'bram@contoso.nl', proxyAddresses: ['SMTP:bram@contoso.nl'], accountEnabled: true, userType: 'Member', displayName: 'Bram' },
  { id: '00000000-0000-0000-0000-000000000003', mail: 'guest@gmail.com', userPrincipalName: 'guest_gmail.com#EXT#@contoso.onmicrosoft.com', userType: 'Guest', displayName: 'Guest' },
  { id: '00000000-0000-0000-0000-000000000004', mail: null, userPrincipalName: 'svc-backup@contoso.nl', proxyAddresses: [], userType: 'Member', displayName: 'Backup service' },
  { id: '00000000-0000-0000-0000-000000000005', mail: 'reception@contoso.nl', userPrincipalName: 'reception@contoso.nl', proxyAddresses: ['SMTP:reception@contoso.nl'], accountEnabled: false, userType: 'Member', displayName: 'Reception (shared)' },
  { id: '00000000-0000-0000-0000-000000000006', mail: 'chris@zorg.example', userPrincipalName: 'chris@zorg.example', proxyAddresses: ['SMTP:chris@zorg.example', 'smtp:chris@contoso.nl'], accountEnabled: true, userType: 'Member', displayName: 'Chris' },
  { id: '00000000-0000-0000-0000-000000000007', mail: 'dirk@contoso.nl', userPrincipalName: 'dirk@contoso.nl', proxyAddresses: ['SMTP:dirk@contoso.nl'], accountEnabled: true, userType: 'Member', displayName: 'Dirk' },
];

interface Captured {
  deps: GraphSourceDeps;
  logText: () => string;
  stderrText: () => string;
}

function capture(env: NodeJS.ProcessEnv, emu: EntraEmulator, cwd = process.cwd()): Captured {
  const logStream = new PassThrough();
  const stderr = new PassThrough();
  let log = '';
  let err = '';
  logStream.on('data', (d) => (log += d));
  stderr.on('data', (d) => (err += d));
  return {
    deps: { logger: createLogger({ consoleLevel: 'debug', stream: logStream }), env, stderr, cwd, ca: emu.caPem },
    logText: () => log,
    stderrText: () => err,
  };
}

function opts(emu: EntraEmulator, extra: Partial<GraphSourceOptions> = {}): GraphSourceOptions {
  return { tenantId: emu.tenantId, clientId: emu.clientId, deviceCode: false, managedIdentity: false, authorityHost: emu.url, graphUrl: emu.url, ...extra };
}

async function rejects(p: Promise<unknown>): Promise<KeytoolError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(KeytoolError);
    return e as KeytoolError;
  }
  throw new Error('expected a rejection');
}

/** Nothing secret may show up in anything a person or a log file could see. */
function expectNoSecrets(texts: string[], emu: EntraEmulator, extra: string[] = []): void {
  const secrets = [SECRET, PFX_PASSWORD, ...emu.tokens, ...extra];
  for (const t of texts) for (const s of secrets) expect(t, 'a secret leaked').to.not.contain(s);
}

describe('graph source against the Entra/Graph emulator', function () {
  this.timeout(60_000);
  let app: TestCert;
  let dir: string;
  const emulators: EntraEmulator[] = [];
  async function emulator(o: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
    const emu = await startEntraEmulator({ clientSecret: SECRET, certificates: [app.certPem], users: USERS, groups: { [GROUP]: [USERS[0]!.id, USERS[2]!.id, USERS[6]!.id] }, ...o });
    emulators.push(emu);
    return emu;
  }
  before(() => {
    app = makeClientCert();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-int-'));
  });
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.close()));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    clearSecrets();
  });

  it('client secret: reads every page through absolute nextLinks and maps the users', async () => {
    const emu = await emulator({ pageSize: 3 });
    const c = capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu);
    const r = await readGraphSource(opts(emu), c.deps);
    expect(r.name).to.equal(`graph:${emu.tenantId}`);
    expect(r.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(r.users.map((u) => u.objectId)).to.deep.equal(USERS.map((u) => u.id));
    expect(r.users.map((u) => u.line)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    const anna = r.users[0]!;
    expect(anna).to.include({ input: 'graph', primaryEmail: 'anna@contoso.nl', immutableId: 'AQAAAAAAAAAAAAAAAAAAAA==', displayName: 'Anna de Vries' });
    expect(anna.emails).to.deep.equal(['anna@contoso.nl', 'a.devries@contoso.nl']);
    expect(anna.columns).to.not.have.property('jobtitle');
    expect(r.users[2]!.skipReason).to.match(/guest/);
    expect(r.users[3]!.skipReason).to.match(/no mailbox address/);
    expect(r.users[4]!.skipReason).to.equal(undefined);
    const g = emu.graphRequests();
    expect(g).to.have.length(3);
    expect(g[0]!.query.get('$select')).to.equal('id,mail,userPrincipalName,proxyAddresses,onPremisesImmutableId,accountEnabled,userType,displayName');
    expect(g[0]!.query.get('$top')).to.equal('999');
    // The later pages are exactly the nextLinks Graph gave (skiptoken with +, /, = intact).
    for (const req of g.slice(1)) expect(req.query.get('$skiptoken')).to.match(/^[A-Za-z0-9+/=]+$/);
    expectNoSecrets([c.logText(), c.stderrText(), JSON.stringify(r)], emu);
  });

  it('the sha256 is stable across reads and changes when what Graph returns changes', async () => {
    const a = await emulator({ pageSize: 2, users: USERS.map((u) => ({ ...u })) });
    const env = { ZIVVER_GRAPH_CLIENT_SECRET: SECRET };
    const r1 = await readGraphSource(opts(a), capture(env, a).deps);
    const r2 = await readGraphSource(opts(a), capture(env, a).deps);
    expect(r2.sha256).to.equal(r1.sha256);
    a.options.users![1]!.mail = 'bram2@contoso.nl';
    const r3 = await readGraphSource(opts(a), capture(env, a).deps);
    expect(r3.sha256).to.not.equal(r1.sha256);
    const r4 = await readGraphSource(opts(a, { group: GROUP }), capture(env, a).deps);
    expect(r4.sha256).to.not.equal(r3.sha256);
  });

  it('certificate (PEM, SHA-256 thumbprint): the emulator verifies the PS256 assertion, x5t#S256 and x5c', async () => {
    const emu = await emulator();
    const file = path.join(dir, 'app.pem');
    fs.writeFileSync(file, app.certPem + app.keyPem);
    const c = capture({}, emu, dir);
    const r = await readGraphSource(opts(emu, { certificatePath: 'app.pem' }), c.deps);
    expect(r.users).to.have.length(USERS.length);
    expect(emu.assertions).to.have.length(1);
    const a = emu.assertions[0]!;
    expect(a.alg).to.equal('PS256');
    expect(a.thumbprintHeader).to.equal('x5t#S256');
    expect(Buffer.from(a.header['x5t#S256'] as string, 'base64url').toString('hex')).to.equal(forgeThumbprints(app).sha256);
    expect(a.header.x5c).to.be.an('array').with.length(1);
    expect(Buffer.from((a.header.x5c as string[])[0]!, 'base64').equals(app.der)).to.equal(true);
    expectNoSecrets([c.logText(), c.stderrText()], emu, [app.keyPem.split('\n')[1]!]);
  });

  it('certificate with SHA-1 thumbprint for older setups (ZIVVER_GRAPH_CERT_THUMBPRINT=sha1): RS256 + x5t', async () => {
    const emu = await emulator();
    const file = path.join(dir, 'app-sha1.pem');
    fs.writeFileSync(file, app.keyPem + app.certPem);
    const r = await readGraphSource(opts(emu, { certificatePath: file }), capture({ ZIVVER_GRAPH_CERT_THUMBPRINT: 'sha1' }, emu).deps);
    expect(r.users).to.have.length(USERS.length);
    expect(emu.assertions[0]!.alg).to.equal('RS256');
    expect(emu.assertions[0]!.thumbprintHeader).to.equal('x5t');
    expect(Buffer.from(emu.assertions[0]!.header.x5t as string, 'base64url').toString('hex')).to.equal(forgeThumbprints(app).sha1);
  });

  it('certificate: an encrypted PFX with its password from ZIVVER_GRAPH_CERT_PASSWORD', async () => {
    const emu = await emulator();
    const file = path.join(dir, 'app.pfx');
    fs.writeFileSync(file, makePfx(app, PFX_PASSWORD, { algorithm: 'aes256' }));
    const c = capture({ ZIVVER_GRAPH_CERT_PASSWORD: PFX_PASSWORD }, emu);
    const r = await readGraphSource(opts(emu, { certificatePath: file }), c.deps);
    expect(r.users).to.have.length(USERS.length);
    expect(emu.assertions).to.have.length(1);
    expectNoSecrets([c.logText(), c.stderrText()], emu);
  });

  it('certificate: an encrypted PEM key with its password', async () => {
    const emu = await emulator();
    const file = path.join(dir, 'app-enc.pem');
    fs.writeFileSync(file, encryptedKeyPem(app, PFX_PASSWORD) + app.certPem);
    const r = await readGraphSource(opts(emu, { certificatePath: file }), capture({ ZIVVER_GRAPH_CERT_PASSWORD: PFX_PASSWORD }, emu).deps);
    expect(r.users).to.have.length(USERS.length);
  });

  it('certificate not uploaded to the app: AADSTS700027 with the thumbprint sent, exit 3', async () => {
    const emu = await emulator();
    const stranger = makeClientCert('not uploaded');
    const file = path.join(dir, 'stranger.pem');
    fs.writeFileSync(file, stranger.keyPem + stranger.certPem);
    const c = capture({}, emu);
    const e = await rejects(readGraphSource(opts(emu, { certificatePath: file }), c.deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(ExitCode.Connection);
    expect((e as GraphError).code).to.equal('AADSTS700027');
    expect(e.message).to.contain('Upload this certificate');
    expect(e.message).to.contain(forgeThumbprints(stranger).sha256.toUpperCase());
    expect(emu.graphRequests()).to.have.length(0);
    expectNoSecrets([e.message, String(e.stack), c.logText()], emu, [stranger.keyPem.split('\n')[1]!]);
  });

  it('wrong client secret: AADSTS7000215 with a hint, exit 3, and the secret nowhere', async () => {
    const emu = await emulator();
    const wrong = testSecret('wrong-secret', { chars: '~.' });
    const c = capture({ ZIVVER_GRAPH_CLIENT_SECRET: wrong }, emu);
    const e = await rejects(readGraphSource(opts(emu), c.deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(ExitCode.Connection);
    expect(e.message).to.match(/AADSTS7000215: Invalid client secret provided/);
    expect(e.message).to.contain('Secret ID');
    expect(e.message).to.not.contain('Trace ID');
    expectNoSecrets([e.message, String(e.stack), c.logText(), c.stderrText()], emu, [wrong]);
  });

  it('unknown tenant: AADSTS90002 and what to check', async () => {
    const emu = await emulator();
    const e = await rejects(readGraphSource(opts(emu, { tenantId: 'nope.onmicrosoft.com' }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(3);
    expect((e as GraphError).code).to.equal('AADSTS90002');
    expect(e.message).to.contain('--tenant-id');
  });

  it('unknown client id: AADSTS700016', async () => {
    const emu = await emulator();
    const e = await rejects(readGraphSource(opts(emu, { clientId: '00000000-1111-2222-3333-444444444444' }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect((e as GraphError).code).to.equal('AADSTS700016');
    expect(e.message).to.contain('--client-id');
  });

  it('an unreachable authority host is a clear exit-3 error', async () => {
    const emu = await emulator();
    await emu.close();
    const e = await rejects(readGraphSource(opts(emu), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(3);
    expect(e.message).to.match(/Cannot reach https:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
  });

  it('no way to sign in, or two: UsageError before any request', async () => {
    const emu = await emulator();
    const e1 = await rejects(readGraphSource(opts(emu), capture({}, emu).deps));
    expect(e1).to.be.instanceOf(UsageError);
    const e2 = await rejects(readGraphSource(opts(emu, { deviceCode: true }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e2).to.be.instanceOf(UsageError);
    expect(e2.exitCode).to.equal(ExitCode.Usage);
    expect(emu.requests).to.have.length(0);
  });

  it('device code: the prompt goes to stderr; pending, then signed in', async () => {
    const emu = await emulator({ devicePendingPolls: 1 });
    const c = capture({}, emu);
    const r = await readGraphSource(opts(emu, { deviceCode: true }), c.deps);
    expect(r.users).to.have.length(USERS.length);
    expect(c.stderrText()).to.match(/To sign in, use a web browser to open the page https:\/\/microsoft.com\/devicelogin and enter the code EMU[0-9A-F]{6}/);
    const polls = emu.requests.filter((q) => q.path.endsWith('/oauth2/v2.0/token'));
    expect(polls).to.have.length(2);
    expect(emu.requests.some((q) => q.path.endsWith('/oauth2/v2.0/devicecode'))).to.equal(true);
    expectNoSecrets([c.logText(), c.stderrText()], emu);
  });

  it('device code declined: a clear exit-3 error', async () => {
    const emu = await emulator({ devicePendingPolls: 0, deviceOutcome: 'declined' });
    const e = await rejects(readGraphSource(opts(emu, { deviceCode: true }), capture({}, emu).deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.message).to.match(/declined/);
  });

  it('managed identity (App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER), user-assigned client id', async () => {
    const identityHeader = testSecret('mi-header');
    const emu = await emulator({ identityHeader });
    // msal reads these from process.env, and caches the detected source for the whole process:
    // other variants (Cloud Shell, default fetch path) run in child processes (graph.process.test.ts).
    const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = `${emu.url}/msi/token`;
    process.env.IDENTITY_HEADER = identityHeader;
    try {
      const miClient = 'abcdefab-1234-5678-9abc-abcdefabcdef';
      const c = capture({ ...process.env }, emu);
      const r = await readGraphSource(
        { managedIdentity: true, managedIdentityClientId: miClient, deviceCode: false, authorityHost: 'https://login.microsoftonline.com', graphUrl: emu.url },
        c.deps,
      );
      expect(r.name).to.equal(`graph:${emu.tenantId}`); // from the token's tid claim
      expect(r.users).to.have.length(USERS.length);
      expect(emu.managedIdentityCalls).to.have.length(1);
      expect(emu.managedIdentityCalls[0]!.get('client_id')).to.equal(miClient);
      expect(emu.managedIdentityCalls[0]!.get('resource')).to.equal(emu.url);
      expectNoSecrets([c.logText()], emu, [identityHeader]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('429 with Retry-After: waits and retries, then reads everything', async () => {
    const emu = await emulator({ throttle: { times: 1, retryAfter: '1', afterRequests: 1 } });
    const c = capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu);
    const t0 = Date.now();
    const r = await readGraphSource(opts(emu), c.deps);
    expect(Date.now() - t0).to.be.greaterThanOrEqual(900);
    expect(r.users).to.have.length(USERS.length);
    const g = emu.graphRequests();
    expect(g[1]!.url).to.equal(g[2]!.url); // the throttled page was asked again
    expect(g[2]!.headers['retry-attempt']).to.equal('1');
    expect(c.logText()).to.match(/Microsoft Graph is busy \(HTTP 429\); retry 1 of 6 after 1 s/);
  });

  it('503 without Retry-After is retried too', async () => {
    const emu = await emulator({ throttle: { times: 1, status: 503, afterRequests: 0 } });
    const r = await readGraphSource(opts(emu, { retryDelaySeconds: 0 }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps);
    expect(r.users).to.have.length(USERS.length);
  });

  it('persistent throttling: GraphError, exit 3, after a bounded number of retries', async () => {
    const emu = await emulator({ throttle: { times: 100, retryAfter: '0', afterRequests: 0 } });
    const e = await rejects(readGraphSource(opts(emu, { maxRetries: 2 }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(ExitCode.Connection);
    expect(e.message).to.match(/kept refusing with HTTP 429 .*after 2 retries/);
    expect(emu.graphRequests()).to.have.length(3);
  });

  it('--graph-group: transitive user members only', async () => {
    const emu = await emulator();
    const r = await readGraphSource(opts(emu, { group: GROUP }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps);
    expect(r.users.map((u) => u.objectId)).to.deep.equal([USERS[0]!.id, USERS[2]!.id, USERS[6]!.id]);
    expect(emu.graphRequests()[0]!.path).to.equal(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`);
  });

  it('--graph-group with an unknown id: 404 with a hint', async () => {
    const emu = await emulator();
    const e = await rejects(readGraphSource(opts(emu, { group: '12345678-1234-1234-1234-123456789012' }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e.exitCode).to.equal(3);
    expect(e.message).to.match(/HTTP 404.*Request_ResourceNotFound[\s\S]*--graph-group/);
  });

  it('--graph-filter: sent as an advanced query (ConsistencyLevel: eventual, $count=true)', async () => {
    const emu = await emulator();
    const r = await readGraphSource(opts(emu, { filter: "endswith(mail,'@contoso.nl') and accountEnabled eq true" }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps);
    expect(r.users.map((u) => u.primaryEmail)).to.deep.equal(['anna@contoso.nl', 'bram@contoso.nl', 'dirk@contoso.nl']);
    for (const g of emu.graphRequests()) {
      expect(g.headers.consistencylevel).to.equal('eventual');
      expect(g.query.get('$count')).to.equal('true');
      expect(g.query.get('$filter')).to.equal("endswith(mail,'@contoso.nl') and accountEnabled eq true");
    }
  });

  it('a filter Graph rejects: HTTP 400 with Graph\'s message and a hint', async () => {
    const emu = await emulator();
    const e = await rejects(readGraphSource(opts(emu, { filter: 'mail like x' }), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e.exitCode).to.equal(3);
    expect(e.message).to.match(/HTTP 400.*Invalid filter clause[\s\S]*--graph-filter/);
  });

  it('missing Graph permission: 403 names User.Read.All and admin consent', async () => {
    const emu = await emulator({ denyGraph: true });
    const e = await rejects(readGraphSource(opts(emu), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps));
    expect(e).to.be.instanceOf(GraphError);
    expect(e.message).to.match(/403[\s\S]*User\.Read\.All[\s\S]*admin consent/);
  });

  it('checkGraphSignIn: signs in and counts the users', async () => {
    const emu = await emulator();
    const r = await checkGraphSignIn(opts(emu), capture({ ZIVVER_GRAPH_CLIENT_SECRET: SECRET }, emu).deps);
    expect(r).to.deep.equal({ userCount: USERS.length, tenant: emu.tenantId, method: 'client-secret' });
    const g = emu.graphRequests();
    expect(g).to.have.length(1);
    expect(g[0]!.headers.consistencylevel).to.equal('eventual');
  });

  it('checkGraphSignIn with a bad secret: exit 3', async () => {
    const emu = await emulator();
    const e = await rejects(checkGraphSignIn(opts(emu), capture({ ZIVVER_GRAPH_CLIENT_SECRET: testSecret('bad-secret') }, emu).deps));
    expect(e.exitCode).to.equal(3);
  });
});
