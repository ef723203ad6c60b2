/**
 * Signing in to Microsoft Graph with @azure/msal-node: exactly one of a certificate, a client
 * secret (environment only), a device code, or the Azure managed identity.
 */
import path from 'node:path';
import {
  ConfidentialClientApplication,
  ManagedIdentityApplication,
  PublicClientApplication,
  LogLevel,
  type AuthenticationResult,
  type Configuration,
} from '@azure/msal-node';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';
import { redactSecrets, registerSecret } from '../../util/redact.js';
import { loadCertificateFile, type LoadedCertificate } from './certificate.js';
import { MsalNetworkClient } from './http.js';
import { signInError } from './signInErrors.js';

export type SignInMethod = 'certificate' | 'client-secret' | 'device-code' | 'managed-identity';
export type ThumbprintAlgorithm = 'sha256' | 'sha1';

export const ENV_CLIENT_SECRET = 'ZIVVER_GRAPH_CLIENT_SECRET';
export const ENV_CERT_PASSWORD = 'ZIVVER_GRAPH_CERT_PASSWORD';
/** `sha1` for older setups that need x5t instead of x5t#S256; default `sha256`. */
export const ENV_THUMBPRINT = 'ZIVVER_GRAPH_CERT_THUMBPRINT';

export interface GraphAuthOptions {
  tenantId?: string;
  clientId?: string;
  certificatePath?: string;
  deviceCode: boolean;
  managedIdentity: boolean;
  managedIdentityClientId?: string;
  /** e.g. https://login.microsoftonline.com (no tenant). */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com; the token's scope is `<graphUrl>/.default`. */
  graphUrl: string;
  /** Overrides ZIVVER_GRAPH_CERT_THUMBPRINT. */
  thumbprintAlgorithm?: ThumbprintAlgorithm;
}

export interface AccessToken {
  token: string;
  expiresOn?: Date;
}

export interface TokenCredential {
  readonly method: SignInMethod;
  /** A valid access token for Graph; cached until shortly before it expires. */
  getToken(): Promise<AccessToken>;
}

export interface CredentialDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  logger: Logger;
  network: MsalNetworkClient;
  /** Shows the device code instructions to the person at the console (stderr). */
  onDeviceCode: (message: string) => void;
}

/** Which way to sign in; none or several → UsageError. Reads only flags and the environment. */
export function selectSignInMethod(opts: GraphAuthOptions, env: NodeJS.ProcessEnv): SignInMethod {
  const chosen: { method: SignInMethod; label: string }[] = [];
  if (opts.certificatePath) chosen.push({ method: 'certificate', label: '--certificate' });
  if (env[ENV_CLIENT_SECRET]) chosen.push({ method: 'client-secret', label: ENV_CLIENT_SECRET });
  if (opts.deviceCode) chosen.push({ method: 'device-code', label: '--device-code' });
  if (opts.managedIdentity) chosen.push({ method: 'managed-identity', label: '--managed-identity' });
  if (opts.managedIdentityClientId && !opts.managedIdentity) {
    throw new UsageError('--managed-identity-client-id needs --managed-identity.');
  }
  if (chosen.length === 0) {
    throw new UsageError(
      `--source graph needs one way to sign in to Microsoft Graph: --certificate <file.pem|file.pfx>, a client secret in the environment variable ${ENV_CLIENT_SECRET}, --device-code, or --managed-identity.`,
    );
  }
  if (chosen.length > 1) {
    throw new UsageError(
      `Several ways to sign in to Microsoft Graph were given (${chosen.map((c) => c.label).join(', ')}); use exactly one.` +
        (chosen.some((c) => c.method === 'client-secret') ? ` (Unset ${ENV_CLIENT_SECRET} to use another way.)` : ''),
    );
  }
  const method = chosen[0]!.method;
  if (method !== 'managed-identity') {
    if (!opts.tenantId) throw new UsageError(`--tenant-id is required to sign in to Microsoft Graph with ${chosen[0]!.label}.`);
    if (!opts.clientId) throw new UsageError(`--client-id (the app registration's Application ID) is required with ${chosen[0]!.label}.`);
  }
  return method;
}

export function graphScope(graphUrl: string): string {
  return `${graphUrl.replace(/\/+$/, '')}/.default`;
}

function thumbprintAlgorithm(opts: GraphAuthOptions, env: NodeJS.ProcessEnv): ThumbprintAlgorithm {
  const v = (opts.thumbprintAlgorithm ?? env[ENV_THUMBPRINT] ?? 'sha256').toLowerCase().replace('-', '');
  if (v === 'sha256' || v === 'sha1') return v;
  throw new UsageError(`${ENV_THUMBPRINT} must be sha256 or sha1, not "${v}".`);
}

/** msal's own log, routed to ours at debug level (it carries no secrets with PII logging off). */
function msalSystem(deps: CredentialDeps) {
  return {
    networkClient: deps.network,
    loggerOptions: {
      piiLoggingEnabled: false,
      logLevel: LogLevel.Warning,
      loggerCallback: (_level: LogLevel, message: string) => deps.logger.debug(`msal: ${redactSecrets(message)}`),
    },
  };
}

function authorityFor(opts: GraphAuthOptions): { authority: string; knownAuthorities: string[] } {
  const host = new URL(opts.authorityHost);
  // The admin names the authority host explicitly (national clouds, tests), so trust it as given
  // rather than asking login.microsoftonline.com's instance discovery about it.
  return {
    authority: `${host.origin}/${encodeURIComponent(opts.tenantId!)}`,
    knownAuthorities: [host.host],
  };
}

