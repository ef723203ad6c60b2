/**
 * SSO safety, the pure part: which value does the identity provider send as `ZivverAccountKey`,
 * and which `--key-source`/`--key-format` reproduces it. Reads the two shapes Microsoft Graph
 * returns for an enterprise application's SAML claims:
 *  - the custom claims policy (beta `GET /servicePrincipals/{id}/claimsPolicy`), which the Entra
 *    admin center's "Attributes & Claims" page edits: `claims[]` of `#microsoft.graph.customClaim`
 *    with `name`, `namespace`, `tokenFormat` and `configurations[]` of `{condition, attribute,
 *    transformations}`; an attribute is a `#microsoft.graph.sourcedAttribute` `{id, source,
 *    isExtensionAttribute}` or a `#microsoft.graph.valueBasedAttribute` `{value}`;
 *  - the older claims mapping policies (`GET /servicePrincipals/{id}/claimsMappingPolicies`), whose
 *    `definition` is a list of JSON strings `{"ClaimsMappingPolicy": {"ClaimsSchema": [{"Source",
 *    "ID" | "ExtensionID" | "Value", "SamlClaimType", "TransformationId"}], "ClaimsTransformation":
 *    [{"ID", "TransformationMethod", "InputClaims", "InputParameters", "OutputClaims"}]}}`.
 * A claims mapping policy assigned to the application overrides what "Attributes & Claims" says
 * (the admin center shows that banner), so when one is assigned it decides.
 * No I/O here: src/sources/graph/sso.ts fetches, this file decides.
 */
import { formatKeySource } from './keys.js';
import type { KeyFormat, KeySource } from './types.js';

export const ZIVVER_CLAIM_NAME = 'ZivverAccountKey';
export const ZIVVER_CLAIM_NAMESPACE = 'https://zivver.com/SAML/Attributes';
export const ZIVVER_CLAIM_URI = `${ZIVVER_CLAIM_NAMESPACE}/${ZIVVER_CLAIM_NAME}`;
/** The Identifier (Entity ID) of Microsoft's Zivver gallery application: one per tenant. */
export const ZIVVER_SAML_IDENTIFIER = 'https://app.zivver.com/SAML/Zivver';
/** What the permissions error names: finding the application, and reading its claims. */
export const SSO_PERMISSIONS = ['Application.Read.All', 'Policy.Read.ApplicationConfiguration'] as const;

export interface ServicePrincipalInfo {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalNames?: string[];
  preferredSingleSignOnMode?: string | null;
  applicationTemplateId?: string | null;
}

/** The claim as the IdP sends it (the sso-check JSON's `claim`). */
export interface SsoClaim {
  name: string;
  namespace: string;
  /** Where the value comes from: `user` (a user attribute), `transformation`, `constant`, ... */
  source: string;
  /** The attribute as the admin center writes it, e.g. `user.objectid`, `user.extension_<app>_objectGUID`. */
  attribute: string;
  /** The transformation applied to it, e.g. `toLowercase()`, or null. */
  transformation: string | null;
  /** Which policy said so: `claimsPolicy` (Attributes & Claims) or `claimsMappingPolicy <name> (<id>)`. */
  policy: string;
}

export type SsoFinding =
  | { ok: true; claim: SsoClaim; keySource: string; keyFormat: KeyFormat; notes: string[] }
  | { ok: false; reason: string; claim?: SsoClaim; notes: string[] };

