/**
 * Normalising what identifies an account, in one place: Zivver ids are UUIDs whose case Zivver
 * may change, and userNames are addresses (compared without regard to case). Files and maps key
 * accounts by these.
 */

/** An account id as a key: trimmed, lower-cased. */
export function accountIdKey(zivverId: string): string {
  return zivverId.trim().toLowerCase();
}

/** A userName as compared: trimmed, lower-cased. */
export function userNameKey(userName: string): string {
  return userName.trim().toLowerCase();
}

export function sameUserName(a: string, b: string): boolean {
  return userNameKey(a) === userNameKey(b);
}
