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
  /** Normalised userName → its account, or its accounts when several have it. */
  byUserName: Map<string, ZivverAccount | ZivverAccount[]>;
  /** Normalised alias → its account, or its accounts. */
  byAlias: Map<string, ZivverAccount | ZivverAccount[]>;
}

// One account per address is the rule: it is kept as is, and only an address shared by several
// accounts gets a list (not a list per address of 100,000 accounts).
function add(map: Map<string, ZivverAccount | ZivverAccount[]>, key: string, account: ZivverAccount): void {
  const seen = map.get(key);
  if (seen === undefined) map.set(key, account);
  else if (Array.isArray(seen)) {
    if (!seen.includes(account)) seen.push(account);
  } else if (seen !== account) map.set(key, [seen, account]);
}

/** The accounts an index holds under an address. */
function accountsAt(map: Map<string, ZivverAccount | ZivverAccount[]>, key: string): readonly ZivverAccount[] {
  const seen = map.get(key);
  return seen === undefined ? [] : Array.isArray(seen) ? seen : [seen];
}

export function indexAccounts(accounts: readonly ZivverAccount[]): AccountIndex {
  const index: AccountIndex = { byUserName: new Map(), byAlias: new Map() };
  for (const account of accounts) {
    if (account.userName) add(index.byUserName, normalizeAddress(account.userName), account);
    for (const alias of account.aliases) {
      if (alias) add(index.byAlias, normalizeAddress(alias), account);
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
  // Most users: the primary address is the userName of exactly one account (what follows would
  // find the same, after gathering every address of the user).
  const primaryAddress = user.primaryEmail ? normalizeAddress(user.primaryEmail) : '';
  if (primaryAddress) {
    const only = index.byUserName.get(primaryAddress);
    if (only !== undefined && !Array.isArray(only)) return { kind: 'matched', account: only, how: 'userName = primary address' };
  }

  let addresses = userAddresses(user);
  let viaUpn = false;
  if (addresses.length === 0 && user.userPrincipalName?.includes('@')) {
    addresses = [normalizeAddress(user.userPrincipalName)];
    viaUpn = true;
  }
  if (addresses.length === 0) return { kind: 'no-address' };

  const primary = user.primaryEmail ? normalizeAddress(user.primaryEmail) : viaUpn ? addresses[0] : undefined;
  if (primary) {
    const byPrimary = accountsAt(index.byUserName, primary);
    if (byPrimary.length === 1) {
      return { kind: 'matched', account: byPrimary[0], how: viaUpn ? 'userName = UserPrincipalName' : 'userName = primary address' };
    }
    if (byPrimary.length > 1) {
      return { kind: 'ambiguous', accounts: [...byPrimary], how: `${byPrimary.length} accounts have userName ${primary}` };
    }
  }

  const found = new Map<string, { account: ZivverAccount; via: string }>();
  for (const address of addresses) {
    for (const account of accountsAt(index.byUserName, address)) {
      if (!found.has(account.id)) found.set(account.id, { account, via: `userName = ${address}` });
    }
    for (const account of accountsAt(index.byAlias, address)) {
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
