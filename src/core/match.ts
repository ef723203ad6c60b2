/**
 * Matching source users to Zivver accounts. Pure.
 *
 * Rule (SPEC): an account whose userName equals the user's primary address (case-insensitive,
 * trimmed) wins; else any of the user's SMTP addresses equal to an account's userName or alias.
 * More than one account → ambiguous. The UPN is used only when the user has no SMTP address at all.
 */
import type { SourceUser, ZivverAccount } from './types.js';

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

export interface AccountIndex {
  byUserName: Map<string, ZivverAccount[]>;
  byAlias: Map<string, ZivverAccount[]>;
  byId: Map<string, ZivverAccount>;
}

function push(map: Map<string, ZivverAccount[]>, key: string, account: ZivverAccount): void {
  const list = map.get(key);
  if (!list) map.set(key, [account]);
  else if (!list.includes(account)) list.push(account);
}

export function indexAccounts(accounts: readonly ZivverAccount[]): AccountIndex {
  const index: AccountIndex = { byUserName: new Map(), byAlias: new Map(), byId: new Map() };
  for (const account of accounts) {
    index.byId.set(account.id, account);
    if (account.userName) push(index.byUserName, normalizeAddress(account.userName), account);
    for (const alias of account.aliases) {
      if (alias) push(index.byAlias, normalizeAddress(alias), account);
    }
  }
  return index;
}

/** Every address of a user we may match on, primary first, normalised and de-duplicated. */
export function userAddresses(user: SourceUser): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (a: string | undefined) => {
    if (!a) return;
    const n = normalizeAddress(a);
    if (n && !seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  };
  add(user.primaryEmail);
  for (const e of user.emails) add(e);
  return out;
}

/** The address a row is shown under: primary, else first SMTP address, else UPN. */
export function displayAddress(user: SourceUser): string {
  return (user.primaryEmail ?? user.emails[0] ?? user.userPrincipalName ?? '').trim();
}

export type MatchResult =
  | { kind: 'matched'; account: ZivverAccount; how: string }
  | { kind: 'not-found'; tried: string[] }
  | { kind: 'ambiguous'; accounts: ZivverAccount[]; how: string }
  | { kind: 'no-address' };

export function matchAccount(user: SourceUser, index: AccountIndex): MatchResult {
  let addresses = userAddresses(user);
  let viaUpn = false;
  if (addresses.length === 0 && user.userPrincipalName?.includes('@')) {
    addresses = [normalizeAddress(user.userPrincipalName)];
    viaUpn = true;
  }
  if (addresses.length === 0) return { kind: 'no-address' };

  const primary = user.primaryEmail ? normalizeAddress(user.primaryEmail) : viaUpn ? addresses[0] : undefined;
  if (primary) {
    const byPrimary = index.byUserName.get(primary) ?? [];
    if (byPrimary.length === 1) {
      return { kind: 'matched', account: byPrimary[0], how: viaUpn ? 'userName = UserPrincipalName' : 'userName = primary address' };
    }
    if (byPrimary.length > 1) {
      return { kind: 'ambiguous', accounts: byPrimary, how: `${byPrimary.length} accounts have userName ${primary}` };
    }
  }

  const found = new Map<string, { account: ZivverAccount; via: string }>();
  for (const address of addresses) {
    for (const account of index.byUserName.get(address) ?? []) {
      if (!found.has(account.id)) found.set(account.id, { account, via: `userName = ${address}` });
    }
    for (const account of index.byAlias.get(address) ?? []) {
      if (!found.has(account.id)) found.set(account.id, { account, via: `alias ${address}` });
    }
  }
  if (found.size === 1) {
    const [{ account, via }] = found.values();
    return { kind: 'matched', account, how: via };
  }
  if (found.size > 1) {
    const accounts = [...found.values()].map((f) => f.account);
    const how = [...found.values()].map((f) => `${f.account.userName} (${f.via})`).join(', ');
    return { kind: 'ambiguous', accounts, how };
  }
  return { kind: 'not-found', tried: addresses };
}
