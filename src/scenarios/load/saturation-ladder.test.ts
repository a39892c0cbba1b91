/**
 * The ladder's pure parts by hand: measuring a rung from records, deciding the next rung, the estimate; and
 * the sweep's stage rates against numpy (values printed by numpy 1.x for the same inputs, see each case).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { estimateSaturation, measureRung, nextLadderStep, rungSize, type RungMeasurement, type RungRecord } from "./saturation-ladder.ts";
import { geomspace, linspace, roundTo2, sweepRates, sweepStages } from "./sweep-stages.ts";

const ok = (sendMs: number, endMs: number): RungRecord => ({ sendMs, endMs, chunkTimesMs: [endMs], error: null });
const failed = (sendMs: number, endMs: number): RungRecord => ({ sendMs, endMs, chunkTimesMs: [], error: { reason: "http", status: 500, message: "x" } });

function rung(concurrency: number, throughputRps: number, over: Partial<RungMeasurement> = {}): RungMeasurement {
  const meanLatencyMs = (1000 * concurrency) / throughputRps;
  return {
    concurrency,
    throughputRps,
    countedThroughputRps: throughputRps,
    meanLatencyMs,
    meanInFlight: concurrency,
    littleN: concurrency,
    windowMs: 10_000,
    completions: 100,
    sent: 200,
    errors: 0,
    ...over,
  };
}

describe("measureRung", () => {
  it("measures a c = 2 closed loop by hand", () => {
    // Two slots, 100 ms per request. Window: from the 2nd end (120) to the last send (220).
    const records = [ok(0, 100), ok(0, 120), ok(100, 200), ok(120, 220), ok(200, 300), ok(220, 320)];
    const m = measureRung(records, 2, 220)!;
    expect(m.windowMs).toBe(100);
    expect(m.completions).toBe(2); // ends 200 and 220 in (120, 220]
    expect(m.countedThroughputRps).toBe(20); // 2 / 0.1 s
    expect(m.meanLatencyMs).toBe(100);
    expect(m.littleN).toBe(2); // 20 req/s × 0.1 s
    // In flight over [120, 220]: 80 ms (100–200) + 100 ms (120–220) + 20 ms (200–300) = 200 ms / 100 ms = 2
    expect(m.meanInFlight).toBe(2);
    expect(m.throughputRps).toBe(20); // N̄ / R = 2 / 0.1 s
    expect([m.sent, m.errors]).toEqual([6, 0]);
  });

  it("counts failures as errors, not throughput, but as time in flight", () => {
    const records = [ok(0, 100), failed(0, 50), ok(50, 150), ok(100, 200), ok(150, 250)];
    // c = 2: window from the 2nd end (100) to the last send (150); only the success ending at 150 counts.
    const m = measureRung(records, 2, 150)!;
    expect(m.completions).toBe(1);
    expect(m.countedThroughputRps).toBe(20); // 1 in 50 ms
    expect(m.errors).toBe(1);
    expect(m.meanInFlight).toBe(2); // 50 (50–150) + 50 (100–200 from 100) + 0 (150–…) over 50 ms → 100 / 50
    expect(m.throughputRps).toBe(20); // N̄ 2 / R 100 ms
  });

  it("does not count requests cancelled by a rung timeout as failures", () => {
    const cut: RungRecord = { sendMs: 100, endMs: 150, chunkTimesMs: [], error: { reason: "aborted", message: "cut" } };
    const m = measureRung([ok(0, 100), ok(0, 100), ok(100, 140), cut], 2, 150)!;
    expect([m.completions, m.errors, m.sent]).toEqual([1, 0, 4]);
  });

  it("has no window when fewer than c requests ended, or nothing ended inside it", () => {
    expect(measureRung([ok(0, 100)], 2, 500)).toBeNull();
    expect(measureRung([ok(0, 100), ok(0, 100)], 2, 100)).toBeNull();
    expect(measureRung([ok(0, 100), ok(0, 110), ok(100, 900)], 2, 120)).toBeNull(); // no success ends in (110, 120]
  });

  it("takes X = N̄ / R, and keeps the counted rate as the check, when the two differ (by hand)", () => {
    // c = 2: r2 goes when r0 ends (100), r3 when r1 ends (150), r4 when r2 ends (180, the last send).
    // Window (150, 180]: one completion (r2, 80 ms) → X_count = 1 / 0.03 s = 33.3 req/s.
    // In flight over [150, 180]: r2 30 ms + r3 30 ms = 60 / 30 = 2 → X = N̄ / R = 2 / 0.08 s = 25 req/s.
    const records = [ok(0, 100), ok(0, 150), ok(100, 180), ok(150, 300), ok(180, 290)];
    const m = measureRung(records, 2, 180)!;
    expect(m.countedThroughputRps).toBeCloseTo(100 / 3, 9);
    expect(m.meanInFlight).toBe(2);
    expect(m.meanLatencyMs).toBe(80);
    expect(m.throughputRps).toBe(25);
    expect(m.littleN).toBeCloseTo(8 / 3, 9); // X_count · R = 2.67 against N̄ = 2: a window too short to trust
  });

  it("property: for a perfectly steady closed loop, X = N̄ / R = c / R and X_count is within one completion of it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 5, max: 500 }), fc.integer({ min: 4, max: 30 }), (c, latency, waves) => {
        // Slot s starts its k-th request at k·latency + s·latency/c (staggered), every request lasts `latency`.
        const records: RungRecord[] = [];
        for (let s = 0; s < c; s++) for (let k = 0; k < waves; k++) records.push(ok(k * latency + (s * latency) / c, (k + 1) * latency + (s * latency) / c));
        const lastSend = Math.max(...records.map((r) => r.sendMs));
        const m = measureRung(records, c, lastSend)!;
        expect(m.meanLatencyMs).toBeCloseTo(latency, 9);
        expect(m.meanInFlight).toBeCloseTo(c, 6);
        expect(m.throughputRps).toBeCloseTo((1000 * c) / latency, 6);
        // Completions are discrete: the counted rate is within one completion of c / R over the window.
        expect(Math.abs(m.countedThroughputRps - (1000 * c) / latency)).toBeLessThanOrEqual(1000 / m.windowMs + 1e-9);
      }),
    );
  });
});

describe("nextLadderStep", () => {
  const opts = { maxConcurrency: 64, gainThreshold: 0.1 };

  it("sizes rungs 2c + max(24, 2c)", () => {
    expect([1, 2, 8, 12, 16, 128].map(rungSize)).toEqual([26, 28, 40, 48, 64, 512]);
  });

  it("starts at 1 and doubles while throughput keeps rising by 10 % or more per doubling", () => {
    expect(nextLadderStep([], opts)).toEqual({ next: 1 });
    expect(nextLadderStep([rung(1, 10)], opts)).toEqual({ next: 2 });
    expect(nextLadderStep([rung(1, 10), rung(2, 11)], opts)).toEqual({ next: 4 }); // +10 % exactly: still rising
    expect(nextLadderStep([rung(1, 10), rung(2, 19), rung(4, 20.8)], opts)).toEqual({ stop: "saturated" }); // +9.5 %
  });

  it("stops on errors (over 10 % of a rung) and above the concurrency ceiling", () => {
    expect(nextLadderStep([rung(1, 10, { errors: 21, sent: 200 })], opts)).toEqual({ stop: "errors" });
    expect(nextLadderStep([rung(1, 10, { errors: 20, sent: 200 })], opts)).toEqual({ next: 2 });
    expect(nextLadderStep([rung(32, 100)], opts)).toEqual({ next: 64 }); // the ceiling itself is tried
    expect(nextLadderStep([rung(64, 100)], opts)).toEqual({ stop: "max-concurrency" });
    expect(nextLadderStep([], { ...opts, maxConcurrency: 0 })).toEqual({ stop: "max-concurrency" });
  });
});

describe("estimateSaturation", () => {
  it("takes the highest throughput and the knee where a doubling gained < 10 % (by hand)", () => {
    // gains: 1→2 +90 %, 2→4 +89.5 %, 4→8 +11.1 %, 8→16 +2.5 % → knee at 8; rate = max X = 41
    const e = estimateSaturation([rung(1, 10), rung(2, 19), rung(4, 36), rung(8, 40), rung(16, 41)], "saturated")!;
    expect(e).toMatchObject({ rateRps: 41, saturated: true, kneeConcurrency: 8, stoppedBy: "saturated", notes: [] });
  });

  it("says the rate is a lower bound when no knee was reached", () => {
    const e = estimateSaturation([rung(1, 10), rung(2, 20)], "max-concurrency")!;
    expect(e.saturated).toBe(false);
    expect(e.kneeConcurrency).toBeNull();
    expect(e.notes).toEqual([expect.stringMatching(/no knee found \(stopped by max-concurrency\): 20\.00 req\/s is a lower bound/)]);
  });

  it("leaves out a rung that failed too often, and is null when none is usable", () => {
    const e = estimateSaturation([rung(1, 10), rung(2, 50, { errors: 100, sent: 200 })], "errors")!;
    expect(e.rateRps).toBe(10);
    expect(e.rungs).toHaveLength(2);
    expect(estimateSaturation([rung(1, 10, { errors: 30, sent: 200 })], "errors")).toBeNull();
  });

  it("notes a window where Little's law fails and a client that did not keep c in flight", () => {
    const e = estimateSaturation([rung(4, 40, { littleN: 2.5, meanInFlight: 3.2 }), rung(8, 41)], "saturated")!;
    expect(e.notes).toEqual([
      expect.stringMatching(/^c=4: Little's law does not hold in the window \(X_count·R = 2\.50, mean in flight 3\.20\)/),
      expect.stringMatching(/^c=4: the client kept only 3\.2 requests in flight/),
    ]);
  });
});

describe("sweep stages (inference-perf's generateRates)", () => {
  it("matches numpy: linspace(1, 37.3, 5) → 1, 10.07, 19.15, 28.22, 37.3", () => {
    expect(sweepRates(37.3, 5, "linear")).toEqual([1, 10.07, 19.15, 28.22, 37.3]);
  });

  it("matches numpy: 1 + sat − geomspace(sat, 1, n) for sat 37.3 (n 5) and 5.8 (n 4)", () => {
    expect(sweepRates(37.3, 5, "geometric")).toEqual([1, 23.21, 32.19, 35.83, 37.3]);
    expect(sweepRates(5.8, 4, "geometric")).toEqual([1, 3.57, 5, 5.8]);
  });

  it("rounds as Python's round(x, 2): ties (only at eighths) to even, else the nearest cent of the exact double", () => {
    expect([0.125, 0.375, 2.675, 1.005, 7.5].map(roundTo2)).toEqual([0.12, 0.38, 2.67, 1, 7.5]);
  });

  it("linspace and geomspace keep their endpoints exactly", () => {
    expect(linspace(1, 3, 1)).toEqual([1]);
    expect(linspace(1, 3, 3)).toEqual([1, 2, 3]);
    expect(geomspace(100, 1, 3)).toEqual([100, expect.closeTo(10, 12), 1]);
  });

  it("builds one stage per rate, of the sweep's kind and duration", () => {
    expect(sweepStages(10, { numStages: 2, type: "linear", stageDurationS: 180, stageKind: "poisson" })).toEqual([
      { kind: "poisson", rate: 1, durationS: 180 },
      { kind: "poisson", rate: 10, durationS: 180 },
    ]);
  });
});
