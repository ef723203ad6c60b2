/**
 * Graph user → SourceUser. Pure.
 *
 * Shared mailboxes: Graph's /users cannot tell them apart reliably (they are user objects,
 * normally with accountEnabled=false, and Graph exposes no RecipientTypeDetails). Disabled
 * people exist too (leavers, people on leave), so accountEnabled=false is NOT a reason to skip.
 * That is safe for Zivver: shared mailboxes are functional accounts (SCIM Groups) there, not users,
 * so such a row simply finds no account ("not-found"). See docs/graph.md.
 */
import type { SourceUser } from '../../core/types.js';
import type { GraphUser } from './client.js';

export const GRAPH_INPUT = 'graph';

/** SMTP addresses from proxyAddresses ("SMTP:" marks the primary, "smtp:" the others; X500:, SIP: … are not addresses). */
export function smtpAddresses(proxyAddresses: readonly string[] | null | undefined): { primary?: string; all: string[] } {
  let primary: string | undefined;
  const all: string[] = [];
  for (const raw of proxyAddresses ?? []) {
    if (typeof raw !== 'string') continue;
    const m = /^\s*smtp:(.*)$/i.exec(raw);
    if (!m) continue;
    const addr = m[1]!.trim();
    if (!addr) continue;
    if (raw.trimStart().startsWith('SMTP:') && primary === undefined) primary = addr;
    all.push(addr);
  }
  return { primary, all };
}

function dedupe(addresses: (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of addresses) {
    if (!a) continue;
    const k = a.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** @param ordinal 1-based position in what Graph returned (becomes `line`). */
export function mapGraphUser(user: GraphUser, ordinal: number): SourceUser {
  const mail = text(user.mail);
  const upn = text(user.userPrincipalName);
  const smtp = smtpAddresses(user.proxyAddresses);
  // Graph's `mail` is the primary SMTP address; the "SMTP:" proxy address stands in when it is empty.
  const primaryEmail = mail ?? smtp.primary;
  const emails = dedupe([primaryEmail, ...smtp.all]);

  const columns: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (v === null || v === undefined) return;
    columns[k.toLowerCase()] = Array.isArray(v) ? v.join(';') : String(v);
  };
  for (const [k, v] of Object.entries(user)) if (!k.startsWith('@odata')) put(k, v);

  let skipReason: string | undefined;
  if (text(user.userType)?.toLowerCase() === 'guest') skipReason = 'guest user (userType Guest)';
  else if (upn?.toUpperCase().includes('#EXT#')) skipReason = 'external user (#EXT# in userPrincipalName)';
  else if (emails.length === 0) skipReason = 'no mailbox address (no mail and no SMTP proxy address)';

  const out: SourceUser = {
    input: GRAPH_INPUT,
    line: ordinal,
    emails,
    columns,
    warnings: [],
  };
  if (primaryEmail) out.primaryEmail = primaryEmail;
  if (upn) out.userPrincipalName = upn;
  const displayName = text(user.displayName);
  if (displayName) out.displayName = displayName;
  const id = text(user.id);
  if (id) out.objectId = id;
  // objectGuid stays undefined: the key code derives it from immutableId (base64 of the GUID bytes).
  const immutableId = text(user.onPremisesImmutableId);
  if (immutableId) out.immutableId = immutableId;
  if (skipReason) out.skipReason = skipReason;
  return out;
}
