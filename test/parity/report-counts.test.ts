import { describe, expect, it } from "vitest";
import { parseRawJson } from "./raw-json.ts";
import { countDifferences, lifecycleCounts, perRequestCounts, tokenHistograms } from "./report-counts.ts";

describe("request counts", () => {
  it("reads a lifecycle report's counts", () => {
    const report = parseRawJson('{"load_summary": {"count": 10}, "successes": {"count": 7}, "failures": {"count": 3}}');
    expect(lifecycleCounts(report)).toEqual({ requests: 10, successes: 7, failures: 3 });
  });

  it("counts per-request entries with an error as failures (error: null is a success)", () => {
    const file = parseRawJson('[{"error": null}, {"error": {"error_type": "500"}}, {"error": null}, {}]');
    expect(perRequestCounts(file)).toEqual({ requests: 4, successes: 3, failures: 1 });
  });

  it("names each count that differs, with both values", () => {
    expect(countDifferences({ requests: 10, successes: 7, failures: 3 }, { requests: 10, successes: 6, failures: 4 })).toEqual([
      { field: "successes", ip: 7, kp: 6 },
      { field: "failures", ip: 3, kp: 4 },
    ]);
    expect(countDifferences({ requests: 1, successes: 1, failures: 0 }, { requests: 1, successes: 1, failures: 0 })).toEqual([]);
  });
});

describe("tokenHistograms", () => {
  it("histograms output tokens and token times of successes, 'absent' where a key is not written", () => {
    const file = parseRawJson(
      JSON.stringify([
        { error: null, info: { response_metrics: { output_tokens: 3, output_token_times: [1.0, 1.1, 1.2] } } },
        { error: null, info: { response_metrics: { output_tokens: 3 } } },
        { error: { error_type: "500" }, info: { response_metrics: null } },
      ]),
    );
    expect(tokenHistograms(file)).toEqual({ outputTokens: "3×2", tokenTimes: "3×1 absent×1" });
  });
});
