/**
 * `plan --verify-with-graph`, the pure part: every `set` row is checked against Entra's own user
 * with that address. The new key must be what Entra holds for that user (its object id, or its
 * onPremisesImmutableId, in the plan's notation), and the user must exist and be enabled. A row
 * that disagrees becomes `conflict` with the reason (a stale export, ids swapped between two
 * people, a deleted or disabled user). The caller reads Entra once (one listing), not per row.
 */
import { rowCheck } from './fingerprint.js';
import { deriveKey } from './keys.js';
import { normalizeAddress, userAddresses } from './match.js';
import { summarize } from './plan.js';
import type { KeyFormat, KeySource, PlanRow, PlanSummary, SourceUser } from './types.js';

export interface EntraUser {
  /** The user as the Graph source maps it (objectId, immutableId, addresses). */
  user: SourceUser;
  /** accountEnabled; undefined when Graph did not say. */
  enabled?: boolean;
}

export interface VerifyResult {
  rows: PlanRow[];
  summary: PlanSummary;
  /** How many set rows became conflict. */
  conflicts: number;
  /** How many set rows were checked and agree. */
  confirmed: number;
}

/** Which key sources can be checked against Entra at all. */
export function verifiableKeySource(source: KeySource): boolean {
  return source.kind !== 'column';
}

function label(u: SourceUser): string {
  return `${u.primaryEmail ?? u.userPrincipalName ?? u.emails[0] ?? '?'} (object id ${u.objectId ?? '?'})`;
}

export function verifyRowsWithEntra(rows: readonly PlanRow[], entra: readonly EntraUser[], keySource: KeySource, keyFormat: KeyFormat): VerifyResult {
  const byAddress = new Map<string, EntraUser[]>();
  const byUpn = new Map<string, EntraUser[]>();
  const byKey = new Map<string, EntraUser[]>();
  for (const e of entra) {
    for (const a of userAddresses(e.user)) byAddress.set(a, [...(byAddress.get(a) ?? []), e]);
    if (e.user.userPrincipalName) {
      const upn = normalizeAddress(e.user.userPrincipalName);
      byUpn.set(upn, [...(byUpn.get(upn) ?? []), e]);
    }
    const k = deriveKey(e.user, keySource, keyFormat);
    if (k.ok) byKey.set(k.key, [...(byKey.get(k.key) ?? []), e]);
  }
  let conflicts = 0;
  let confirmed = 0;
  const out = rows.map((row): PlanRow => {
    if (row.action !== 'set') return row;
    const conflict = (why: string): PlanRow => {
      conflicts++;
      const changed: PlanRow = { ...row, action: 'conflict', reason: `Entra check: ${why}` };
      return { ...changed, check: rowCheck(changed) };
    };
    const tried = [row.email, row.userName].filter((a) => a && a.trim());
    let found: EntraUser[] = [];
    // Mail and SMTP proxy addresses first; the UPN only when no user has the address as mail.
    for (const index of [byAddress, byUpn]) {
      for (const a of tried) {
        found = index.get(normalizeAddress(a)) ?? [];
        if (found.length) break;
      }
      if (found.length) break;
    }
    const holder = (byKey.get(row.newKey) ?? [])[0];
    if (found.length === 0) {
      return conflict(
        `no Entra user has the address ${tried.join(' or ')} (a deleted user, or a stale export)` +
          (holder ? `; the key ${row.newKey} belongs to Entra user ${label(holder.user)}` : ''),
      );
    }
    const distinct = [...new Set(found)];
    if (distinct.length > 1) {
      return conflict(`several Entra users have the address ${tried[0]}: ${distinct.map((e) => label(e.user)).join(', ')}`);
    }
    const e = distinct[0]!;
    if (e.enabled === false) return conflict(`the Entra user ${label(e.user)} is disabled (accountEnabled false)`);
    const expected = deriveKey(e.user, keySource, keyFormat);
    if (!expected.ok) return conflict(`Entra's user ${label(e.user)} gives no key: ${expected.reason}`);
    if (expected.key !== row.newKey) {
      const other = holder && holder !== e ? `; the plan's key belongs to Entra user ${label(holder.user)} (ids swapped between two people?)` : ' (a stale export?)';
      return conflict(`Entra holds ${expected.key} for ${label(e.user)}, but the plan would set ${row.newKey}${other}`);
    }
    confirmed++;
    return { ...row, reason: row.reason ? `${row.reason}; Entra agrees` : 'Entra agrees' };
  });
  return { rows: out, summary: summarize(out), conflicts, confirmed };
}
