/**
 * The constant and poisson timers: exact counts, bounds, seeded reproducibility and the rate they offer,
 * with hand-computed cases (a scripted uniform source) and fast-check properties.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { constantOffsetsMs } from "./constant-offsets.ts";
import { poissonOffsetsMs, samplePoisson } from "./poisson-offsets.ts";
import { plannedRequestCount, stageOffsetsMs } from "./stage-offsets.ts";
import { mulberry32 } from "../../workload/rng.ts";

/** A uniform source that plays back the given values, then fails the test if asked for more. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`scripted source exhausted after ${values.length} draws`);
    return values[i++]!;
  };
}
/** Index of the first offset that is below its predecessor (or 0) or above `maxMs`; −1 when there is none. */
function firstViolation(offsets: Float64Array, maxMs: number): number {
  for (let i = 0; i < offsets.length; i++) {
    const t = offsets[i]!;
    if (t < (i === 0 ? 0 : offsets[i - 1]!) || t > maxMs) return i;
  }
  return -1;
}
/** The uniform u whose unit exponential −ln(1 − u) is x. */
const expU = (x: number) => 1 - Math.exp(-x);

describe("constantOffsetsMs", () => {
  it("rescales exponential gaps to the duration: gaps 1, 2, 1 over 3 s → 750, 2250, 3000 ms", () => {
    // rate 1 × 3 s = 3 requests; gaps sum to 4, scale 3000 / 4 = 750 ms per unit.
    const offsets = constantOffsetsMs(1, 3, scripted([expU(1), expU(2), expU(1)]));
    expect(Array.from(offsets)).toEqual([expect.closeTo(750, 9), expect.closeTo(2250, 9), 3000]);
  });

  it("sends int(rate × duration) requests, as Python's int() truncates", () => {
    const r = mulberry32(1);
    expect(constantOffsetsMs(2.5, 3, r)).toHaveLength(7); // 7.5 → 7
    expect(constantOffsetsMs(0.1, 5, r)).toHaveLength(0); // 0.5 → 0: an empty stage
    expect(constantOffsetsMs(0.7, 10, r)).toHaveLength(7); // 0.7 × 10 is 7 exactly in doubles
    expect(constantOffsetsMs(1000, 3, r)).toHaveLength(3000);
  });

  it("falls back to even spacing when every draw is 0", () => {
    expect(Array.from(constantOffsetsMs(2, 2, () => 0))).toEqual([500, 1000, 1500, 2000]);
  });

  it("property: exact count, ascending, in (0, duration], the last at the duration, reproducible per seed", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 300, noNaN: true }), fc.integer({ min: 1, max: 60 }), fc.integer(), (rate, durationS, seed) => {
        const a = constantOffsetsMs(rate, durationS, mulberry32(seed));
        const b = constantOffsetsMs(rate, durationS, mulberry32(seed));
        expect(a).toEqual(b);
        expect(a.length).toBe(Math.trunc(rate * durationS));
        expect(firstViolation(a, durationS * 1000)).toBe(-1);
        if (a.length > 0) expect(a[a.length - 1]).toBe(durationS * 1000);
      }),
      { numRuns: 200 },
    );
  });

  it("offers the requested mean rate, and its gaps are exponential-like (coefficient of variation near 1)", () => {
    const offsets = constantOffsetsMs(100, 100, mulberry32(7)); // 10,000 requests
    const gaps = Array.from(offsets, (t, i) => t - (i === 0 ? 0 : offsets[i - 1]!));
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(10, 9); // 100,000 ms / 10,000 exactly
    expect(sd / mean).toBeGreaterThan(0.95); // an exponential's CV is 1 (±0.01 at n = 10,000); evenly spaced would be 0
    expect(sd / mean).toBeLessThan(1.05);
  });
});

describe("samplePoisson", () => {
  it("Knuth's method by hand: mean 1 (e^−1 ≈ 0.368) with uniforms 0.9, 0.9, 0.1 → products 0.9, 0.81, 0.081 → 2", () => {
    expect(samplePoisson(1, scripted([0.9, 0.9, 0.1]))).toBe(2);
    expect(samplePoisson(1, scripted([0.2]))).toBe(0);
    expect(samplePoisson(0, scripted([]))).toBe(0);
  });

  it("splits a large mean into parts: mean 60 = two parts of 30, each ending at its first uniform below e^−30", () => {
    // Part 1: 0.5 > e^−30, then 0 → k = 1; part 2: 0 at once → k = 0.
    expect(samplePoisson(60, scripted([0.5, 0, 0]))).toBe(1);
  });

  it.each([0.5, 3, 30, 100, 1000])("has mean and variance λ = %d (20,000 draws, within 5 standard errors)", (mean) => {
    const random = mulberry32(11);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => samplePoisson(mean, random));
    const m = xs.reduce((s, x) => s + x, 0) / n;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / n;
    expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(mean / n));
    // Var of the sample variance ≈ (2λ² + λ) / n for a Poisson.
    expect(Math.abs(v - mean)).toBeLessThan(5 * Math.sqrt((2 * mean * mean + mean) / n));
  });

  it("rejects a negative or infinite mean", () => {
    expect(() => samplePoisson(-1, Math.random)).toThrow(RangeError);
    expect(() => samplePoisson(Infinity, Math.random)).toThrow(RangeError);
  });
});