// ---------------------------------------------------------------- small JSON helpers

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Property by name in any letter case (claims mapping policies are written by hand). */
function prop(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function odataType(o: Json): string {
  return (str(o['@odata.type']) ?? '').replace(/^#?microsoft\.graph\./i, '');
}

function sameNamespace(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

// ---------------------------------------------------------------- describing a value source

/** One way the claim gets its value (one configuration, or one claims schema entry). */
interface ValueSource {
  source: string;
  attribute: string;
  /** Attribute id without the source, lower-cased (`objectid`, `extension_..._objectguid`). */
  attributeId: string;
  isExtension: boolean;
  transformation: string | null;
  /** The transformations by name, lower-cased without suffix (`tolowercase`), for mapping. */
  transformationKinds: string[];
  condition: string | null;
}

function describeSourced(a: Json): Pick<ValueSource, 'source' | 'attribute' | 'attributeId' | 'isExtension'> {
  const type = odataType(a);
  if (type === 'valueBasedAttribute' || (prop(a, 'value') !== undefined && prop(a, 'id') === undefined)) {
    const value = String(prop(a, 'value') ?? '');
    return { source: 'constant', attribute: JSON.stringify(value), attributeId: '', isExtension: false };
  }
  const source = (str(prop(a, 'source')) ?? 'user').trim().toLowerCase() || 'user';
  const id = (str(prop(a, 'id')) ?? '').trim();
  const isExtension = prop(a, 'isExtensionAttribute') === true || /^extension_[0-9a-f]{32}_/i.test(id);
  return { source, attribute: `${source}.${id}`, attributeId: id.toLowerCase(), isExtension };
}

function transformationText(t: Json): { text: string; kind: string } {
  const type = odataType(t);
  const kind = type.replace(/Transformation$/i, '') || 'unknown';
  const args: string[] = [];
  for (const k of ['regex', 'replacement', 'separator', 'value', 'startIndex', 'length', 'type']) {
    const v = prop(t, k);
    if (v !== undefined && v !== null && (typeof v === 'string' || typeof v === 'number')) args.push(`${k} ${JSON.stringify(v)}`);
  }
  const name = kind.charAt(0).toLowerCase() + kind.slice(1);
  return { text: `${name}(${args.join(', ')})`, kind: name.toLowerCase() };
}

function conditionText(c: unknown): string | null {
  if (!isObject(c)) return null;
  const parts: string[] = [];
  const userType = str(prop(c, 'userType'));
  if (userType) parts.push(`userType ${userType}`);
  const memberOf = prop(c, 'memberOf');
  if (Array.isArray(memberOf) && memberOf.length) parts.push(`member of ${memberOf.join(', ')}`);
  return parts.length ? parts.join(' and ') : 'a condition';
}

/** A customClaim configuration → its value source (the transformations' first input when no attribute). */
function describeConfiguration(cfg: Json): ValueSource {
  const transformations = (Array.isArray(prop(cfg, 'transformations')) ? (prop(cfg, 'transformations') as unknown[]) : []).filter(isObject);
  let attribute = isObject(prop(cfg, 'attribute')) ? (prop(cfg, 'attribute') as Json) : undefined;
  if (transformations.length) {
    // The transformations' output takes priority; their first input is what is transformed.
    const input = prop(transformations[0]!, 'input');
    const inner = isObject(input) ? prop(input, 'attribute') : undefined;
    if (isObject(inner)) attribute = inner;
  }
  const base = attribute ? describeSourced(attribute) : { source: 'none', attribute: '(no attribute)', attributeId: '', isExtension: false };
  const ts = transformations.map(transformationText);
  return {
    ...base,
    transformation: ts.length ? ts.map((t) => t.text).join(' then ') : null,
    transformationKinds: ts.map((t) => t.kind),
    condition: conditionText(prop(cfg, 'condition')),
  };
}

// ---------------------------------------------------------------- custom claims policy

interface Located {
  policy: string;
  name: string;
  namespace: string;
  sources: ValueSource[];
  notes: string[];
}

/** The ZivverAccountKey claim(s) in a custom claims policy (beta claimsPolicy). */
function fromCustomPolicy(policy: unknown): { found: Located[]; notes: string[] } {
  const notes: string[] = [];
  if (!isObject(policy)) return { found: [], notes };
  const claims = Array.isArray(prop(policy, 'claims')) ? (prop(policy, 'claims') as unknown[]) : [];
  const found: Located[] = [];
  for (const c of claims) {
    if (!isObject(c)) continue;
    const type = odataType(c);
    if (type && type !== 'customClaim') continue; // the NameID claim and others
    const name = str(prop(c, 'name')) ?? '';
    const namespace = str(prop(c, 'namespace')) ?? '';
    if (name.toLowerCase() !== ZIVVER_CLAIM_NAME.toLowerCase()) continue;
    const formats = prop(c, 'tokenFormat');
    if (Array.isArray(formats) && formats.length && !formats.some((f) => String(f).toLowerCase() === 'saml')) {
      notes.push(`Attributes & Claims has a ${name} claim for ${formats.join('/')} tokens only, not for SAML.`);
      continue;
    }
    const cfgs = (Array.isArray(prop(c, 'configurations')) ? (prop(c, 'configurations') as unknown[]) : []).filter(isObject);
    found.push({ policy: 'claimsPolicy', name, namespace, sources: cfgs.map(describeConfiguration), notes: [] });
  }
  return { found, notes };
}

// ---------------------------------------------------------------- claims mapping policies

export interface ClaimsMappingPolicyInfo {
  id: string;
  displayName?: string | null;
  /** As Graph returns it: a list of JSON strings (one in practice). */
  definition: unknown;
}

function parseDefinition(def: unknown): { policy?: Json; problem?: string } {
  const texts = Array.isArray(def) ? def : [def];
  for (const t of texts) {
    let v: unknown = t;
    if (typeof t === 'string') {
      try {
        v = JSON.parse(t);
      } catch {
        return { problem: 'its definition is not valid JSON' };
      }
    }
    if (isObject(v)) {
      const inner = prop(v, 'ClaimsMappingPolicy');
      if (isObject(inner)) return { policy: inner };
    }
  }
  return { problem: 'its definition has no ClaimsMappingPolicy' };
}

function fromMappingPolicy(p: ClaimsMappingPolicyInfo): { found: Located[]; notes: string[] } {
  const label = `claimsMappingPolicy ${p.displayName ? `"${p.displayName}" ` : ''}(${p.id})`;
  const { policy, problem } = parseDefinition(p.definition);
  if (!policy) return { found: [], notes: [`The ${label} cannot be read: ${problem}.`] };
  const schema = (Array.isArray(prop(policy, 'ClaimsSchema')) ? (prop(policy, 'ClaimsSchema') as unknown[]) : []).filter(isObject);
  const transforms = (Array.isArray(prop(policy, 'ClaimsTransformation')) ? (prop(policy, 'ClaimsTransformation') as unknown[]) : []).filter(isObject);
  const entrySource = (e: Json): Pick<ValueSource, 'source' | 'attribute' | 'attributeId' | 'isExtension'> => {
    const value = prop(e, 'Value');
    if (value !== undefined) return { source: 'constant', attribute: JSON.stringify(String(value)), attributeId: '', isExtension: false };
    const source = (str(prop(e, 'Source')) ?? 'user').toLowerCase();
    const ext = str(prop(e, 'ExtensionID'));
    if (ext) return { source, attribute: `${source}.${ext}`, attributeId: ext.toLowerCase(), isExtension: true };
    const id = str(prop(e, 'ID')) ?? '';
    return { source, attribute: `${source}.${id}`, attributeId: id.toLowerCase(), isExtension: /^extension_[0-9a-f]{32}_/i.test(id) };
  };
  const found: Located[] = [];
  for (const e of schema) {
    const type = str(prop(e, 'SamlClaimType')) ?? '';
    if (!type.toLowerCase().endsWith(`/${ZIVVER_CLAIM_NAME.toLowerCase()}`)) continue;
    const cut = type.lastIndexOf('/');
    const name = type.slice(cut + 1);
    const namespace = type.slice(0, cut);
    const tid = str(prop(e, 'TransformationId')) ?? str(prop(e, 'TransformationID'));
    let vs: ValueSource;
    if (tid || (str(prop(e, 'Source')) ?? '').toLowerCase() === 'transformation') {
      const t = transforms.find((x) => (str(prop(x, 'ID')) ?? '') === tid);
      if (!t) {
        vs = { source: 'transformation', attribute: '(unknown)', attributeId: '', isExtension: false, transformation: `${tid ?? '?'} (not defined in the policy)`, transformationKinds: ['unknown'], condition: null };
      } else {
        const method = str(prop(t, 'TransformationMethod')) ?? 'unknown';
        const inputs = (Array.isArray(prop(t, 'InputClaims')) ? (prop(t, 'InputClaims') as unknown[]) : []).filter(isObject);
        const params = (Array.isArray(prop(t, 'InputParameters')) ? (prop(t, 'InputParameters') as unknown[]) : []).filter(isObject);
        const ref = str(prop(inputs[0] ?? {}, 'ClaimTypeReferenceId'));
        const input = schema.find((x) => x !== e && (str(prop(x, 'ID')) ?? str(prop(x, 'ExtensionID'))) === ref);
        const base = input ? entrySource(input) : { source: 'unknown', attribute: `(${ref ?? 'no input'})`, attributeId: '', isExtension: false };
        const args = [
          ...inputs.slice(1).map((i) => String(prop(i, 'ClaimTypeReferenceId') ?? '')),
          ...params.map((x) => `${String(prop(x, 'ID') ?? '')} ${JSON.stringify(String(prop(x, 'Value') ?? ''))}`),
        ].filter(Boolean);
        const kind = method.charAt(0).toLowerCase() + method.slice(1);
        vs = { ...base, transformation: `${kind}(${args.join(', ')})`, transformationKinds: [kind.toLowerCase()], condition: null };
      }
    } else {
      vs = { ...entrySource(e), transformation: null, transformationKinds: [], condition: null };
    }
    found.push({ policy: label, name, namespace, sources: [vs], notes: [] });
  }
  return { found, notes: [] };
}

// ---------------------------------------------------------------- mapping to key source/format

function keyFor(vs: ValueSource): { ok: true; keySource: KeySource; keyFormat: KeyFormat; notes: string[] } | { ok: false; reason: string } {
  const kinds = vs.transformationKinds;
  const onlyLowercase = kinds.length > 0 && kinds.every((k) => k === 'tolowercase');
  if (vs.source === 'constant') return { ok: false, reason: `the claim sends the constant ${vs.attribute} to everyone, not a per-user key` };
  if (vs.source !== 'user') return { ok: false, reason: `the claim's value comes from ${vs.attribute}, not from a user attribute` };
  if (vs.attributeId === 'objectid') {
    if (kinds.length === 0 || onlyLowercase) {
      return { ok: true, keySource: { kind: 'objectId' }, keyFormat: 'guid', notes: onlyLowercase ? ['toLowercase() changes nothing: object ids are written lower-case.'] : [] };
    }
  } else if (vs.attributeId === 'onpremisesimmutableid') {
    if (kinds.length === 0) return { ok: true, keySource: { kind: 'immutableId' }, keyFormat: 'raw', notes: [] };
  } else if (vs.isExtension && /objectguid$/i.test(vs.attributeId)) {
    if (kinds.length === 0) {
      return {
        ok: true,
        keySource: { kind: 'objectGuid' },
        keyFormat: 'base64',
        notes: [
          `${vs.attribute} is the AD objectGUID synced by Entra Connect as a directory extension. Entra sends a binary extension base64-encoded ` +
            '(the same text as the ImmutableId), hence --key-format base64; if your extension holds the GUID as text, plan with --key-format guid instead.',
        ],
      };
    }
  } else if (kinds.length === 0) {
    const column = vs.attribute.replace(/^user\./i, '');
    return {
      ok: true,
      keySource: { kind: 'column', column },
      keyFormat: 'raw',
      notes: [
        `The IdP sends ${vs.attribute}, which zivver-keytool cannot derive itself: you must supply it as a column named "${column}" ` +
          `in the --input file (for example an export that includes that attribute) and plan with --key-source column:${column}.`,
      ],
    };
  }
  return {
    ok: false,
    reason:
      `the claim sends ${vs.attribute} transformed with ${vs.transformation}; zivver-keytool cannot reproduce that transformation. ` +
      'Export the transformed value per user as a column and plan with --key-source column:<Name>, or remove the transformation',
  };
}

/**
 * Decides what the IdP sends as ZivverAccountKey from the application's custom claims policy
 * (null when it has none) and its assigned claims mapping policies.
 */
export function findZivverClaim(customPolicy: unknown, mappingPolicies: readonly ClaimsMappingPolicyInfo[]): SsoFinding {
  const notes: string[] = [];
  let located: Located[];
  if (mappingPolicies.length) {
    const all = mappingPolicies.map(fromMappingPolicy);
    for (const r of all) notes.push(...r.notes);
    located = all.flatMap((r) => r.found);
    notes.push(
      `A claims mapping policy is assigned to this application (${mappingPolicies.map((p) => p.displayName || p.id).join(', ')}); it overrides Attributes & Claims in the Entra admin center.`,
    );
    if (!located.length) {
      return { ok: false, reason: `the claims mapping policy assigned to the application sends no ${ZIVVER_CLAIM_NAME} claim (it overrides Attributes & Claims, so none is sent)`, notes };
    }
  } else {
    const r = fromCustomPolicy(customPolicy);
    notes.push(...r.notes);
    located = r.found;
    if (!located.length) {
      return {
        ok: false,
        reason:
          `the application's SAML claims (Attributes & Claims) have no ${ZIVVER_CLAIM_NAME} claim for SAML, so Zivver receives no account key. ` +
          `Add the claim ${ZIVVER_CLAIM_NAME} in namespace ${ZIVVER_CLAIM_NAMESPACE} (Microsoft's Zivver tutorial uses the source attribute user.objectid)`,
        notes,
      };
    }
  }
  if (located.length > 1) {
    return { ok: false, reason: `${located.length} ${ZIVVER_CLAIM_NAME} claims are configured (${located.map((l) => l.policy).join(', ')}); keep one`, notes };
  }
  const l = located[0]!;
  notes.push(...l.notes);
  const first = l.sources[0];
  if (!first) {
    return { ok: false, reason: `the ${ZIVVER_CLAIM_NAME} claim in the ${l.policy} has no source attribute`, notes };
  }
  const claim: SsoClaim = {
    name: l.name,
    namespace: l.namespace,
    source: first.source,
    attribute: first.attribute,
    transformation: first.transformation,
    policy: l.policy,
  };
  if (l.name !== ZIVVER_CLAIM_NAME || l.namespace.replace(/\/+$/, '') !== ZIVVER_CLAIM_NAMESPACE) {
    const exact = sameNamespace(l.namespace, ZIVVER_CLAIM_NAMESPACE);
    return {
      ok: false,
      claim,
      reason:
        `the claim is sent as "${l.namespace}/${l.name}", but Zivver expects exactly "${ZIVVER_CLAIM_URI}"` +
        (exact ? ' (the letter case differs)' : '') +
        `; correct the claim's name or namespace in Attributes & Claims`,
      notes,
    };
  }
  const distinct = new Map(l.sources.map((s) => [`${s.attribute}|${s.transformation ?? ''}`, s]));
  if (distinct.size > 1) {
    const list = l.sources.map((s) => `${s.attribute}${s.transformation ? ` with ${s.transformation}` : ''}${s.condition ? ` when ${s.condition}` : ''}`);
    return { ok: false, claim, reason: `the ${ZIVVER_CLAIM_NAME} claim takes its value from different attributes depending on conditions (${list.join('; ')}); one key source cannot match all users`, notes };
  }
  const mapped = keyFor(first);
  if (!mapped.ok) return { ok: false, claim, reason: mapped.reason, notes };
  return { ok: true, claim, keySource: formatKeySource(mapped.keySource), keyFormat: mapped.keyFormat, notes: [...notes, ...mapped.notes] };
}

// ---------------------------------------------------------------- finding the application

export type AppChoice =
  | { ok: true; app: ServicePrincipalInfo; how: string }
  | { ok: false; reason: string; candidates: ServicePrincipalInfo[] };

function hasZivverIdentifier(sp: ServicePrincipalInfo): boolean {
  return (sp.servicePrincipalNames ?? []).some((n) => n.replace(/\/+$/, '').toLowerCase() === ZIVVER_SAML_IDENTIFIER.toLowerCase());
}

function list(sps: readonly ServicePrincipalInfo[]): string {
  return sps.map((s) => `"${s.displayName}" (object id ${s.id}, appId ${s.appId})`).join(', ');
}

/**
 * Picks the Zivver enterprise application among candidates found without --sso-app: the one with
 * Zivver's SAML identifier, else the one whose name says Zivver; refuses when several qualify.
 */
export function chooseZivverApp(candidates: readonly ServicePrincipalInfo[]): AppChoice {
  const unique = [...new Map(candidates.map((c) => [c.id, c])).values()];
  const byIdentifier = unique.filter(hasZivverIdentifier);
  if (byIdentifier.length === 1) return { ok: true, app: byIdentifier[0]!, how: `found by Zivver's SAML identifier ${ZIVVER_SAML_IDENTIFIER}` };
  if (byIdentifier.length > 1) {
    return { ok: false, reason: `several enterprise applications carry Zivver's SAML identifier: ${list(byIdentifier)}. Name one with --sso-app <object id>`, candidates: byIdentifier };
  }
  const byName = unique.filter((c) => /zivver/i.test(c.displayName));
  if (byName.length === 1) {
    return { ok: true, app: byName[0]!, how: `found by its display name (it does not carry Zivver's SAML identifier ${ZIVVER_SAML_IDENTIFIER}; check this is the application Zivver signs in with)` };
  }
  if (byName.length > 1) {
    return { ok: false, reason: `several enterprise applications are named like Zivver: ${list(byName)}. Name the one Zivver signs in with: --sso-app <object id|appId|display name>`, candidates: byName };
  }
  return {
    ok: false,
    reason: `no enterprise application for Zivver was found (none carries the SAML identifier ${ZIVVER_SAML_IDENTIFIER} or is named Zivver). Name it with --sso-app <object id|appId|display name>`,
    candidates: [],
  };
}

/** How a --sso-app value is looked up. */
export function ssoAppLookup(value: string): { kind: 'guid'; id: string } | { kind: 'name'; name: string } {
  const v = value.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return { kind: 'guid', id: v.toLowerCase() };
  return { kind: 'name', name: v };
}

/** Whether a plan's key source/format is what the IdP sends (source names compare case-insensitively). */
export function sameKeyChoice(a: { keySource: string; keyFormat: string }, b: { keySource: string; keyFormat: string }): boolean {
  const norm = (s: string) => (s.toLowerCase().startsWith('column:') ? `column:${s.slice(7).trim().toLowerCase()}` : s.toLowerCase());
  return norm(a.keySource) === norm(b.keySource) && a.keyFormat === b.keyFormat;
}
