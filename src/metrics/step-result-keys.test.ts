import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { latencyStatKeys, percentileKey, percentileLabel, stepResultKeys } from "./step-result-keys.ts";

describe("result key naming", () => {
  it("writes whole percentiles as integers and others as given, as vLLM", () => {
    expect(percentileLabel(99)).toBe("99");
    expect(percentileLabel(99.0)).toBe("99");
    expect(percentileLabel(99.9)).toBe("99.9");
    expect(percentileLabel(0.1)).toBe("0.1");
    expect(percentileKey("ttft", 99)).toBe("p99_ttft_ms");
    expect(percentileKey("itl", 99.9)).toBe("p99.9_itl_ms");
  });

  it("orders one metric's block as mean, median, std, then percentiles", () => {
    expect(latencyStatKeys("e2el", [50, 99.9])).toEqual([
      "mean_e2el_ms",
      "median_e2el_ms",
      "std_e2el_ms",
      "p50_e2el_ms",
      "p99.9_e2el_ms",
    ]);
  });

  it("has one unique key per entry for distinct percentiles", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 10 }), (tenths) => {
        const keys = stepResultKeys(tenths.map((t) => t / 10));
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toHaveLength(10 + 11 + 4 * (3 + tenths.length) + 5);
      }),
    );
  });
});
