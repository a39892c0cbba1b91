import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatG, INFERENCE_PERF_PERCENTILES, percentileReportKey, summarizeDistribution } from "./summarize-distribution.ts";

describe("percentile keys (Python f\"p{p:g}\", 50 → median)", () => {
  it("formats like Python's :g", () => {
    // Each right-hand side is what Python 3 prints for f"{x:g}".
    const cases: Array<[number, string]> = [
      [0.1, "0.1"], [1, "1"], [99.9, "99.9"], [99.99, "99.99"], [12.5, "12.5"], [100, "100"],
      [33.33333333, "33.3333"], [0.0001, "0.0001"], [0.00001, "1e-05"], [1234567, "1.23457e+06"], [0, "0"],
    ];
    for (const [x, py] of cases) expect(formatG(x), String(x)).toBe(py);
  });

  it("names inference-perf's default percentiles", () => {
    expect(INFERENCE_PERF_PERCENTILES.map(percentileReportKey)).toEqual(["p0.1", "p1", "p5", "p10", "p25", "median", "p75", "p90", "p95", "p99", "p99.9"]);
  });
});

describe("summarizeDistribution", () => {
  it("mean, min, max, then the percentiles in the configured order (numpy linear)", () => {
    // 1 2 3 4 10: mean 4; p25 rank 1 → 2; median 3; p99.9 rank 3.996 → 4 + 0.996·6 = 9.976
    const d = summarizeDistribution([4, 1, 10, 3, 2], [99.9, 25, 50]);
    expect(Object.keys(d!)).toEqual(["mean", "min", "max", "p99.9", "p25", "median"]);
    expect(d!.mean).toBe(4);
    expect(d!.min).toBe(1);
    expect(d!.max).toBe(10);
    expect(d!.p25).toBe(2);
    expect(d!.median).toBe(3);
    expect(d!["p99.9"]).toBeCloseTo(9.976, 12);
  });

  it("is null for no values (inference-perf writes null)", () => {
    expect(summarizeDistribution([], [50])).toBeNull();
  });

  it("every percentile lies within [min, max] and grows with p", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const d = summarizeDistribution(xs, INFERENCE_PERF_PERCENTILES)!;
        const ps = INFERENCE_PERF_PERCENTILES.map((p) => d[percentileReportKey(p)] as number);
        for (const v of ps) expect(v >= d.min && v <= d.max).toBe(true);
        for (let i = 1; i < ps.length; i++) expect(ps[i]! >= ps[i - 1]!).toBe(true);
      }),
    );
  });
});
