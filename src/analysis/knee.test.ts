import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { findKnee, gainPerDoubling, type Knee } from "./knee.ts";
import { describeKnee, type SweepAnalysis } from "./analyze-sweep.ts";
import type { VerdictKind } from "./verdict.ts";

describe("the saturation knee", () => {
  it("normalizes throughput gains per doubling (hand-computed)", () => {
    expect(gainPerDoubling(1, 100, 2, 150)).toBeCloseTo(0.5, 12);
    // 1 → 4 is two doublings: 100 → 225 is ×1.5 per doubling.
    expect(gainPerDoubling(1, 100, 4, 225)).toBeCloseTo(0.5, 12);
    expect(gainPerDoubling(1, 0, 2, 10)).toBeNull();
  });

  it("is the smallest concurrency after which throughput gains < 10% per doubling while latency grows", () => {
    const steps = [
      { concurrency: 1, outputThroughput: 100, latencyMs: 1000 },
      { concurrency: 2, outputThroughput: 190, latencyMs: 1050 },
      { concurrency: 4, outputThroughput: 350, latencyMs: 1100 },
      { concurrency: 8, outputThroughput: 370, latencyMs: 2000 }, // +5.7%, latency +82%
      { concurrency: 16, outputThroughput: 375, latencyMs: 4000 },
    ];
    const knee = findKnee(steps);
    expect(knee.concurrency).toBe(4);
    expect(knee.gains[2]!.gainPerDoubling).toBeCloseTo(370 / 350 - 1, 12);
  });

  it("is absent while throughput keeps rising, and a flat step without latency growth is not a knee", () => {
    expect(findKnee([{ concurrency: 1, outputThroughput: 100, latencyMs: 900 }, { concurrency: 2, outputThroughput: 195, latencyMs: 910 }]).concurrency).toBeNull();
    expect(findKnee([{ concurrency: 1, outputThroughput: 100, latencyMs: 900 }, { concurrency: 2, outputThroughput: 101, latencyMs: 905 }]).concurrency).toBeNull();
  });

  it("does not depend on the order of the steps (property)", () => {
    const step = fc.record({ concurrency: fc.integer({ min: 1, max: 1024 }), outputThroughput: fc.double({ min: 0, max: 1e5, noNaN: true }), latencyMs: fc.double({ min: 0, max: 1e5, noNaN: true }) });
    fc.assert(
      fc.property(fc.uniqueArray(step, { selector: (s) => s.concurrency, maxLength: 8 }), (steps) => {
        const a = findKnee(steps);
        const b = findKnee([...steps].reverse());
        expect(a.concurrency).toBe(b.concurrency);
        if (a.concurrency !== null) expect(steps.map((s) => s.concurrency)).toContain(a.concurrency);
      }),
    );
  });
});

describe("the knee in words", () => {
  const analysis = (concurrency: number | null, gains: Knee["gains"], kind: VerdictKind | null): SweepAnalysis => ({
    knee: { concurrency, gains },
    verdict: kind ? { kind, headline: "", confidence: "high", missing: [] } : null,
  });
  const g = (from: number, to: number, gainPerDoubling: number) => ({ from, to, gainPerDoubling, latencyGrowth: 0.5 });

  it("names the knee with the gain beyond it, or says why there is none", () => {
    expect(describeKnee(analysis(8, [g(4, 8, 0.4), g(8, 16, 0.07)], "compute-bound"))).toBe("c=8 (beyond it throughput gains 7% per doubling while latency grows)");
    expect(describeKnee(analysis(null, [g(16, 64, 0.12)], "kv-capacity-bound"))).toMatch(/^not visible in throughput, but the server already queues/);
    expect(describeKnee(analysis(null, [], null))).toBe("needs at least two steps");
    expect(describeKnee(analysis(null, [g(16, 32, 0.7)], "not-saturated"))).toMatch(/^not reached/);
  });
});
