/**
 * The SSO check, from settings: asks Microsoft Graph what the IdP sends as ZivverAccountKey
 * (src/sources/graph/sso.ts reads, src/core/sso.ts decides) and turns the answer into what
 * `plan --key-source sso`, `plan`/`sync --check-sso` and `sso-check` act on. Graph modules are
 * loaded only when an SSO check is asked for.
 */
import { formatKeySource, parseKeySource } from '../core/keys.js';
import type { KeyChangePlan } from '../core/plan.js';
import { sameKeyChoice, SSO_PERMISSIONS, type ServicePrincipalInfo, type SsoClaim } from '../core/sso.js';
import type { KeyFormat, KeySource } from '../core/types.js';
import { verifiableKeySource, verifyRowsWithEntra } from '../core/verify.js';
import { UsageError } from '../errors.js';
import type { GraphSourceDeps, GraphSourceOptions } from '../sources/graph/index.js';

/** What `plan` (and `sync`) check with Microsoft Graph before a key is planned. */
export interface SsoSafetySettings {
  /** The Graph sign-in (the --source graph options). */
  graph: GraphSourceOptions;
  /** --key-source sso: the plan's keySource/keyFormat are replaced by what the IdP sends. */
  keyFromIdp: boolean;
  /** With keyFromIdp: the --key-format given, which must be what the IdP sends. */
  keyFormat?: KeyFormat;
  /** --check-sso: refuse (exit 2) when keySource/keyFormat are not what the IdP sends. */
  checkSso: boolean;
  /** --verify-with-graph: set rows checked against Entra's users (one listing). */
  verifyWithGraph: boolean;
  /** --sso-app: the Zivver enterprise application (object id, appId or display name). */
  ssoApp?: string;
}

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

function purposeOf(sso: SsoSafetySettings): string {
  return [sso.keyFromIdp ? '--key-source sso' : '', sso.checkSso ? '--check-sso' : '', sso.verifyWithGraph ? '--verify-with-graph' : ''].filter(Boolean).join(' and ');
}

/**
 * The key source and format to plan with: what the IdP sends (--key-source sso), or the plan's own
 * after checking it against what the IdP sends (--check-sso). Refuses with UsageError (exit 2)
 * before any input is read or anything is asked of Zivver.
 */
export async function ssoKeyChoice(
  settings: { keySource: KeySource; keyFormat: KeyFormat },
  sso: SsoSafetySettings,
  deps: GraphSourceDeps,
): Promise<{ keySource: KeySource; keyFormat: KeyFormat }> {
  await requireGraphSignIn(sso.graph, deps.env, purposeOf(sso));
  let keySource = settings.keySource;
  let keyFormat = settings.keyFormat;
  if (sso.keyFromIdp || sso.checkSso) {
    const report = await readSsoReport(sso.graph, deps, sso.ssoApp);
    if (sso.keyFromIdp) {
      const idp = mappedOrRefuse(report, '--key-source sso');
      if (sso.keyFormat !== undefined && sso.keyFormat !== idp.keyFormat) {
        throw new UsageError(`--key-source sso: ${describeIdp(report)}, which is --key-format ${idp.keyFormat}, not --key-format ${sso.keyFormat}. Leave --key-format out.`);
      }
      keySource = parseKeySource(idp.keySource)!;
      keyFormat = idp.keyFormat;
      deps.logger.info(`--key-source sso: ${describeIdp(report)}: planning with --key-source ${idp.keySource} --key-format ${idp.keyFormat}.`);
      for (const n of report.notes) deps.logger.info(n);
    } else {
      checkPlanKeyChoice({ keySource: formatKeySource(keySource), keyFormat }, report);
      deps.logger.info(`--check-sso: ${describeIdp(report)}; the plan's --key-source ${formatKeySource(keySource)} --key-format ${keyFormat} matches.`);
    }
  }
  if (sso.verifyWithGraph && !verifiableKeySource(keySource)) {
    throw new UsageError(`--verify-with-graph compares keys with what Entra holds (object id, onPremisesImmutableId); it cannot check --key-source ${formatKeySource(keySource)}`);
  }
  return { keySource, keyFormat };
}

/**
 * --verify-with-graph: every set row checked against Entra's user with that address (one listing of
 * the tenant's users); rows that disagree become conflict. Adds a plan warning when some did.
 */
export async function verifyWithEntra(
  planned: KeyChangePlan,
  sso: SsoSafetySettings,
  key: { keySource: KeySource; keyFormat: KeyFormat },
  deps: GraphSourceDeps,
  warnings: string[],
): Promise<KeyChangePlan> {
  const { readEntraUsers } = await import('../sources/graph/index.js');
  const entra = await readEntraUsers(sso.graph, deps);
  const checked = verifyRowsWithEntra(planned.rows, entra, key.keySource, key.keyFormat);
  deps.logger.info(`--verify-with-graph: ${checked.confirmed} set row(s) agree with Entra ID; ${checked.conflicts} became conflict.`);
  if (checked.conflicts) {
    warnings.push(`--verify-with-graph: ${checked.conflicts} row(s) disagree with Entra ID and became conflict (see their reasons); they will not be written.`);
  }
  return { ...planned, rows: checked.rows, summary: checked.summary };
}
