/**
 * Turning what msal (and the Entra token endpoint behind it) throws into a GraphError an admin can
 * act on: the AADSTS code, Entra's own first sentence, and a hint about what to change.
 * Exit code 3 comes with GraphError. Every text passes through redactSecrets.
 */
import { GraphError, KeytoolError } from '../../errors.js';
import { redactSecrets } from '../../util/redact.js';
import { TransportError, type SignInDiagnostics } from './http.js';

/** Known AADSTS codes → what to do about them. */
export const AADSTS_HINTS: Record<string, string> = {
  '7000215':
    'The client secret is not valid. Check that ZIVVER_GRAPH_CLIENT_SECRET holds the secret\'s "Value" (not its "Secret ID") for this --client-id.',
  '7000222': 'The client secret has expired. Create a new one under Certificates & secrets of the app registration.',
  '700027':
    'Entra did not accept the certificate assertion. Upload this certificate (the public part, .cer/.pem) to the app registration under Certificates & secrets, and check that --client-id is that app.',
  '700024': "The assertion is outside its valid time range: check this machine's clock.",
  '700016':
    'No application with this --client-id exists in the tenant. Check --client-id and --tenant-id, and that the app is registered (or consented) in that tenant.',
  '90002': 'The tenant was not found. Check --tenant-id (a GUID or a domain such as contoso.onmicrosoft.com) and, for national clouds, --authority-host.',
  '900023': '--tenant-id is not a valid tenant identifier (a GUID or a verified domain).',
  '90033': 'The tenant is not accessible. Check --tenant-id.',
  '7000112': 'The application is disabled in this tenant (Enterprise applications → Properties → Enabled for users to sign-in).',
  '65001': 'An administrator has not consented to the app\'s permissions: use "Grant admin consent" on the app registration\'s API permissions.',
  '70011': 'The requested scope is invalid. Check --graph-url (it must be the Graph endpoint of the same cloud as --authority-host).',
  '500011': 'The resource (Microsoft Graph) was not found in the tenant. Check --graph-url for your cloud.',
  '7000218':
    'Device code sign-in needs "Allow public client flows" switched on in the app registration (Authentication), or use a certificate instead.',
  '53003': 'Conditional Access blocked the sign-in. Ask your Entra administrator, or use a certificate for unattended runs.',
  '50076': 'Multi-factor authentication is required: complete it in the browser during device code sign-in.',
  '50020': 'The signed-in account does not exist in this tenant. Sign in with an account of --tenant-id.',
  '700082': 'The sign-in expired; sign in again.',
};

/** Device code errors that come as OAuth error names rather than AADSTS codes. */
const OAUTH_ERROR_HINTS: Record<string, string> = {
  authorization_declined: 'The sign-in was declined in the browser.',
  expired_token: 'The device code expired before the sign-in was completed; run the command again and sign in within the time shown.',
  bad_verification_code: 'The device code was not recognised; run the command again.',
  invalid_client: 'Entra did not accept the app credentials (client id, secret or certificate).',
  unauthorized_client: 'The app is not allowed to use this sign-in method.',
};

export interface SignInContext {
  method: string;
  authorityHost: string;
  tenantId?: string;
  /** For certificate sign-in: the thumbprint we sent, to compare with the portal. */
  thumbprint?: string;
  diagnostics?: SignInDiagnostics;
}

function firstSentence(text: string): string {
  // Entra descriptions go on with "Trace ID: ... Correlation ID: ... Timestamp: ..." — keep the useful part.
  const cut = text.split(/\r?\n|\s+Trace ID:/)[0] ?? text;
  return cut.trim();
}

function extractAadsts(text: string): { code?: string; description?: string } {
  const m = /AADSTS(\d+)\s*:?\s*([^\r\n]*)/.exec(text);
  if (!m) return {};
  return { code: m[1], description: firstSentence(`AADSTS${m[1]}: ${m[2] ?? ''}`) };
}

function describeFailureBody(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: string | { code?: string; message?: string }; error_description?: string };
    if (typeof j.error_description === 'string') return j.error_description;
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error === 'object') return `${j.error.code ?? ''} ${j.error.message ?? ''}`.trim();
  } catch {
    /* not JSON: fall through */
  }
  return body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Maps anything thrown during sign-in to a GraphError (KeytoolErrors pass unchanged). */
export function signInError(err: unknown, ctx: SignInContext): KeytoolError {
  if (err instanceof KeytoolError && !(err instanceof TransportError)) return err;
  const where = `${ctx.authorityHost}${ctx.tenantId ? `/${ctx.tenantId}` : ''}`;
  if (err instanceof TransportError || ctx.diagnostics?.lastTransportError) {
    const t = err instanceof TransportError ? err : ctx.diagnostics!.lastTransportError!;
    return new GraphError(
      redactSecrets(`Microsoft Graph sign-in (${ctx.method}) failed: ${t.message}. Check the network, proxy and --authority-host.`),
      undefined,
      t.causeCode,
    );
  }
  const e = err as { errorCode?: string; errorMessage?: string; message?: string; subError?: string; status?: number };
  const rawMessage = [e.errorMessage, e.message].filter((x): x is string => typeof x === 'string' && x.length > 0).join(' ');
  const failure = ctx.diagnostics?.lastFailure;
  let { code, description } = extractAadsts(rawMessage);
  if (!code && failure) ({ code, description } = extractAadsts(failure.body));
  const oauthCode = e.errorCode && OAUTH_ERROR_HINTS[e.errorCode] ? e.errorCode : undefined;

  // msal formats managed identity endpoint errors as "Error(s): … - Description: <text> - Correlation ID: …".
  const miDescription = /Description:\s*(.*?)\s*-\s*Correlation ID/.exec(rawMessage)?.[1];
  let message: string;
  if (description) message = description;
  else if (miDescription && miDescription !== 'Not Available') message = `${e.status ? `HTTP ${e.status}: ` : ''}${miDescription}`;
  else if (failure) message = `${where} answered HTTP ${failure.status}: ${describeFailureBody(failure.body)}`;
  else message = firstSentence(rawMessage) || String(err);

  let hint = code ? AADSTS_HINTS[code] : undefined;
  if (!hint && oauthCode) hint = OAUTH_ERROR_HINTS[oauthCode];
  if (!hint && /endpoints_resolution_error|openid|authority/i.test(`${e.errorCode ?? ''} ${rawMessage}`)) {
    hint = `Could not read the sign-in metadata from ${where}: check --tenant-id and --authority-host.`;
  }
  if (!hint && ctx.method === 'managed-identity') {
    hint =
      'Check that a managed identity is enabled for this Azure resource and has the Graph permission User.Read.All; for a user-assigned identity give --managed-identity-client-id.';
  }
  if (code === '700027' && ctx.thumbprint) hint = `${hint} Thumbprint sent: ${ctx.thumbprint}.`;

  const text = `Microsoft Graph sign-in (${ctx.method}) failed: ${message}${hint ? `\n  ${hint}` : ''}`;
  return new GraphError(redactSecrets(text), e.status ?? failure?.status, code ? `AADSTS${code}` : e.errorCode);
}
