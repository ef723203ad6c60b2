/**
 * A small Entra ID (sign-in) + Microsoft Graph emulator for offline tests, on https://127.0.0.1:<port>
 * with a CA and server certificate made at test time.
 *
 * It answers what msal-node and the Graph client ask for:
 *  - /{tenant}/v2.0/.well-known/openid-configuration and /common/discovery/instance
 *  - /{tenant}/oauth2/v2.0/token: client_credentials with a client secret or a certificate assertion
 *    (the assertion's RS256/PS256 signature is VERIFIED against the registered certificate, and
 *    x5t#S256 / x5t, aud, iss, sub, exp and nbf are checked), and the device code grant
 *  - /{tenant}/oauth2/v2.0/devicecode (authorization_pending first, then success)
 *  - /msi/token (App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER) and /cloudshell/token (MSI_ENDPOINT)
 *  - /v1.0/users and /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user with paging through
 *    ABSOLUTE @odata.nextLink URLs, a small $filter language, $count, and throttling with Retry-After.
 *  - service principals (enterprise applications): /v1.0/servicePrincipals with the filters the SSO
 *    check sends, /v1.0/servicePrincipals/{id}, /v1.0/servicePrincipals(appId='...'), the custom claims
 *    policy at /beta/servicePrincipals/{id}/claimsPolicy and /v1.0/servicePrincipals/{id}/claimsMappingPolicies,
 *    in the JSON shapes Microsoft documents (customClaim/sourcedAttribute/transformations; a claims
 *    mapping policy's definition as a list of JSON strings).
 *  - application permissions: each Graph read needs its permission (User.Read.All for users,
 *    Application.Read.All for service principals, Policy.Read.ApplicationConfiguration for claims
 *    policies); a missing one is 403 Authorization_RequestDenied, as Graph answers.
 * Errors look like Entra's (AADSTS codes in error_description) and Graph's ({ error: { code, message } }).
 */
import type { ServicePrincipalInfo } from '../../src/core/sso.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeCa, makeServerCert, type TestCert } from './certs.js';

export interface EmulatedUser {
  id: string;
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: string[];
  onPremisesImmutableId?: string | null;
  accountEnabled?: boolean;
  userType?: string;
  displayName?: string | null;
  /** Not a selectable property: proves $select is honoured. */
  jobTitle?: string;
}

/** An enterprise application (service principal) with its SAML claims. */
export interface EmulatedServicePrincipal extends ServicePrincipalInfo {
  /** The custom claims policy (beta claimsPolicy): absent → 404 as for an app never customised. */
  claimsPolicy?: Record<string, unknown>;
  /** Claims mapping policies assigned to it. */
  claimsMappingPolicies?: { id: string; displayName?: string; definition: string[] }[];
}

/** The application permissions the emulator grants by default. */
export const DEFAULT_ROLES = ['User.Read.All', 'Application.Read.All', 'Policy.Read.ApplicationConfiguration'];

