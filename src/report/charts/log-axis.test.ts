import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { logTickValues, useLogY } from "./log-axis.ts";

describe("useLogY", () => {
  it("is log from a 10× span of positive values on", () => {
    expect(useLogY([10, 99])).toBe(false);
    expect(useLogY([10, 100])).toBe(true);
    expect(useLogY([0, 10, 1000])).toBe(false);
    expect(useLogY([5])).toBe(false);
  });
});

describe("logTickValues", () => {
  it("gives 1-2-5 per decade inside the range", () => {
    expect(logTickValues([40, 12_000])).toEqual([50, 100, 200, 500, 1000, 2000, 5000, 10_000]);
    expect(logTickValues([0.15, 3])).toEqual([0.2, 0.5, 1, 2]);
    expect(logTickValues([0, -1])).toEqual([]);
  });

  it("is ascending and within [min, max] (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-3, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 20 }), (values) => {
        const ticks = logTickValues(values);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
        for (const t of ticks) {
          expect(t).toBeGreaterThanOrEqual(Math.min(...values));
          expect(t).toBeLessThanOrEqual(Math.max(...values));
        }
      }),
    );
  });
});
