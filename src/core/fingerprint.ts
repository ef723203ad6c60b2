/**
 * Fingerprints tie a plan row to what it was planned against, so apply can refuse stale or
 * altered rows. Pure functions (hashing is not I/O).
 */
import { hash } from 'node:crypto';
import { userNameKey } from './ids.js';
import type { PlanRow } from './types.js';

function sha256Hex(text: string): string {
  // One call, no Hash object: a plan hashes two texts per row.
  return hash('sha256', text, 'hex');
}

/**
 * Identifies the account state a row was planned against: its id and userName (Zivver exposes no
 * version or lastModified, and the key itself cannot be read back).
 */
export function accountFingerprint(zivverId: string, userName: string): string {
  if (!zivverId) return '';
  return sha256Hex(`${zivverId}\n${userNameKey(userName)}`).slice(0, 16);
}

/**
 * A check over the fields apply acts on. A plan CSV edited in Excel may lose rows, but a row
 * whose id, userName, key, action or recorded previous key was changed no longer matches its check
 * and is refused (a wrong previous key would be what rollback restores). Rows without a previous
 * key hash as they did before previous keys existed.
 */
export function rowCheck(row: Pick<PlanRow, 'zivverId' | 'userName' | 'newKey' | 'action' | 'previousKey'>): string {
  const base = `${row.zivverId}\n${userNameKey(row.userName)}\n${row.newKey}\n${row.action}`;
  return sha256Hex(row.previousKey ? `${base}\n${row.previousKey}` : base).slice(0, 12);
}