export interface EntraEmulatorOptions {
  tenantId?: string;
  /** Other names the tenant answers to (e.g. contoso.onmicrosoft.com). */
  tenantDomains?: string[];
  clientId?: string;
  clientSecret?: string;
  /** Certificates (PEM) uploaded to the app registration. */
  certificates?: string[];
  users?: EmulatedUser[];
  /** group id → member user ids */
  groups?: Record<string, string[]>;
  /** Users per Graph page (the server caps below the asked $top, as Graph may). Default 2. */
  pageSize?: number;
  /** Throttle Graph requests after the first `afterRequests` ones, `times` times. */
  throttle?: { times: number; status?: 429 | 503 | 504; retryAfter?: string; afterRequests?: number };
  /** Graph answers 403 (permission not granted). */
  denyGraph?: boolean;
  /** Application permissions granted to the app (default DEFAULT_ROLES); a read that needs another is 403. */
  roles?: string[];
  servicePrincipals?: EmulatedServicePrincipal[];
  /** Authorization-pending answers before the device code sign-in succeeds. Default 1. */
  devicePendingPolls?: number;
  deviceOutcome?: 'success' | 'declined';
  /** X-IDENTITY-HEADER value for the App Service managed identity endpoint. */
  identityHeader?: string;
  /** Token lifetime in seconds. Default 3600. */
  tokenLifetime?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface AssertionRecord {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  alg: string;
  thumbprintHeader: 'x5t#S256' | 'x5t';
}

export interface EntraEmulator {
  port: number;
  /** https://127.0.0.1:<port> — both --authority-host and --graph-url. */
  url: string;
  ca: TestCert;
  /** The CA certificate as PEM, and a file holding it (for NODE_EXTRA_CA_CERTS). */
  caPem: string;
  caFile: string;
  tenantId: string;
  clientId: string;
  requests: RecordedRequest[];
  graphRequests: () => RecordedRequest[];
  assertions: AssertionRecord[];
  /** Every access token issued. */
  tokens: string[];
  /** Managed identity calls (query parameters). */
  managedIdentityCalls: URLSearchParams[];
  options: EntraEmulatorOptions;
  close(): Promise<void>;
}

const SELECTABLE = ['id', 'mail', 'userPrincipalName', 'proxyAddresses', 'onPremisesImmutableId', 'accountEnabled', 'userType', 'displayName', 'jobTitle'];

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString('base64url');
}

function unb64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

function aadError(res: import('node:http').ServerResponse, status: number, error: string, code: number, text: string): void {
  const trace = crypto.randomUUID();
  const body = {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${trace} Correlation ID: ${crypto.randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: trace,
    correlation_id: crypto.randomUUID(),
  };
  json(res, status, body);
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function graphError(res: import('node:http').ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID() } } }, headers);
}

/** A tiny subset of Graph's $filter: clauses joined by " and ". */
function compileFilter(filter: string): { test: (u: EmulatedUser) => boolean; advanced: boolean } | undefined {
  const clauses = filter.split(/\s+and\s+/i);
  const tests: ((u: EmulatedUser) => boolean)[] = [];
  let advanced = false;
  for (const c of clauses) {
    let m: RegExpExecArray | null;
    if ((m = /^endswith\((mail|userPrincipalName),\s*'([^']*)'\)$/i.exec(c.trim()))) {
      const [, prop, v] = m;
      advanced = true;
      tests.push((u) => String((u as unknown as Record<string, unknown>)[prop!] ?? '').toLowerCase().endsWith(v!.toLowerCase()));
    } else if ((m = /^startswith\((displayName|mail),\s*'([^']*)'\)$/i.exec(c.trim()))) {
      const [, prop, v] = m;
      tests.push((u) => String((u as unknown as Record<string, unknown>)[prop!] ?? '').toLowerCase().startsWith(v!.toLowerCase()));
    } else if ((m = /^accountEnabled\s+eq\s+(true|false)$/i.exec(c.trim()))) {
      const want = m[1]!.toLowerCase() === 'true';
      tests.push((u) => (u.accountEnabled ?? true) === want);
    } else if ((m = /^userType\s+eq\s+'([^']*)'$/i.exec(c.trim()))) {
      const want = m[1]!;
      tests.push((u) => (u.userType ?? 'Member') === want);
    } else {
      return undefined;
    }
  }
  return { test: (u) => tests.every((t) => t(u)), advanced };
}

