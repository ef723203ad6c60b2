/**
 * The Graph source in a child process, as the CLI runs it: the emulator's CA trusted only through
 * NODE_EXTRA_CA_CERTS (no in-process CA), and managed identity variants whose detection msal
 * caches per process (so each gets its own process).
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '../../helpers/child.js';
import { startEntraEmulator, type EntraEmulator } from '../../helpers/entraEmulator.js';
import { testSecret } from '../../helpers/secrets.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DRIVER = path.join(HERE, 'fixtures', 'readGraph.ts');
const SECRET = testSecret('child-process-secret', { chars: '~.' });

const run = (opts: object, env: NodeJS.ProcessEnv) => runNode(['--import', 'tsx', DRIVER, JSON.stringify(opts)], { env });

describe('graph source in a child process (NODE_EXTRA_CA_CERTS)', function () {
  this.timeout(90_000);
  let emu: EntraEmulator;
  before(async () => {
    emu = await startEntraEmulator({
      clientSecret: SECRET,
      pageSize: 2,
      users: [
        { id: 'u-1', mail: 'a@contoso.nl' },
        { id: 'u-2', mail: 'b@contoso.nl' },
        { id: 'u-3', mail: 'c@contoso.nl' },
      ],
    });
  });
  after(async () => emu?.close());

  const base = () => ({ tenantId: emu.tenantId, clientId: emu.clientId, deviceCode: false, managedIdentity: false, authorityHost: emu.url, graphUrl: emu.url });

  it('client secret: trusts the emulator through NODE_EXTRA_CA_CERTS and reads all pages', async () => {
    const r = await run(base(), { NODE_EXTRA_CA_CERTS: emu.caFile, ZIVVER_GRAPH_CLIENT_SECRET: SECRET });
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ name: `graph:${emu.tenantId}`, count: 3, ids: ['u-1', 'u-2', 'u-3'] });
    expect(r.stderr).to.not.contain(SECRET);
    for (const t of emu.tokens) expect(r.stdout + r.stderr).to.not.contain(t);
  });

  it('without the CA: a TLS error, exit 3', async () => {
    const r = await run(base(), { ZIVVER_GRAPH_CLIENT_SECRET: SECRET });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/ERROR: Microsoft Graph sign-in \(client-secret\) failed: Cannot reach https:\/\/127\.0\.0\.1:\d+: .*(certificate|CERT)/i);
  });

  it('managed identity via Cloud Shell (MSI_ENDPOINT)', async () => {
    const r = await run(
      { managedIdentity: true, deviceCode: false, authorityHost: 'https://login.microsoftonline.com', graphUrl: emu.url },
      { NODE_EXTRA_CA_CERTS: emu.caFile, MSI_ENDPOINT: `${emu.url}/cloudshell/token` },
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout).count).to.equal(3);
    expect(emu.managedIdentityCalls.at(-1)!.get('resource')).to.equal(emu.url);
  });

  it('managed identity via App Service with a wrong IDENTITY_HEADER: exit 3', async () => {
    const wrongHeader = testSecret('not-the-header');
    const r = await run(
      { managedIdentity: true, deviceCode: false, authorityHost: 'https://login.microsoftonline.com', graphUrl: emu.url },
      { NODE_EXTRA_CA_CERTS: emu.caFile, IDENTITY_ENDPOINT: `${emu.url}/msi/token`, IDENTITY_HEADER: wrongHeader },
    );
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/ERROR: Microsoft Graph sign-in \(managed-identity\) failed: .*X-IDENTITY-HEADER/);
    expect(r.stderr).to.not.contain(wrongHeader);
  });
});
