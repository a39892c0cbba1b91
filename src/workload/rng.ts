/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence on every platform,
 * which is what makes prompts byte-identical across runs. Not for cryptography.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number;
}

/** mulberry32: a uniform float in [0, 1) per call; period 2^32. The one seeded generator of the project. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo)) };
}

/** Derives independent seeds for sub-streams (per step, per purpose) from one user seed. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}