describe("poissonOffsetsMs", () => {
  it("places each second's count with the constant timer; an empty second stays empty (by hand)", () => {
    // rate 1 × 2 s = 2 requests. Second 0: uniform 0.1 ≤ e^−1 → k = 0. Second 1: 0.9, 0.9, 0.1 → k = 2, gaps 1 and 3
    // rescaled to the second: 250 and 1000 ms → offsets 1250 and 2000.
    const offsets = poissonOffsetsMs(1, 2, scripted([0.1, 0.9, 0.9, 0.1, expU(1), expU(3)]));
    expect(Array.from(offsets)).toEqual([expect.closeTo(1250, 9), 2000]);
  });

  it("stops at int(rate × duration) requests, even inside a second", () => {
    // rate 1 × 1 s = 1 request; second 0 draws k = 2 (0.9, 0.9, 0.1), only the first is kept.
    const offsets = poissonOffsetsMs(1, 1, scripted([0.9, 0.9, 0.1, expU(1), expU(1)]));
    expect(Array.from(offsets)).toEqual([expect.closeTo(500, 9)]);
  });

  it("property: exact count, ascending, reproducible per seed", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 200, noNaN: true }), fc.integer({ min: 1, max: 30 }), fc.integer(), (rate, durationS, seed) => {
        const a = poissonOffsetsMs(rate, durationS, mulberry32(seed));
        expect(a).toEqual(poissonOffsetsMs(rate, durationS, mulberry32(seed)));
        expect(a.length).toBe(Math.trunc(rate * durationS));
        expect(firstViolation(a, Infinity)).toBe(-1);
      }),
      { numRuns: 100 },
    );
  });

  it("offers the requested rate: 10,000 requests at 50 req/s span 200 s ± 5 standard deviations (√10,000 / 50 = 2 s)", () => {
    for (const seed of [1, 2, 3]) {
      const offsets = poissonOffsetsMs(50, 200, mulberry32(seed));
      expect(Math.abs(offsets[offsets.length - 1]! / 1000 - 200)).toBeLessThan(10);
    }
  });

  it("is burstier than constant: per-second counts vary like a Poisson (variance ≈ mean = 20)", () => {
    const offsets = poissonOffsetsMs(20, 500, mulberry32(5));
    const perSecond = new Array<number>(Math.ceil(offsets[offsets.length - 1]! / 1000)).fill(0);
    for (const t of offsets) perSecond[Math.min(perSecond.length - 1, Math.floor(t / 1000))]!++;
    const full = perSecond.slice(0, -1); // the last second is cut at the count
    const m = full.reduce((s, x) => s + x, 0) / full.length;
    const v = full.reduce((s, x) => s + (x - m) ** 2, 0) / full.length;
    expect(m).toBeGreaterThan(19);
    expect(m).toBeLessThan(21);
    expect(v).toBeGreaterThan(15);
    expect(v).toBeLessThan(25);
  });
});

describe("stage schedules", () => {
  it("counts planned requests per stage kind, and gives open-loop stages seeded offsets", () => {
    expect(plannedRequestCount({ kind: "constant", rate: 2.5, durationS: 3 })).toBe(7);
    expect(plannedRequestCount({ kind: "poisson", rate: 15, durationS: 600 })).toBe(9000);
    expect(plannedRequestCount({ kind: "concurrent", concurrency: 4, numRequests: 40 })).toBe(40);
    expect(stageOffsetsMs({ kind: "concurrent", concurrency: 4, numRequests: 40 }, 1)).toBeNull();
    const a = stageOffsetsMs({ kind: "constant", rate: 10, durationS: 2 }, 42)!;
    expect(a).toEqual(constantOffsetsMs(10, 2, mulberry32(42)));
    expect(stageOffsetsMs({ kind: "constant", rate: 10, durationS: 2 }, 43)).not.toEqual(a);
    expect(stageOffsetsMs({ kind: "poisson", rate: 10, durationS: 2 }, 42)).toEqual(poissonOffsetsMs(10, 2, mulberry32(42)));
  });
});