/** Wraps an msal acquire call: our token cache, secret registration, error mapping. */
function cachingCredential(
  method: SignInMethod,
  acquire: () => Promise<AuthenticationResult | null>,
  errorContext: Parameters<typeof signInError>[1],
): TokenCredential {
  let cached: AccessToken | undefined;
  return {
    method,
    async getToken() {
      // Renew five minutes before expiry: a large tenant's listing can outlive a token.
      if (cached && (!cached.expiresOn || cached.expiresOn.getTime() - Date.now() > 5 * 60_000)) return cached;
      let result: AuthenticationResult | null;
      try {
        result = await acquire();
      } catch (e) {
        throw signInError(e, errorContext);
      }
      if (!result?.accessToken) throw signInError(new Error('the sign-in returned no access token'), errorContext);
      registerSecret(result.accessToken);
      cached = { token: result.accessToken, expiresOn: result.expiresOn ?? undefined };
      return cached;
    },
  };
}

export interface CredentialInfo {
  credential: TokenCredential;
  /** For certificates: what was loaded (thumbprints, validity), for logs and test-connection. */
  certificate?: LoadedCertificate;
}

export function createCredential(opts: GraphAuthOptions, deps: CredentialDeps): CredentialInfo {
  const method = selectSignInMethod(opts, deps.env);
  const scope = graphScope(opts.graphUrl);
  const ctx = {
    method,
    authorityHost: opts.authorityHost,
    tenantId: method === 'managed-identity' ? undefined : opts.tenantId,
    diagnostics: deps.network.diagnostics,
  };

  if (method === 'managed-identity') {
    if (opts.clientId) deps.logger.warn('--client-id is ignored with --managed-identity (use --managed-identity-client-id for a user-assigned identity).');
    const app = new ManagedIdentityApplication({
      ...(opts.managedIdentityClientId ? { managedIdentityIdParams: { userAssignedClientId: opts.managedIdentityClientId } } : {}),
      system: msalSystem(deps),
    });
    deps.logger.verbose(`Signing in to Microsoft Graph with the managed identity (source: ${app.getManagedIdentitySource()}).`);
    // forceRefresh: msal keeps managed identity tokens in a process-wide cache; ours suffices.
    return { credential: cachingCredential(method, () => app.acquireToken({ resource: scope, forceRefresh: true }), ctx) };
  }

  const { authority, knownAuthorities } = authorityFor(opts);
  const base: Pick<Configuration['auth'], 'clientId' | 'authority' | 'knownAuthorities'> = {
    clientId: opts.clientId!,
    authority,
    knownAuthorities,
  };

  if (method === 'device-code') {
    const app = new PublicClientApplication({ auth: base, system: msalSystem(deps) });
    deps.logger.verbose(`Signing in to Microsoft Graph with a device code (tenant ${opts.tenantId}).`);
    return {
      credential: cachingCredential(
        method,
        () =>
          app.acquireTokenByDeviceCode({
            scopes: [scope],
            deviceCodeCallback: (r) => deps.onDeviceCode(r.message),
          }),
        ctx,
      ),
    };
  }

  if (method === 'client-secret') {
    const secret = deps.env[ENV_CLIENT_SECRET]!;
    registerSecret(secret);
    const app = new ConfidentialClientApplication({ auth: { ...base, clientSecret: secret }, system: msalSystem(deps) });
    deps.logger.verbose(`Signing in to Microsoft Graph with the client secret from ${ENV_CLIENT_SECRET} (app ${opts.clientId}).`);
    return { credential: cachingCredential(method, () => app.acquireTokenByClientCredential({ scopes: [scope] }), ctx) };
  }

  // certificate
  const alg = thumbprintAlgorithm(opts, deps.env);
  const file = path.resolve(deps.cwd, opts.certificatePath!);
  const password = deps.env[ENV_CERT_PASSWORD] || undefined;
  registerSecret(password);
  const cert = loadCertificateFile(file, password, opts.certificatePath!);
  const now = Date.now();
  if (cert.notAfter.getTime() < now) deps.logger.warn(`The certificate ${opts.certificatePath} expired on ${cert.notAfter.toISOString()}; Entra will refuse it.`);
  else if (cert.notBefore.getTime() > now) deps.logger.warn(`The certificate ${opts.certificatePath} is not valid before ${cert.notBefore.toISOString()}.`);
  const thumbprint = alg === 'sha256' ? cert.thumbprintSha256 : cert.thumbprintSha1;
  const app = new ConfidentialClientApplication({
    auth: {
      ...base,
      clientCertificate: {
        ...(alg === 'sha256' ? { thumbprintSha256: cert.thumbprintSha256 } : { thumbprint: cert.thumbprintSha1 }),
        privateKey: cert.privateKeyPem,
        x5c: cert.certificatePem,
      },
    },
    system: msalSystem(deps),
  });
  deps.logger.verbose(
    `Signing in to Microsoft Graph with certificate ${opts.certificatePath} (${cert.subject}; SHA-1 thumbprint ${cert.thumbprintSha1.toUpperCase()}; app ${opts.clientId}).`,
  );
  return {
    credential: cachingCredential(method, () => app.acquireTokenByClientCredential({ scopes: [scope] }), {
      ...ctx,
      thumbprint: `${alg === 'sha256' ? 'SHA-256' : 'SHA-1'} ${thumbprint.toUpperCase()}`,
    }),
    certificate: cert,
  };
}
