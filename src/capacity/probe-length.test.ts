import { describe, expect, it } from "vitest";
import { probeLength, requestsForPercentiles, type ProbeLengthRule } from "./probe-length.ts";
import { parseSlo, type Slo } from "./slo.ts";

const slo = (e: string): Slo => {
  const r = parseSlo(e);
  if (!r.ok) throw new Error(r.message);
  return r.slo;
};
const RULE: ProbeLengthRule = { tailSamples: 5, minRequests: 50, minDurationS: 10, warmupFraction: 0.1, itlSamplesPerRequest: 127 };

describe("probe length", () => {
  it("gives the strictest percentile k samples beyond it", () => {
    // p95: ⌈5 / 0.05⌉ = 100; p99: ⌈5 / 0.01⌉ = 500; p50: 10, below the 50-request floor.
    expect(requestsForPercentiles([slo("p95(ttft)<=1s")], RULE)).toBe(100);
    expect(requestsForPercentiles([slo("p95(ttft)<=1s"), slo("p99(e2el)<=9s")], RULE)).toBe(500);
    expect(requestsForPercentiles([slo("p50(ttft)<=1s"), slo("error_rate<=1%")], RULE)).toBe(50);
  });

  it("counts token gaps for ITL: p99.9 needs 5000 gaps, 40 requests of 127", () => {
    expect(requestsForPercentiles([slo("p99.9(itl)<=50ms")], { ...RULE, minRequests: 1 })).toBe(Math.ceil(5000 / 127));
  });

  it("lasts the minimum duration in the open loop and adds the warm-up", () => {
    // 30 req/s × 10 s = 300 > 100; warm-up 10 % = 30.
    expect(probeLength([slo("p95(ttft)<=1s")], RULE, { axis: "rate", rateRps: 30 })).toEqual({ measured: 300, warmup: 30 });
    expect(probeLength([slo("p95(ttft)<=1s")], RULE, { axis: "rate", rateRps: 2 })).toEqual({ measured: 100, warmup: 10 });
  });

  it("closed loop: 4 requests per worker at least, a warm-up of at least one per worker", () => {
    expect(probeLength([slo("p95(ttft)<=1s")], RULE, { axis: "concurrency", concurrency: 64 })).toEqual({ measured: 256, warmup: 64 });
    expect(probeLength([slo("p95(ttft)<=1s")], RULE, { axis: "concurrency", concurrency: 4 })).toEqual({ measured: 100, warmup: 10 });
  });
});
