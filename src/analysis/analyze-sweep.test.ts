import { describe, expect, it } from "vitest";
import { analyzeSweep } from "./analyze-sweep.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import { recordedSteps } from "../report/recorded-run.ts";
import { ABSENT, stepCells } from "../report/step-rows.ts";

/** A step as an old `vllm bench serve` reports it: no max_concurrent_requests, no failed, maybe no E2EL. */
function vllmStep(c: number, outTokPerS: number, e2elMs: number | undefined): { concurrency: number; result: StepSummary; peaks: null } {
  const result: StepSummary = { duration: 10, completed: 100, errors_by_reason: {}, output_throughput: outTokPerS, request_throughput: 10 };
  if (e2elMs !== undefined) result.median_e2el_ms = e2elMs;
  return { concurrency: c, result, peaks: null };
}

describe("analyzeSweep with results that lack keys", () => {
  it("finds the knee from the steps that have throughput and E2EL, and skips the one without", () => {
    // 1→2: +90% throughput; 2→4: +5% with E2EL ×1.8 → knee at 2. c=8 lacks E2EL and is left out.
    const steps = [vllmStep(1, 100, 1000), vllmStep(2, 190, 1050), vllmStep(4, 199.5, 1890), vllmStep(8, 200, undefined)];
    const a = analyzeSweep(steps, { maxNumSeqs: null });
    expect(a.knee.concurrency).toBe(2);
    expect(a.knee.gains.map((g) => g.from)).toEqual([1, 2]);
    // No max_concurrent_requests: the client-bound rule cannot fire on a missing number.
    expect(a.verdict?.kind).not.toBe("client-bound");
  });

  it("records and renders missing values as absent, never as 0 or 'undefined'", () => {
    const row = { ...vllmStep(4, 199.5, undefined), partial: false };
    const [rec] = recordedSteps([row]);
    expect(rec).toEqual({ c: 4, reqPerS: 10, outTokPerS: 199.5, ttftP50Ms: null, ttftP99Ms: null, itlP50Ms: null, e2elP50Ms: null, e2elP99Ms: null, failed: null });
    const cells = stepCells(row, { withPeaks: false, kneeConcurrency: null });
    expect(cells).not.toContain("undefined");
    expect(cells.at(-1)).toBe(ABSENT); // errors
    expect(cells).toContain("200"); // output tok/s 199.5 → "200"
  });
});

describe("describeKnee", () => {
  it("does not say 'still rising' when throughput went flat without the latency rise of a knee", async () => {
    const { describeKnee } = await import("./analyze-sweep.ts");
    const steps = [vllmStep(1, 100, 1000), vllmStep(2, 200, 1000), vllmStep(4, 202, 1040)];
    const a = analyzeSweep(steps, { maxNumSeqs: null });
    expect(a.knee.concurrency).toBeNull();
    expect(describeKnee(a)).toBe("not marked: throughput stopped rising from c=2 to c=4 (1% per doubling) but latency barely grew (E2EL +4%)");
    const rising = analyzeSweep([vllmStep(1, 100, 1000), vllmStep(2, 190, 1050)], { maxNumSeqs: null });
    expect(describeKnee(rising)).toMatch(/^not reached \(throughput still rising/);
  });
});
