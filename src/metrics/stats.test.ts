import { readFileSync } from "node:fs";
import { describe as group, expect, it } from "vitest";
import fc from "fast-check";
import { describe, percentile } from "./stats.ts";

const sortedCopy = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();
const latencyMs = fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true });
const percentileP = fc.double({ min: 0, max: 100, noNaN: true });

group("percentile (np.percentile, method linear)", () => {
  it("matches numpy on [1, 2, 3, 4]", () => {
    // rank = p/100 · (n − 1) = p/100 · 3
    // p50: rank 1.5  → 2 + 0.5·(3 − 2) = 2.5
    // p90: rank 2.7  → 3 + 0.7·(4 − 3) = 3.7
    // p99: rank 2.97 → 3 + 0.97·(4 − 3) = 3.97
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 90)).toBeCloseTo(3.7, 12);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    // Bit for bit what numpy 2 prints (its lerp computes b − (b − a)(1 − t) for t ≥ 0.5).
    expect(percentile([1, 2, 3, 4], 99)).toBe(3.9699999999999998);
  });

  it("matches numpy on [15, 20, 35, 40, 50]", () => {
    // rank = p/100 · 4
    // p10: rank 0.4  → 15 + 0.4·(20 − 15) = 17
    // p25: rank 1    → 20 exactly
    // p50: rank 2    → 35 exactly
    // p90: rank 3.6  → 40 + 0.6·(50 − 40) = 46
    // p95: rank 3.8  → 40 + 0.8·10 = 48
    // p99: rank 3.96 → 40 + 0.96·10 = 49.6
    // p99.9: rank 3.996 → 40 + 0.996·10 = 49.96 (numpy prints 49.96000000000001)
    const xs = [15, 20, 35, 40, 50];
    expect(percentile(xs, 10)).toBeCloseTo(17, 12);
    expect(percentile(xs, 25)).toBe(20);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 90)).toBeCloseTo(46, 12);
    expect(percentile(xs, 95)).toBeCloseTo(48, 12);
    expect(percentile(xs, 99)).toBeCloseTo(49.6, 12);
    expect(percentile(xs, 99.9)).toBe(49.96000000000001);
  });

  it("returns the only value for n = 1, the ends at p0 and p100, and 0 for no values", () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 5, 9], 0)).toBe(1);
    expect(percentile([1, 5, 9], 100)).toBe(9);
    expect(percentile([], 99)).toBe(0);
  });

  it("rejects p outside [0, 100]", () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("lies within [min, max]", () => {
    fc.assert(
      fc.property(fc.array(latencyMs, { minLength: 1 }), percentileP, (xs, p) => {
        const sorted = sortedCopy(xs);
        const v = percentile(sorted, p);
        expect(v).toBeGreaterThanOrEqual(sorted[0] as number);
        expect(v).toBeLessThanOrEqual(sorted[sorted.length - 1] as number);
      }),
    );
  });

  it("is monotone in p", () => {
    fc.assert(
      fc.property(fc.array(latencyMs, { minLength: 1 }), percentileP, percentileP, (xs, p, q) => {
        const sorted = sortedCopy(xs);
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        expect(percentile(sorted, lo)).toBeLessThanOrEqual(percentile(sorted, hi));
      }),
    );
  });
});

group("describe (np.mean, np.median, np.std)", () => {
  it("computes mean, median and population std by hand", () => {
    // [15, 20, 35, 40, 50]: mean = 160 / 5 = 32; deviations −17, −12, 3, 8, 18;
    // squares 289 + 144 + 9 + 64 + 324 = 830; population variance 830 / 5 = 166; std = √166.
    const d = describe([50, 15, 40, 20, 35], [50, 99]);
    expect(d.mean).toBe(32);
    expect(d.median).toBe(35);
    expect(d.std).toBe(Math.sqrt(166));
    expect(d.percentiles.get(99)).toBeCloseTo(49.6, 12);
    // [1, 2, 3, 4]: mean 2.5, median (2 + 3) / 2 = 2.5, std = √((1.5² + 0.5² + 0.5² + 1.5²) / 4) = √1.25.
    const e = describe([4, 1, 3, 2], [90]);
    expect(e.mean).toBe(2.5);
    expect(e.median).toBe(2.5);
    expect(e.std).toBe(Math.sqrt(1.25));
    expect(e.percentiles.get(90)).toBeCloseTo(3.7, 12);
  });

  it("gives 0 for everything on empty input, as vLLM", () => {
    const d = describe([], [50, 99.9]);
    expect(d).toEqual({ mean: 0, median: 0, std: 0, percentiles: new Map([[50, 0], [99.9, 0]]) });
  });

  it("does not modify its input", () => {
    const xs = [3, 1, 2];
    describe(xs, [50]);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("is permutation-invariant", () => {
    fc.assert(
      fc.property(
        fc.array(latencyMs).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length }))),
        ([xs, shuffled]) => {
          expect(describe(shuffled, [50, 90, 99.9])).toEqual(describe(xs, [50, 90, 99.9]));
        },
      ),
    );
  });

  it("never returns NaN or Infinity for finite input, and std ≥ 0", () => {
    fc.assert(
      fc.property(fc.array(latencyMs), (xs) => {
        const d = describe(xs, [0, 50, 100]);
        for (const v of [d.mean, d.median, d.std, ...d.percentiles.values()]) expect(Number.isFinite(v)).toBe(true);
        expect(d.std).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

group("against numpy itself (test/fixtures/numpy-stats.json, made by numpy-stats.py)", () => {
  const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/numpy-stats.json", import.meta.url), "utf8")) as {
    cases: Array<{ values: number[]; mean: number; median: number; std: number; percentiles: Record<string, number> }>;
  };

  it("gives numpy's percentiles and median to the last bit, and its mean and std to 1e-12", () => {
    expect(fixture.cases.length).toBeGreaterThan(5);
    for (const c of fixture.cases) {
      const ps = Object.keys(c.percentiles).map(Number);
      const d = describe(c.values, ps);
      for (const p of ps) expect(d.percentiles.get(p), `n=${c.values.length} p${p}`).toBe(c.percentiles[String(p)]);
      expect(d.median).toBe(c.median);
      // numpy sums pairwise, we sum left to right: the last bits of a sum of 1000 terms may differ.
      expect(Math.abs(d.mean - c.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(c.mean));
      expect(Math.abs(d.std - c.std)).toBeLessThanOrEqual(1e-12 * Math.max(c.std, 1));
    }
  });
});