function verifyAssertion(
  jwt: string,
  certs: crypto.X509Certificate[],
  expect: { aud: string; clientId: string },
): { ok: true; record: AssertionRecord } | { ok: false; reason: string; thumbprint?: string } {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'The assertion is not a JWS.' };
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(unb64url(parts[0]!).toString('utf8'));
    payload = JSON.parse(unb64url(parts[1]!).toString('utf8'));
  } catch {
    return { ok: false, reason: 'The assertion cannot be decoded.' };
  }
  const alg = String(header.alg);
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
  const x5t = typeof header.x5t === 'string' ? (header.x5t as string) : undefined;
  if (!x5tS256 && !x5t) return { ok: false, reason: 'The assertion header has neither x5t#S256 nor x5t.' };
  const thumbHex = unb64url((x5tS256 ?? x5t)!).toString('hex');
  const cert = certs.find((c) => crypto.createHash(x5tS256 ? 'sha256' : 'sha1').update(c.raw).digest('hex') === thumbHex);
  if (!cert) return { ok: false, reason: 'The key was not found.', thumbprint: thumbHex.toUpperCase() };
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const sig = unb64url(parts[2]!);
  let verified = false;
  if (alg === 'RS256') verified = crypto.verify('sha256', data, cert.publicKey, sig);
  else if (alg === 'PS256') {
    verified = crypto.verify('sha256', data, { key: cert.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  } else return { ok: false, reason: `Unsupported signing algorithm ${alg}.` };
  if (!verified) return { ok: false, reason: 'The signature does not verify with the registered certificate.', thumbprint: thumbHex.toUpperCase() };
  const now = Math.floor(Date.now() / 1000);
  if (payload.aud !== expect.aud) return { ok: false, reason: `The audience ${String(payload.aud)} is not ${expect.aud}.` };
  if (payload.iss !== expect.clientId || payload.sub !== expect.clientId) return { ok: false, reason: 'iss/sub is not the client id.' };
  if (typeof payload.exp !== 'number' || payload.exp < now) return { ok: false, reason: 'The assertion has expired.' };
  if (typeof payload.nbf === 'number' && payload.nbf > now + 300) return { ok: false, reason: 'The assertion is not yet valid.' };
  return { ok: true, record: { header, payload, alg, thumbprintHeader: x5tS256 ? 'x5t#S256' : 'x5t' } };
}

export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const tenantNames = new Set([tenantId.toLowerCase(), ...(options.tenantDomains ?? []).map((d) => d.toLowerCase())]);
  const clientId = options.clientId ?? '11111111-2222-3333-4444-555555555555';
  const pageSize = options.pageSize ?? 2;
  const lifetime = options.tokenLifetime ?? 3600;
  const ca = makeCa();
  const server = makeServerCert(ca);
  const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'entra-emu-')), 'ca.pem');
  fs.writeFileSync(caFile, ca.certPem);

  const requests: RecordedRequest[] = [];
  const assertions: AssertionRecord[] = [];
  const tokens: string[] = [];
  const managedIdentityCalls: URLSearchParams[] = [];
  const issued = new Set<string>();
  const deviceCodes = new Map<string, { polls: number }>();
  let graphCount = 0;
  let throttleLeft = options.throttle?.times ?? 0;
  let base = '';

  const issueToken = (sub: string, extra: Record<string, unknown> = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: 'emu' }));
    const payload = b64url(JSON.stringify({ aud: base, iss: `${base}/${tenantId}/`, tid: tenantId, sub, oid: sub, iat: now, nbf: now, exp: now + lifetime, ...extra }));
    const token = `${header}.${payload}.${b64url(crypto.randomBytes(64))}`;
    issued.add(token);
    tokens.push(token);
    return token;
  };

  const srv = https.createServer({ key: server.keyPem, cert: server.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', base);
      const rec: RecordedRequest = { method: req.method ?? 'GET', url: `${base}${req.url}`, path: u.pathname, query: u.searchParams, headers: req.headers, body };
      requests.push(rec);
      try {
        handle(rec, res);
      } catch (e) {
        json(res, 500, { error: 'emulator_failure', error_description: String(e) });
      }
    });
  });

  function handle(r: RecordedRequest, res: import('node:http').ServerResponse): void {
    const seg = r.path.split('/').filter(Boolean);
    // --- Entra: metadata
    if (r.method === 'GET' && seg[1] === 'v2.0' && seg[2] === '.well-known' && seg[3] === 'openid-configuration') {
      const t = decodeURIComponent(seg[0]!).toLowerCase();
      if (!tenantNames.has(t) && t !== 'common' && t !== 'organizations') {
        return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      }
      const tb = `${base}/${tenantId}`;
      return json(res, 200, {
        token_endpoint: `${tb}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${tb}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/${tenantId}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${base}/oidc/userinfo`,
        authorization_endpoint: `${tb}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${tb}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${tb}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
        kerberos_endpoint: `${tb}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: new URL(base).host,
      });
    }
    if (r.method === 'GET' && r.path.endsWith('/discovery/instance')) {
      const host = new URL(base).host;
      return json(res, 200, {
        tenant_discovery_endpoint: `${base}/${tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    // --- Entra: token and device code
    if (r.method === 'POST' && seg[1] === 'oauth2' && seg[2] === 'v2.0' && (seg[3] === 'token' || seg[3] === 'devicecode')) {
      const t = decodeURIComponent(seg[0]!).toLowerCase();
      if (!tenantNames.has(t)) return aadError(res, 400, 'invalid_request', 90002, `Tenant '${t}' not found.`);
      const form = new URLSearchParams(r.body);
      const cid = form.get('client_id');
      if (cid !== clientId) {
        return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${cid}' was not found in the directory '${tenantId}'.`);
      }
      if (seg[3] === 'devicecode') {
        const deviceCode = b64url(crypto.randomBytes(24));
        deviceCodes.set(deviceCode, { polls: 0 });
        const userCode = 'EMU' + crypto.randomBytes(3).toString('hex').toUpperCase();
        return json(res, 200, {
          user_code: userCode,
          device_code: deviceCode,
          verification_uri: 'https://microsoft.com/devicelogin',
          expires_in: 900,
          interval: 1,
          message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${userCode} to authenticate.`,
        });
      }
      const grant = form.get('grant_type');
      // msal sends the short form; Entra accepts both.
      if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') {
        const dc = deviceCodes.get(form.get('device_code') ?? '');
        if (!dc) return aadError(res, 400, 'bad_verification_code', 70019, 'Verification code expired.');
        dc.polls++;
        if (dc.polls <= (options.devicePendingPolls ?? 1)) {
          return aadError(res, 400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
        }
        if (options.deviceOutcome === 'declined') return aadError(res, 400, 'authorization_declined', 70000, 'The user declined the authorization.');
        const oid = 'aaaaaaaa-0000-0000-0000-000000000001';
        const now = Math.floor(Date.now() / 1000);
        const idToken = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256' }))}.${b64url(
          JSON.stringify({ aud: clientId, iss: `${base}/${tenantId}/v2.0`, iat: now, nbf: now, exp: now + 3600, oid, sub: oid, tid: tenantId, preferred_username: 'admin@contoso.nl', name: 'Admin' }),
        )}.${b64url(crypto.randomBytes(32))}`;
        return json(res, 200, {
          token_type: 'Bearer',
          scope: form.get('scope') ?? '',
          expires_in: lifetime,
          ext_expires_in: lifetime,
          access_token: issueToken(oid, { scp: 'User.Read.All' }),
          refresh_token: b64url(crypto.randomBytes(48)),
          id_token: idToken,
          client_info: b64url(JSON.stringify({ uid: oid, utid: tenantId })),
        });
      }
      if (grant !== 'client_credentials') return aadError(res, 400, 'unsupported_grant_type', 70003, `The grant type ${grant} is not supported.`);
      const scope = form.get('scope') ?? '';
      if (!scope.split(' ').includes(`${base}/.default`)) {
        return aadError(res, 400, 'invalid_scope', 70011, `The provided value for scope ${scope} is not valid.`);
      }
      const secret = form.get('client_secret');
      const assertion = form.get('client_assertion');
      if (secret !== null) {
        if (!options.clientSecret || secret !== options.clientSecret) {
          return aadError(res, 401, 'invalid_client', 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientId + "'.");
        }
      } else if (assertion !== null) {
        if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
          return aadError(res, 400, 'invalid_request', 90014, 'The client_assertion_type is missing or wrong.');
        }
        const v = verifyAssertion(assertion, (options.certificates ?? []).map((p) => new crypto.X509Certificate(p)), {
          aud: `${base}/${tenantId}/oauth2/v2.0/token`,
          clientId,
        });
        if (!v.ok) {
          return aadError(res, 401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - ${v.reason}${v.thumbprint ? `, Thumbprint of key used by client: '${v.thumbprint}'` : ''}]`);
        }
        assertions.push(v.record);
      } else {
        return aadError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      }
      return json(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: issueToken(clientId, { appid: clientId, roles: options.roles ?? DEFAULT_ROLES }) });
    }
    // --- Managed identity (App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER)
    if (r.method === 'GET' && r.path === '/msi/token') {
      managedIdentityCalls.push(r.query);
      if (!options.identityHeader || r.headers['x-identity-header'] !== options.identityHeader) {
        return json(res, 401, { statusCode: 401, message: 'Unauthorized: missing or wrong X-IDENTITY-HEADER' });
      }
      const resource = r.query.get('resource');
      if (resource !== base && resource !== `${base}/`) return json(res, 400, { error: 'invalid_resource', error_description: `AADSTS500011: The resource principal named ${resource} was not found.` });
      const now = Math.floor(Date.now() / 1000);
      return json(res, 200, {
        access_token: issueToken(r.query.get('client_id') ?? 'system-assigned-mi'),
        expires_on: String(now + lifetime),
        resource,
        token_type: 'Bearer',
        client_id: r.query.get('client_id') ?? 'cccccccc-0000-0000-0000-00000000000c',
      });
    }
    // --- Managed identity (Cloud Shell: MSI_ENDPOINT, POST, Metadata: true)
    if (r.method === 'POST' && r.path === '/cloudshell/token') {
      const form = new URLSearchParams(r.body);
      managedIdentityCalls.push(form);
      if (r.headers['metadata'] !== 'true') return json(res, 400, { error: 'bad_request', error_description: 'Metadata header missing' });
      const now = Math.floor(Date.now() / 1000);
      return json(res, 200, { access_token: issueToken('cloudshell-mi'), expires_on: String(now + lifetime), resource: form.get('resource'), token_type: 'Bearer' });
    }
    // --- Graph
    if (seg[0] === 'v1.0' || seg[0] === 'beta') return graph(r, res, seg.slice(1), seg[0]);
    return json(res, 404, { error: 'not_found', error_description: `The emulator does not serve ${r.method} ${r.path}` });
  }

  function graph(r: RecordedRequest, res: import('node:http').ServerResponse, seg: string[], version: string): void {
    graphCount++;
    const auth = String(r.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!issued.has(token)) return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or not valid.');
    if (options.denyGraph) return graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const th = options.throttle;
    if (th && graphCount > (th.afterRequests ?? 1) && throttleLeft > 0) {
      throttleLeft--;
      return graphError(res, th.status ?? 429, th.status === 503 ? 'ServiceUnavailable' : 'TooManyRequests', 'Too many requests.', th.retryAfter !== undefined ? { 'Retry-After': th.retryAfter } : {});
    }
    const roles = options.roles ?? DEFAULT_ROLES;
    const needs = (...anyOf: string[]) => anyOf.some((p) => roles.includes(p));
    const denied = () => graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    if (seg[0]?.startsWith('servicePrincipals')) {
      if (!needs('Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All')) return denied();
      return servicePrincipals(r, res, seg, version);
    }
    if (version !== 'v1.0') return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${seg.join('/')}'.`);
    if (!needs('User.Read.All', 'Directory.Read.All')) return denied();
    let all: EmulatedUser[];
    if (seg.length === 1 && seg[0] === 'users') all = options.users ?? [];
    else if (seg.length === 4 && seg[0] === 'groups' && seg[2] === 'transitiveMembers' && seg[3] === 'microsoft.graph.user') {
      const members = options.groups?.[decodeURIComponent(seg[1]!)];
      if (!members) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${decodeURIComponent(seg[1]!)}' does not exist or one of its queried reference-property objects are not present.`);
      all = (options.users ?? []).filter((u) => members.includes(u.id));
    } else return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${seg.join('/')}'.`);

    const filter = r.query.get('$filter');
    const count = r.query.get('$count') === 'true';
    const eventual = String(r.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
    if (count && !eventual) return graphError(res, 400, 'Request_BadRequest', '$count is not currently supported without ConsistencyLevel: eventual.');
    if (filter !== null) {
      const f = compileFilter(filter);
      if (!f) return graphError(res, 400, 'BadRequest', `Invalid filter clause: ${filter}`);
      if (f.advanced && !(count && eventual)) {
        return graphError(res, 400, 'Request_UnsupportedQuery', "Unsupported or invalid query filter clause specified for property 'mail' of resource 'User'.");
      }
      all = all.filter(f.test);
    }
    const select = (r.query.get('$select') ?? '').split(',').filter(Boolean);
    const project = (u: EmulatedUser): Record<string, unknown> => {
      const props = select.length ? select : ['id', 'displayName', 'mail', 'userPrincipalName', 'jobTitle'];
      const out: Record<string, unknown> = {};
      for (const p of props) if (SELECTABLE.includes(p)) out[p] = (u as unknown as Record<string, unknown>)[p] ?? (p === 'proxyAddresses' ? [] : null);
      return out;
    };
    const top = Math.min(Number(r.query.get('$top') ?? 100), pageSize);
    // The skiptoken is opaque and full of characters that need URL encoding, like Graph's.
    const skip = r.query.get('$skiptoken');
    const offset = skip ? Number(/o=(\d+)/.exec(Buffer.from(skip, 'base64').toString('utf8'))?.[1] ?? 'NaN') : 0;
    if (Number.isNaN(offset)) return graphError(res, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired.');
    const page = all.slice(offset, offset + top);
    const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#users(${select.join(',')})` };
    if (count) body['@odata.count'] = all.length;
    body.value = page.map(project);
    if (offset + top < all.length) {
      const next = new URL(`${base}${r.path}`);
      for (const [k, v] of r.query) if (k !== '$skiptoken') next.searchParams.set(k, v);
      next.searchParams.set('$skiptoken', Buffer.from(`o=${offset + top}&r=${crypto.randomBytes(5).toString('hex')}/?+`).toString('base64'));
      body['@odata.nextLink'] = next.toString();
    }
    return json(res, 200, body);
  }

  function servicePrincipals(r: RecordedRequest, res: import('node:http').ServerResponse, seg: string[], version: string): void {
    const sps = options.servicePrincipals ?? [];
    const select = (r.query.get('$select') ?? '').split(',').filter(Boolean);
    const project = (sp: EmulatedServicePrincipal): Record<string, unknown> => {
      const full: Record<string, unknown> = {
        id: sp.id,
        appId: sp.appId,
        displayName: sp.displayName,
        servicePrincipalNames: sp.servicePrincipalNames ?? [sp.appId],
        preferredSingleSignOnMode: sp.preferredSingleSignOnMode ?? null,
        applicationTemplateId: sp.applicationTemplateId ?? null,
        servicePrincipalType: 'Application',
      };
      if (!select.length) return full;
      return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
    };
    const notFound = (what: string) => graphError(res, 404, 'Request_ResourceNotFound', `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);
    // /servicePrincipals(appId='...')
    const byAppId = /^servicePrincipals\(appId='([^']*)'\)$/.exec(decodeURIComponent(seg[0]!));
    let sp: EmulatedServicePrincipal | undefined;
    let rest: string[];
    if (byAppId) {
      sp = sps.find((x) => x.appId.toLowerCase() === byAppId[1]!.toLowerCase());
      if (!sp) return notFound(byAppId[1]!);
      rest = seg.slice(1);
    } else if (seg[0] === 'servicePrincipals' && seg.length === 1) {
      if (version !== 'v1.0') return graphError(res, 400, 'BadRequest', 'Use v1.0 for this emulator.');
      const filter = r.query.get('$filter');
      let list = sps;
      if (filter !== null) {
        let m: RegExpExecArray | null;
        if ((m = /^servicePrincipalNames\/any\((\w+):\1 eq '((?:[^']|'')*)'\)$/.exec(filter.trim()))) {
          const want = m[2]!.replace(/''/g, "'");
          list = sps.filter((x) => (x.servicePrincipalNames ?? [x.appId]).includes(want));
        } else if ((m = /^startswith\(displayName,\s*'((?:[^']|'')*)'\)$/i.exec(filter.trim()))) {
          const want = m[1]!.replace(/''/g, "'").toLowerCase();
          list = sps.filter((x) => x.displayName.toLowerCase().startsWith(want));
        } else if ((m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim()))) {
          const want = m[1]!.replace(/''/g, "'");
          // Graph compares display names case-insensitively.
          list = sps.filter((x) => x.displayName.toLowerCase() === want.toLowerCase());
        } else {
          return graphError(res, 400, 'BadRequest', `Invalid filter clause: ${filter}`);
        }
      }
      return json(res, 200, { '@odata.context': `${base}/v1.0/$metadata#servicePrincipals`, value: list.map(project) });
    } else if (seg[0] === 'servicePrincipals') {
      const id = decodeURIComponent(seg[1]!);
      sp = sps.find((x) => x.id.toLowerCase() === id.toLowerCase());
      if (!sp) return notFound(id);
      rest = seg.slice(2);
    } else {
      return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${seg[0]}'.`);
    }
    const roles = options.roles ?? DEFAULT_ROLES;
    const policyRead = roles.some((p) => ['Policy.Read.ApplicationConfiguration', 'Policy.ReadWrite.ApplicationConfiguration', 'Policy.Read.All'].includes(p));
    if (rest.length === 0) return json(res, 200, { '@odata.context': `${base}/${version}/$metadata#servicePrincipals/$entity`, ...project(sp) });
    if (rest.length === 1 && rest[0] === 'claimsPolicy') {
      // A beta API in Graph today: v1.0 does not know the segment.
      if (version !== 'beta') return graphError(res, 400, 'BadRequest', "Resource not found for the segment 'claimsPolicy'.");
      if (!policyRead) return graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      if (!sp.claimsPolicy) return notFound('claimsPolicy');
      return json(res, 200, { '@odata.context': `${base}/beta/$metadata#servicePrincipals('${sp.id}')/claimsPolicy/$entity`, ...sp.claimsPolicy });
    }
    if (rest.length === 1 && rest[0] === 'claimsMappingPolicies') {
      if (!policyRead) return graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      return json(res, 200, {
        '@odata.context': `${base}/${version}/$metadata#policies/claimsMappingPolicies`,
        value: (sp.claimsMappingPolicies ?? []).map((p) => ({ id: p.id, deletedDateTime: null, definition: p.definition, displayName: p.displayName ?? null, isOrganizationDefault: false })),
      });
    }
    return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
  }

  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  base = `https://127.0.0.1:${port}`;
  return {
    port,
    url: base,
    ca,
    caPem: ca.certPem,
    caFile,
    tenantId,
    clientId,
    requests,
    graphRequests: () => requests.filter((r) => r.path.startsWith('/v1.0/')),
    assertions,
    tokens,
    managedIdentityCalls,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections?.();
        srv.close(() => resolve());
        fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
      }),
  };
}

// ---------------------------------------------------------------- realistic SAML claims

export const ZIVVER_NAMESPACE = 'https://zivver.com/SAML/Attributes';
export const ZIVVER_IDENTIFIER = 'https://app.zivver.com/SAML/Zivver';

/** A sourcedAttribute as Graph returns it (`user.objectid` is `{source: 'user', id: 'objectid'}`). */
export function sourcedAttribute(id: string, opts: { source?: string; isExtensionAttribute?: boolean } = {}): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.sourcedAttribute', id, source: opts.source ?? 'user', isExtensionAttribute: opts.isExtensionAttribute ?? false };
}

/**
 * A custom claims policy (beta claimsPolicy) as the admin center's Attributes & Claims leaves it for
 * Zivver: the NameID from user.mail (Microsoft's Zivver tutorial) and ZivverAccountKey from `attribute`,
 * optionally through transformations.
 */
export function zivverClaimsPolicy(
  attribute: Record<string, unknown> | null,
  opts: { transformations?: Record<string, unknown>[]; name?: string; namespace?: string; tokenFormat?: string[]; extraConfigurations?: Record<string, unknown>[] } = {},
): Record<string, unknown> {
  return {
    id: crypto.randomUUID(),
    includeBasicClaimSet: true,
    includeApplicationIdInIssuer: false,
    audienceOverride: null,
    groupFilter: null,
    claims: [
      {
        '@odata.type': '#microsoft.graph.samlNameIdClaim',
        serviceProviderNameQualifier: null,
        nameIdFormat: 'default',
        configurations: [{ condition: null, attribute: sourcedAttribute('mail'), transformations: [] }],
      },
      {
        '@odata.type': '#microsoft.graph.customClaim',
        name: 'emailaddress',
        namespace: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims',
        tokenFormat: ['saml'],
        samlAttributeNameFormat: null,
        configurations: [{ condition: null, attribute: sourcedAttribute('mail'), transformations: [] }],
      },
      {
        '@odata.type': '#microsoft.graph.customClaim',
        name: opts.name ?? 'ZivverAccountKey',
        namespace: opts.namespace ?? ZIVVER_NAMESPACE,
        tokenFormat: opts.tokenFormat ?? ['saml'],
        samlAttributeNameFormat: null,
        configurations: [
          { condition: null, attribute: opts.transformations?.length ? null : attribute, transformations: opts.transformations ?? [] },
          ...(opts.extraConfigurations ?? []),
        ],
      },
    ],
  };
}

/** A transformation of a custom claims policy, its input being `attribute`. */
export function transformation(type: string, attribute: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@odata.type': `#microsoft.graph.${type}`, input: { treatAsMultiValue: false, attribute }, ...extra };
}

/** A claims mapping policy's definition (a list of one JSON string) sending ZivverAccountKey. */
export function zivverClaimsMappingDefinition(source: { ID?: string; ExtensionID?: string }, transformation?: { method: string; parameters?: { ID: string; Value: string }[] }): string[] {
  const claimType = `${ZIVVER_NAMESPACE}/ZivverAccountKey`;
  const schema: Record<string, unknown>[] = [{ Source: 'user', ID: 'mail', SamlClaimType: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier' }];
  const transforms: Record<string, unknown>[] = [];
  if (transformation) {
    const inputId = source.ID ?? source.ExtensionID!;
    schema.push({ Source: 'user', ...source });
    schema.push({ Source: 'transformation', ID: 'ZivverKeyOut', TransformationId: 'MakeZivverKey', SamlClaimType: claimType });
    transforms.push({
      ID: 'MakeZivverKey',
      TransformationMethod: transformation.method,
      InputClaims: [{ ClaimTypeReferenceId: inputId, TransformationClaimType: 'string1' }],
      ...(transformation.parameters ? { InputParameters: transformation.parameters } : {}),
      OutputClaims: [{ ClaimTypeReferenceId: 'ZivverKeyOut', TransformationClaimType: 'outputClaim' }],
    });
  } else {
    schema.push({ Source: 'user', ...source, SamlClaimType: claimType });
  }
  return [JSON.stringify({ ClaimsMappingPolicy: { Version: 1, IncludeBasicClaimSet: 'true', ClaimsSchema: schema, ...(transforms.length ? { ClaimsTransformation: transforms } : {}) } })];
}
