/**
 * Small deterministic randomness for the simulator: a 32-bit string hash (FNV-1a) and a seeded
 * generator (mulberry32). Every random choice the simulator makes (early-stop lengths, output
 * tokens, fault draws, the fake GPU UUID) comes from these, so a seed reproduces a run.
 */

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A generator of uniform numbers in [0, 1) (mulberry32; period 2^32, plenty for a simulator). */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform generator. */
export function normalDraw(rng: Rng): number {
  const u1 = Math.max(rng(), Number.EPSILON);
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** An integer in [0, n). */
export function intBelow(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}
