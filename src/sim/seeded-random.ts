/**
 * Small deterministic randomness for the simulator: a 32-bit string hash (FNV-1a) and a seeded
 * generator (mulberry32). Every random choice the simulator makes (early-stop lengths, output
 * tokens, fault draws, the fake GPU UUID) comes from these, so a seed reproduces a run.
 */
import { mulberry32 } from "../workload/rng.ts";

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

/** The project's mulberry32 (src/workload/rng.ts), as a plain function. */
export const createRng: (seed: number) => Rng = mulberry32;

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
