import { expect } from 'chai';
import { graphScope, selectSignInMethod, type GraphAuthOptions } from '../../../src/sources/graph/auth.js';
import { buildUserQuery } from '../../../src/sources/graph/client.js';
import { signInError } from '../../../src/sources/graph/signInErrors.js';
import { CLIENT_ID, graphSignInDefaults, TENANT_ID } from '../../helpers/graphSignIn.js';
import { usage } from '../../helpers/usage.js';
import { ExitCode, GraphError, UsageError } from '../../../src/errors.js';

const T = TENANT_ID;
const C = CLIENT_ID;
const none: GraphAuthOptions = { ...graphSignInDefaults };

describe('graph sign-in selection', () => {
  it('picks the one way given', () => {
    expect(selectSignInMethod({ ...none, certificatePath: 'a.pfx' }, {})).to.equal('certificate');
    expect(selectSignInMethod(none, { ZIVVER_GRAPH_CLIENT_SECRET: 'x' })).to.equal('client-secret');
    expect(selectSignInMethod({ ...none, deviceCode: true }, {})).to.equal('device-code');
    expect(selectSignInMethod({ ...none, managedIdentity: true, tenantId: undefined, clientId: undefined }, {})).to.equal('managed-identity');
  });

  it('refuses no way to sign in, listing the ways', () => {
    const m = usage(() => selectSignInMethod(none, {}));
    for (const w of ['--certificate', 'ZIVVER_GRAPH_CLIENT_SECRET', '--device-code', '--managed-identity']) expect(m).to.contain(w);
  });

  it('refuses several ways, naming them (an empty secret variable does not count)', () => {
    expect(usage(() => selectSignInMethod({ ...none, certificatePath: 'a.pem' }, { ZIVVER_GRAPH_CLIENT_SECRET: 'x' }))).to.match(
      /--certificate, ZIVVER_GRAPH_CLIENT_SECRET.*exactly one.*Unset ZIVVER_GRAPH_CLIENT_SECRET/,
    );
    expect(usage(() => selectSignInMethod({ ...none, deviceCode: true, managedIdentity: true }, {}))).to.contain('--device-code, --managed-identity');
    expect(selectSignInMethod({ ...none, deviceCode: true }, { ZIVVER_GRAPH_CLIENT_SECRET: '' })).to.equal('device-code');
  });

  it('needs --tenant-id and --client-id except for managed identity', () => {
    expect(usage(() => selectSignInMethod({ ...none, tenantId: undefined, deviceCode: true }, {}))).to.contain('--tenant-id');
    expect(usage(() => selectSignInMethod({ ...none, clientId: undefined }, { ZIVVER_GRAPH_CLIENT_SECRET: 'x' }))).to.contain('--client-id');
    expect(usage(() => selectSignInMethod({ ...none, managedIdentityClientId: C, deviceCode: true }, {}))).to.contain('needs --managed-identity');
  });

  it('asks for <graphUrl>/.default', () => {
    expect(graphScope('https://graph.microsoft.us/')).to.equal('https://graph.microsoft.us/.default');
  });
});

describe('graph user query', () => {
  it('selects what the plan needs, 999 per page', () => {
    const q = buildUserQuery({});
    expect(q.path).to.equal('/users?$select=id,mail,userPrincipalName,proxyAddresses,onPremisesImmutableId,accountEnabled,userType,displayName&$top=999');
    expect(q.headers).to.deep.equal({});
  });
  it('a group reads transitive user members; a filter is an encoded advanced query', () => {
    const q = buildUserQuery({ group: C, filter: "endswith(mail,'@x.nl') and accountEnabled eq true" });
    expect(q.path).to.match(new RegExp(`^/groups/${C}/transitiveMembers/microsoft.graph.user\\?\\$select=`));
    expect(q.path).to.contain(`$filter=${encodeURIComponent("endswith(mail,'@x.nl') and accountEnabled eq true")}&$count=true`);
    expect(q.headers).to.deep.equal({ ConsistencyLevel: 'eventual' });
  });
});

describe('graph sign-in error mapping', () => {
  const ctx = { method: 'client-secret', authorityHost: 'https://login.microsoftonline.com', tenantId: T };
  it('gives the AADSTS code, Entra\'s sentence without the trace noise, a hint, and exit 3', () => {
    const e = signInError(
      { errorCode: 'invalid_client', errorMessage: 'AADSTS7000215: Invalid client secret provided. Trace ID: abc Correlation ID: def Timestamp: 2026' },
      ctx,
    ) as GraphError;
    expect(e).to.be.instanceOf(GraphError);
    expect(e.exitCode).to.equal(ExitCode.Connection);
    expect(e.code).to.equal('AADSTS7000215');
    expect(e.message).to.contain('AADSTS7000215: Invalid client secret provided.');
    expect(e.message).to.not.contain('Trace ID');
    expect(e.message).to.contain('"Value" (not its "Secret ID")');
  });
  it('uses the failing answer msal swallowed (tenant metadata)', () => {
    const e = signInError({ errorCode: 'endpoints_resolution_error', errorMessage: 'Endpoints cannot be resolved' }, {
      ...ctx,
      diagnostics: { lastFailure: { url: 'x', status: 400, body: JSON.stringify({ error_description: "AADSTS90002: Tenant 'nope' not found. Trace ID: 1" }) } },
    }) as GraphError;
    expect(e.code).to.equal('AADSTS90002');
    expect(e.message).to.match(/Tenant 'nope' not found[\s\S]*--tenant-id/);
  });
  it('passes typed errors through', () => {
    const u = new UsageError('x');
    expect(signInError(u, ctx)).to.equal(u);
  });
});
