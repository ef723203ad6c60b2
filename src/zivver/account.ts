/**
 * Projection of a raw SCIM user onto what the planner needs (src/core's ZivverAccount).
 */
import type { ZivverAccount } from '../core/types.js';
import { ZIVVER_USER_EXTENSION, type ScimUser } from './types.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function toZivverAccount(u: ScimUser): ZivverAccount {
  const name = u.name as { formatted?: unknown } | undefined;
  const displayName = str(u.displayName) ?? str(name?.formatted);
  // SCIM says active defaults to true when absent; some servers send it as a string.
  const active = !(u.active === false || (typeof u.active === 'string' && u.active.toLowerCase() === 'false'));
  const ext = u[ZIVVER_USER_EXTENSION] as { aliases?: unknown } | undefined;
  const aliases: string[] = [];
  if (ext && Array.isArray(ext.aliases)) {
    for (const a of ext.aliases) {
      // Aliases are plain strings at Zivver; tolerate SCIM multi-valued {value} objects too.
      const v = str(a) ?? str((a as { value?: unknown } | null)?.value);
      if (v) aliases.push(v);
    }
  }
  // A list of exactly its length (one grown by push keeps room for 17): a plan holds 100,000 accounts.
  const account: ZivverAccount = { id: u.id, userName: u.userName, active, aliases: aliases.length ? aliases.slice() : [] };
  if (displayName !== undefined) account.displayName = displayName;
  return account;
}
