/**
 * The SSO check, from settings: asks Microsoft Graph what the IdP sends as ZivverAccountKey
 * (src/sources/graph/sso.ts reads, src/core/sso.ts decides) and turns the answer into what
 * `plan --key-source sso`, `plan`/`sync --check-sso` and `sso-check` act on. Graph modules are
 * loaded only when an SSO check is asked for.
 */
import { sameKeyChoice, SSO_PERMISSIONS, type ServicePrincipalInfo, type SsoClaim } from '../core/sso.js';
import type { KeyFormat } from '../core/types.js';
import { UsageError } from '../errors.js';
import type { GraphSourceDeps, GraphSourceOptions } from '../sources/graph/index.js';

/** What sso-check reports (the JSON shape of `sso-check --output json`). */
export interface SsoReport {
  servicePrincipal: { id: string; appId: string; displayName: string } | null;
  claim: SsoClaim | null;
  keySource: string | null;
  keyFormat: KeyFormat | null;
  /** How the application was found (named by --sso-app, Zivver's SAML identifier, its name). */
  how?: string;
  /** Things the admin should know (a transformation, a column to supply, a policy overriding another). */
  notes: string[];
  /** Why there is no key source (not found, ambiguous, not mappable); absent when mapped. */
  error?: string;
  tenant: string;
}

/** Checks that Graph sign-in options are there before anything is sent; says what is missing. */
export async function requireGraphSignIn(opts: GraphSourceOptions, env: NodeJS.ProcessEnv, purpose: string): Promise<void> {
  const { selectSignInMethod } = await import('../sources/graph/auth.js');
  try {
    selectSignInMethod(opts, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const said = e.message.replace(/^--source graph needs one way to sign in to Microsoft Graph: /, 'one way to sign in: ');
    throw new UsageError(
      `${purpose} asks Microsoft Graph, so it needs --tenant-id, --client-id and ${said.startsWith('one way') ? said : `one way to sign in (${said})`}\n` +
        `  The app registration needs the Microsoft Graph application permissions ${SSO_PERMISSIONS.join(' and ')} (admin consent) for the SSO check` +
        `, and User.Read.All for --verify-with-graph. See docs/graph.md.`,
    );
  }
}

/** Reads what the IdP sends as ZivverAccountKey. Sign-in or permission failures throw GraphError (exit 3). */
export async function readSsoReport(opts: GraphSourceOptions, deps: GraphSourceDeps, ssoApp?: string): Promise<SsoReport> {
  const { checkSso } = await import('../sources/graph/sso.js');
  const r = await checkSso(opts, deps, ssoApp);
  if (!r.ok) return { servicePrincipal: null, claim: null, keySource: null, keyFormat: null, notes: [], error: r.reason, tenant: r.tenant };
  const sp = spOf(r.servicePrincipal);
  const f = r.finding;
  if (!f.ok) return { servicePrincipal: sp, claim: f.claim ?? null, keySource: null, keyFormat: null, how: r.how, notes: f.notes, error: f.reason, tenant: r.tenant };
  return { servicePrincipal: sp, claim: f.claim, keySource: f.keySource, keyFormat: f.keyFormat, how: r.how, notes: f.notes, tenant: r.tenant };
}

function spOf(s: ServicePrincipalInfo) {
  return { id: s.id, appId: s.appId, displayName: s.displayName };
}

/** One line naming what the IdP sends, for messages. */
export function describeIdp(r: SsoReport): string {
  const app = r.servicePrincipal ? `"${r.servicePrincipal.displayName}" (${r.servicePrincipal.id})` : 'the Zivver application';
  const claim = r.claim ? `${r.claim.attribute}${r.claim.transformation ? ` with ${r.claim.transformation}` : ''}` : 'no usable value';
  return `the IdP (${app}) sends ${claim} as ZivverAccountKey`;
}

/** A report that maps to a key source, or UsageError (exit 2) with the reason. */
export function mappedOrRefuse(r: SsoReport, flag: string): { keySource: string; keyFormat: KeyFormat } {
  if (r.keySource && r.keyFormat) return { keySource: r.keySource, keyFormat: r.keyFormat };
  throw new UsageError(`${flag}: cannot tell which key the IdP sends: ${r.error ?? 'unknown'}.\n  Nothing was planned. Run zivver-keytool sso-check for details.`);
}

/**
 * plan/sync --check-sso: refuses (exit 2) when the plan's key source or format is not what the IdP
 * sends, naming both.
 */
export function checkPlanKeyChoice(plan: { keySource: string; keyFormat: KeyFormat }, r: SsoReport): void {
  const idp = mappedOrRefuse(r, '--check-sso');
  if (sameKeyChoice(plan, idp)) return;
  throw new UsageError(
    `--check-sso: the plan would write --key-source ${plan.keySource} --key-format ${plan.keyFormat}, but ${describeIdp(r)}, ` +
      `which is --key-source ${idp.keySource} --key-format ${idp.keyFormat}.\n` +
      `  Nothing was written. Users would be locked out of SSO with these keys. Plan with --key-source ${idp.keySource} --key-format ${idp.keyFormat} ` +
      `(or --key-source sso), or correct the claim in Entra first.`,
  );
}
