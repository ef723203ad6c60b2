/**
 * A small seeded PRNG (mulberry32): the emulator's fault probabilities and the sample tenant must
 * be reproducible run to run, so nothing here may use Math.random.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)]!;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 bytes from the PRNG as 32 lower-case hex digits. */
export function randomHex32(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const w = (rng() * 0x100000000) >>> 0;
    s += HEX[w >>> 24]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;
  }
  return s;
}

/** A version-4-shaped UUID from the PRNG (lower case, 8-4-4-4-12). */
export function seededUuid(rng: Rng): string {
  const h = randomHex32(rng);
  const variant = '89ab'[parseInt(h[16]!, 16) & 0x3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
