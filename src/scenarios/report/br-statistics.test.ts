import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { brScalarStatistics, brStatistics, numpyMean, numpyStdSample, numpySum } from "./br-statistics.ts";

const numpyCases = (JSON.parse(readFileSync(new URL("../../../test/fixtures/numpy-stats.json", import.meta.url), "utf8")) as { cases: { values: number[]; mean: number }[] }).cases;

describe("numpySum / numpyMean / numpyStdSample", () => {
  it("sums pairwise as numpy, not left to right", () => {
    // 1e16 then eight 1s. Left to right every +1 is a tie that rounds back to 1e16 (spacing 2 there).
    // numpy: 8 accumulators r = [1e16, 1, …, 1] → ((1e16+1) + (1+1)) + ((1+1) + (1+1)) = (1e16 + 2) + 4 = 1e16 + 6,
    // then the 9th value: 1e16 + 7 is a tie between 1e16 + 6 (odd mantissa) and 1e16 + 8 (even) → 1e16 + 8.
    const values = [1e16, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(values.reduce((a, b) => a + b, 0)).toBe(1e16);
    expect(numpySum(values)).toBe(1.0000000000000008e16);
  });

  it("hand-computed: [1, 2, 3, 4] has mean 2.5 and sample std √(5/3)", () => {
    expect(numpyMean([1, 2, 3, 4])).toBe(2.5);
    // Σ(x − 2.5)² = 2.25 + 0.25 + 0.25 + 2.25 = 5; / (n − 1) = 5/3
    expect(numpyStdSample([1, 2, 3, 4])).toBe(Math.sqrt(5 / 3));
  });

  it("np.mean to the last bit on numpy's own fixtures (up to 1,000 values)", () => {
    for (const c of numpyCases) expect(numpyMean(c.values)).toBe(c.mean);
  });

  it("the mean lies within [min, max] and does not depend on the block split for small lists", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const m = numpyMean(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs) * (1 - 1e-12));
        expect(m).toBeLessThanOrEqual(Math.max(...xs) * (1 + 1e-12));
      }),
    );
  });
});

describe("brStatistics", () => {
  it("hand-computed [4, 1, 3, 2]: every key of adapter.py's _statistics, in the schema's order", () => {
    const s = brStatistics([4, 1, 3, 2], "count")!;
    expect(Object.keys(s)).toEqual(["units", "mean", "stddev", "min", "p0p1", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99p9", "max"]);
    expect(s.units).toBe("count");
    expect(s.mean).toBe(2.5);
    expect(s.stddev).toBe(Math.sqrt(5 / 3));
    expect([s.min, s.max]).toEqual([1, 4]);
    // linear: rank (n − 1)·p/100 = 3p/100 over [1, 2, 3, 4] → 1 + 3p/100
    const expected: Record<string, number> = { p0p1: 1.003, p1: 1.03, p5: 1.15, p10: 1.3, p25: 1.75, p50: 2.5, p75: 3.25, p90: 3.7, p95: 3.85, p99: 3.97, p99p9: 3.997 };
    for (const [k, v] of Object.entries(expected)) expect(s[k as keyof typeof s] as number).toBeCloseTo(v, 12);
    // the bits numpy gives (np.percentile([1., 2., 3., 4.], [95, 99, 99.9]))
    expect([s.p95, s.p99, s.p99p9]).toEqual([3.8499999999999996, 3.9699999999999998, 3.9970000000000003]);
  });

  it("one value: no stddev (None, left out), every percentile the value", () => {
    const s = brStatistics([0.25], "s")!;
    expect("stddev" in s).toBe(false);
    expect(new Set(Object.entries(s).filter(([k]) => k !== "units").map(([, v]) => v))).toEqual(new Set([0.25]));
  });

  it("no value: null (the block is left out)", () => {
    expect(brStatistics([], "s/token")).toBeNull();
  });

  it("a rate is {units, mean}", () => {
    expect(brScalarStatistics(2.5, "queries/s")).toEqual({ units: "queries/s", mean: 2.5 });
  });

  it("percentiles are monotone and within [min, max]; permutation changes no percentile", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 200 }), (xs) => {
        const s = brStatistics(xs, "s")!;
        const ps = [s.min, s.p0p1, s.p1, s.p5, s.p10, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99, s.p99p9, s.max] as number[];
        for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThanOrEqual(ps[i - 1]!);
        const r = brStatistics([...xs].reverse(), "s")!;
        expect([r.min, r.p50, r.p99p9, r.max]).toEqual([s.min, s.p50, s.p99p9, s.max]);
      }),
    );
  });
});
