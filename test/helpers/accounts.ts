/**
 * The Zivver accounts the end-to-end tests seed the emulator with: userN@org.nl, id zivverId(N),
 * key old-N, whose Entra object id is entraId(N).
 */
export const ZIVVER = 'urn:ietf:params:scim:schemas:zivver:0.1:User';
export const entraId = (n: number) => `e17a0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const zivverId = (n: number) => `0000aaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Zivver account userN@org.nl with key old-N. */
export function zivverAccount(n: number, aliases: string[] = []) {
  return {
    id: zivverId(n),
    userName: `user${n}@org.nl`,
    name: { formatted: `User ${n}` },
    active: true,
    [ZIVVER]: { aliases, delegates: [], SsoAccountKey: `old-${n}` },
  };
}
