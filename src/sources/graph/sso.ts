/**
 * The SSO check's Graph reads: find the Zivver enterprise application (service principal) and read
 * its SAML claims, the custom claims policy (beta `/servicePrincipals/{id}/claimsPolicy`, what the
 * admin center's "Attributes & Claims" edits) and the claims mapping policies assigned to it
 * (`/servicePrincipals/{id}/claimsMappingPolicies`). src/core/sso.ts decides what they mean.
 * Needs the application permissions Application.Read.All and Policy.Read.ApplicationConfiguration.
 */
import {
  SSO_PERMISSIONS,
  ZIVVER_SAML_IDENTIFIER,
  chooseZivverApp,
  findZivverClaim,
  ssoAppLookup,
  type ClaimsMappingPolicyInfo,
  type ServicePrincipalInfo,
  type SsoFinding,
} from '../../core/sso.js';
import { openGraphSession, type GraphSourceDeps, type GraphSourceOptions } from './index.js';
import { quoted, shown } from '../../core/shown.js';

const SP_SELECT = 'id,appId,displayName,servicePrincipalNames,preferredSingleSignOnMode,applicationTemplateId';
const APP_READ = ['Application.Read.All'] as const;

export type SsoCheckResult =
  | { ok: true; servicePrincipal: ServicePrincipalInfo; how: string; finding: SsoFinding; tenant: string }
  | { ok: false; reason: string; candidates: ServicePrincipalInfo[]; tenant: string };

/** OData string literal: single quotes doubled. */
function odataString(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function pick(sp: Record<string, unknown>): ServicePrincipalInfo {
  return {
    id: String(sp.id ?? ''),
    appId: String(sp.appId ?? ''),
    displayName: String(sp.displayName ?? ''),
    ...(Array.isArray(sp.servicePrincipalNames) ? { servicePrincipalNames: sp.servicePrincipalNames.map(String) } : {}),
    ...(sp.preferredSingleSignOnMode !== undefined ? { preferredSingleSignOnMode: (sp.preferredSingleSignOnMode as string | null) ?? null } : {}),
    ...(sp.applicationTemplateId !== undefined ? { applicationTemplateId: (sp.applicationTemplateId as string | null) ?? null } : {}),
  };
}

/** Finds the Zivver application and reads what its SAML claims send as ZivverAccountKey. */
export async function checkSso(opts: GraphSourceOptions, deps: GraphSourceDeps, ssoApp?: string): Promise<SsoCheckResult> {
  const session = openGraphSession(opts, deps);
  const tenant = await session.signIn();
  const r = session.reader;
  const spRead = { what: 'the enterprise applications (service principals)', permissions: APP_READ };

  let app: ServicePrincipalInfo;
  let how: string;
  if (ssoApp !== undefined && ssoApp.trim() !== '') {
    const lookup = ssoAppLookup(ssoApp);
    if (lookup.kind === 'guid') {
      const byId = await r.getObject<Record<string, unknown>>(`/servicePrincipals/${lookup.id}?$select=${SP_SELECT}`, spRead);
      const found = byId ?? (await r.getObject<Record<string, unknown>>(`/servicePrincipals(appId=${odataString(lookup.id)})?$select=${SP_SELECT}`, spRead));
      if (!found) {
        return { ok: false, reason: `no enterprise application has the object id or appId ${shown(lookup.id)} in tenant ${tenant} (--sso-app)`, candidates: [], tenant };
      }
      app = pick(found);
      how = byId ? `named by --sso-app (object id)` : `named by --sso-app (appId)`;
    } else {
      const named = await r.listObjects<Record<string, unknown>>(
        `/servicePrincipals?$filter=${encodeURIComponent(`displayName eq ${odataString(lookup.name)}`)}&$select=${SP_SELECT}`,
        spRead,
      );
      if (named.length === 0) return { ok: false, reason: `no enterprise application is named ${quoted(lookup.name)} in tenant ${tenant} (--sso-app)`, candidates: [], tenant };
      if (named.length > 1) {
        const c = named.map(pick);
        return {
          ok: false,
          reason: `${c.length} enterprise applications are named ${quoted(lookup.name)}: ${c.map((x) => `object id ${x.id} (appId ${x.appId})`).join(', ')}. Name one by its object id with --sso-app`,
          candidates: c,
          tenant,
        };
      }
      app = pick(named[0]!);
      how = 'named by --sso-app (display name)';
    }
  } else {
    const byIdentifier = await r.listObjects<Record<string, unknown>>(
      `/servicePrincipals?$filter=${encodeURIComponent(`servicePrincipalNames/any(x:x eq ${odataString(ZIVVER_SAML_IDENTIFIER)})`)}&$select=${SP_SELECT}`,
      spRead,
    );
    const byName = await r.listObjects<Record<string, unknown>>(
      `/servicePrincipals?$filter=${encodeURIComponent(`startswith(displayName,${odataString('Zivver')})`)}&$select=${SP_SELECT}`,
      spRead,
    );
    const choice = chooseZivverApp([...byIdentifier, ...byName].map(pick));
    if (!choice.ok) return { ok: false, reason: choice.reason, candidates: choice.candidates, tenant };
    app = choice.app;
    how = choice.how;
  }
  deps.logger.verbose(`Zivver application: "${app.displayName}" (object id ${app.id}, appId ${app.appId}); ${how}.`);

  const policyRead = { permissions: SSO_PERMISSIONS };
  const custom = await r.getObject<unknown>(`/servicePrincipals/${encodeURIComponent(app.id)}/claimsPolicy`, {
    ...policyRead,
    version: 'beta',
    what: `the SAML claims (custom claims policy) of "${app.displayName}"`,
  });
  const mapping = await r.listObjects<Record<string, unknown>>(`/servicePrincipals/${encodeURIComponent(app.id)}/claimsMappingPolicies`, {
    ...policyRead,
    what: `the claims mapping policies assigned to "${app.displayName}" (Microsoft also documents Policy.Read.All for this listing)`,
  });
  const policies: ClaimsMappingPolicyInfo[] = mapping.map((p) => ({
    id: String(p.id ?? ''),
    displayName: typeof p.displayName === 'string' ? p.displayName : null,
    definition: p.definition,
  }));
  const finding = findZivverClaim(custom, policies);
  if (app.preferredSingleSignOnMode && app.preferredSingleSignOnMode.toLowerCase() !== 'saml') {
    finding.notes.push(`The application's single sign-on mode is ${app.preferredSingleSignOnMode}, not SAML: these claims are only sent with SAML sign-in.`);
  }
  return { ok: true, servicePrincipal: app, how, finding, tenant };
}
