/**
 * `zivver-keytool sso-check` as an admin runs it: the real CLI process against the Entra/Graph
 * emulator, for each kind of claim source and each way of failing.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import {
  startEntraEmulator,
  sourcedAttribute,
  transformation,
  zivverClaimsMappingDefinition,
  zivverClaimsPolicy,
  ZIVVER_IDENTIFIER,
  type EmulatedServicePrincipal,
  type EntraEmulator,
} from '../../helpers/entraEmulator.js';
import { GRAPH_SECRET } from '../../helpers/graphE2e.js';

const EXT = 'extension_0a1b2c3d4e5f60718293a4b5c6d7e8f9_objectGUID';
const ZIVVER_SP = 'a0000000-0000-4000-8000-00000000000a';
const ZIVVER_APP = 'b0000000-0000-4000-8000-00000000000b';

function zivverApp(extra: Partial<EmulatedServicePrincipal> = {}): EmulatedServicePrincipal {
  return {
    id: ZIVVER_SP,
    appId: ZIVVER_APP,
    displayName: 'Zivver',
    servicePrincipalNames: [ZIVVER_IDENTIFIER, ZIVVER_APP],
    preferredSingleSignOnMode: 'saml',
    ...extra,
  };
}

describe('e2e: sso-check (CLI process, Entra/Graph emulator)', function () {
  this.timeout(120_000);
  let dir: string;
  let entra: EntraEmulator | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keytool-sso-'));
  });
  afterEach(async () => {
    await entra?.close();
    entra = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function run(servicePrincipals: EmulatedServicePrincipal[], extraArgs: string[] = [], opts: { roles?: string[]; secret?: boolean } = {}) {
    // One emulator at a time: a test that runs twice closes the first (an open server keeps mocha alive).
    await entra?.close();
    entra = await startEntraEmulator({ clientSecret: GRAPH_SECRET, servicePrincipals, ...(opts.roles ? { roles: opts.roles } : {}) });
    const args = ['sso-check', '--tenant-id', entra.tenantId, '--client-id', entra.clientId, '--authority-host', entra.url, '--graph-url', entra.url, ...extraArgs];
    const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: entra.caFile, ...(opts.secret === false ? {} : { ZIVVER_GRAPH_CLIENT_SECRET: GRAPH_SECRET }) };
    return runCli(args, { cwd: dir, env });
  }

  it('user.objectid (Microsoft tutorial): objectId/guid, JSON in the SPEC shape, the app found by its SAML identifier', async () => {
    const r = await run([zivverApp({ claimsPolicy: zivverClaimsPolicy(sourcedAttribute('objectid')) }), { id: 'c0000000-0000-4000-8000-00000000000c', appId: 'x', displayName: 'Zivver (old test app)' }], ['--output', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j.servicePrincipal).to.deep.equal({ id: ZIVVER_SP, appId: ZIVVER_APP, displayName: 'Zivver' });
    expect(j.claim).to.deep.include({ name: 'ZivverAccountKey', namespace: 'https://zivver.com/SAML/Attributes', source: 'user', attribute: 'user.objectid', transformation: null });
    expect(j).to.include({ keySource: 'objectId', keyFormat: 'guid' });
    expect(String(j.how)).to.match(/SAML identifier/);
    // The beta endpoint for the custom claims policy, the v1.0 one for claims mapping policies.
    const paths = entra!.requests.map((q) => q.path);
    expect(paths).to.include(`/beta/servicePrincipals/${ZIVVER_SP}/claimsPolicy`);
    expect(paths).to.include(`/v1.0/servicePrincipals/${ZIVVER_SP}/claimsMappingPolicies`);
  });

  it('user.onpremisesimmutableid: immutableId/raw, told to people', async () => {
    const r = await run([zivverApp({ claimsPolicy: zivverClaimsPolicy(sourcedAttribute('onpremisesimmutableid')) })]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Source attribute: +user\.onpremisesimmutableid/);
    expect(r.stdout).to.match(/Key source: +--key-source immutableId --key-format raw/);
  });

  it('an objectGUID directory extension through a claims mapping policy: objectGuid, the policy named', async () => {
    const r = await run(
      [zivverApp({ claimsPolicy: zivverClaimsPolicy(sourcedAttribute('objectid')), claimsMappingPolicies: [{ id: 'cmp-1', displayName: 'Zivver hybrid', definition: zivverClaimsMappingDefinition({ ExtensionID: EXT }) }] })],
      ['--output', 'json'],
    );
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout) as { keySource: string; claim: { attribute: string; policy: string }; notes: string[] };
    expect(j.keySource).to.equal('objectGuid');
    expect(j.claim.attribute).to.equal(`user.${EXT}`);
    expect(j.claim.policy).to.equal('claimsMappingPolicy "Zivver hybrid" (cmp-1)');
    expect(j.notes.join(' ')).to.match(/overrides Attributes & Claims/);
  });

  it('an extension attribute in Attributes & Claims, found by name with --sso-app', async () => {
    const r = await run([zivverApp({ servicePrincipalNames: [ZIVVER_APP], displayName: 'Zivver SSO', claimsPolicy: zivverClaimsPolicy(sourcedAttribute(EXT, { isExtensionAttribute: true })) })], ['--sso-app', 'zivver sso']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/named by --sso-app \(display name\)/);
    expect(r.stdout).to.match(/--key-source objectGuid --key-format base64/);
  });

  it('a transformation it cannot reproduce: exit 2 with the attribute, the transformation and what to do', async () => {
    const t = transformation('extractMailPrefixTransformation', sourcedAttribute('mail'));
    const r = await run([zivverApp({ claimsPolicy: zivverClaimsPolicy(null, { transformations: [t] }) })], ['--sso-app', ZIVVER_APP]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.match(/named by --sso-app \(appId\)/);
    expect(r.stdout).to.match(/Transformation: +extractMailPrefix\(\)/);
    expect(r.stderr).to.match(/sends user\.mail transformed with extractMailPrefix\(\); zivver-keytool cannot reproduce that transformation/);
  });

  it('another attribute: column:<attribute> with the word that the admin must supply it', async () => {
    const r = await run([zivverApp({ claimsPolicy: zivverClaimsPolicy(sourcedAttribute('employeeid')) })]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/--key-source column:employeeid --key-format raw/);
    expect(r.stdout).to.match(/you must supply it as a column named "employeeid"/);
  });

  it('several apps named Zivver and none with the identifier: exit 2, listing them', async () => {
    const r = await run([
      { id: 'd0000000-0000-4000-8000-00000000000d', appId: 'a1', displayName: 'Zivver prod' },
      { id: 'e0000000-0000-4000-8000-00000000000e', appId: 'a2', displayName: 'Zivver acceptance' },
    ]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/several enterprise applications are named like Zivver: "Zivver prod" \(object id d0000000-.*"Zivver acceptance".*--sso-app/);
  });

  it('the permission to read claims missing: exit 3 naming Application.Read.All and Policy.Read.ApplicationConfiguration', async () => {
    const r = await run([zivverApp({ claimsPolicy: zivverClaimsPolicy(sourcedAttribute('objectid')) })], [], { roles: ['User.Read.All', 'Application.Read.All'] });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/HTTP 403\) reading the SAML claims \(custom claims policy\) of "Zivver": Authorization_RequestDenied/);
    expect(r.stderr).to.contain('Application.Read.All and Policy.Read.ApplicationConfiguration');
    const noApp = await run([zivverApp()], [], { roles: ['User.Read.All'] });
    expect(noApp.code).to.equal(3);
    expect(noApp.stderr).to.match(/reading the enterprise applications \(service principals\).*\n.*permission Application\.Read\.All/);
  });

  it('without Graph credentials: exit 2 saying what it needs, nothing sent', async () => {
    const r = await run([zivverApp()], [], { secret: false });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/sso-check asks Microsoft Graph, so it needs --tenant-id, --client-id and one way to sign in: --certificate/);
    expect(r.stderr).to.contain('Application.Read.All and Policy.Read.ApplicationConfiguration');
    expect(entra!.requests).to.have.length(0);
  });
});
