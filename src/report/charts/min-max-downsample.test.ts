import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { downsampleMinMax } from "./min-max-downsample.ts";

describe("downsampleMinMax", () => {
  it("leaves a short series alone", () => {
    const points = [{ tS: 0, value: 1 }, { tS: 1, value: 2 }];
    expect(downsampleMinMax(points, 10)).toEqual(points);
  });

  it("keeps first, min, max and last of each bucket, in time order", () => {
    const points = [5, 1, 9, 4, 3, 8, 2, 7, 6, 0, 5, 5].map((value, tS) => ({ tS, value }));
    // 12 points > 4 × 2, so thinned. Buckets: t 0–5 (5 1 9 4 3 8) → first 0, min 1, max 2, last 5;
    // t 6–11 (2 7 6 0 5 5) → first 6, max 7, min 9, last 11.
    expect(downsampleMinMax(points, 2).map((p) => p.tS)).toEqual([0, 1, 2, 5, 6, 7, 9, 11]);
  });

  it("keeps the global peak and trough, and at most 4 points per bucket (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.integer({ min: 1, max: 40 }), (values, buckets) => {
        const points = values.map((value, tS) => ({ tS, value }));
        const kept = downsampleMinMax(points, buckets);
        expect(kept.length).toBeLessThanOrEqual(Math.max(points.length > 4 * buckets ? 4 * buckets : points.length, 1));
        expect(Math.max(...kept.map((p) => p.value))).toBe(Math.max(...values));
        expect(Math.min(...kept.map((p) => p.value))).toBe(Math.min(...values));
        for (let i = 1; i < kept.length; i++) expect(kept[i]!.tS).toBeGreaterThan(kept[i - 1]!.tS);
      }),
    );
  });
});
