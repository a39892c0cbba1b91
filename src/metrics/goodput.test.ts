import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hasSlos, meetsSlos } from "./goodput.ts";
import type { RequestMetrics } from "./request-metrics.ts";

function metrics(ttftMs: number, tpotMs: number | null, e2elMs: number): RequestMetrics {
  return {
    ttftMs,
    e2elMs,
    itlsMs: [],
    tpotMs,
    outputTokens: tpotMs === null ? 1 : 10,
    outputTokensSource: "usage",
    promptTokens: 1,
    promptTokensSource: "usage",
  };
}

describe("goodput SLOs", () => {
  it("accepts a request when every configured value ≤ its SLO (equality is good)", () => {
    const slos = { ttftMs: 100, tpotMs: 20 };
    expect(meetsSlos(metrics(100, 20, 5000), slos)).toBe(true); // e2el has no SLO
    expect(meetsSlos(metrics(100.5, 20, 0), slos)).toBe(false);
    expect(meetsSlos(metrics(50, 21, 0), slos)).toBe(false);
    expect(meetsSlos(metrics(50, 10, 900), { e2elMs: 800 })).toBe(false);
  });

  it("counts a missing TPOT (output ≤ 1 token) as 0, as vLLM", () => {
    expect(meetsSlos(metrics(10, null, 10), { tpotMs: 0 })).toBe(true);
  });

  it("knows when no SLO is configured", () => {
    expect(hasSlos(undefined)).toBe(false);
    expect(hasSlos({})).toBe(false);
    expect(hasSlos({ e2elMs: 0 })).toBe(true);
  });

  it("loosening an SLO never turns a good request bad", () => {
    const ms = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(ms, fc.option(ms), ms, ms, ms, (ttft, tpot, e2el, slo, extra) => {
        const m = metrics(ttft, tpot, e2el);
        if (meetsSlos(m, { ttftMs: slo, tpotMs: slo, e2elMs: slo })) {
          expect(meetsSlos(m, { ttftMs: slo + extra, tpotMs: slo + extra, e2elMs: slo + extra })).toBe(true);
        }
      }),
    );
  });
});
