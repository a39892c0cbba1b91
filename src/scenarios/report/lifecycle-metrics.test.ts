import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { deriveLifecycleMetrics } from "./lifecycle-metrics.ts";

describe("deriveLifecycleMetrics", () => {
  it("a non-streamed answer: latency and NTPOT by the server's count, no TTFT/TPOT/ITL", () => {
    // sent at 10, the whole JSON body at 1010, response ended at 1012; usage 40 → 50
    const rec = scenarioRecord({ scheduledMs: 10, sendMs: 10, chunkTimesMs: [1010], endMs: 1012, promptTokens: 40, completionTokens: 50, textChunks: 1 });
    const m = deriveLifecycleMetrics(rec, { useServerOutputTokens: false, streaming: false })!;
    expect(m.requestLatencyS).toBeCloseTo(1.002, 12);
    expect(m.clientOutputTokens).toBe(50);
    expect(m.ntpotS).toBeCloseTo(1.002 / 50, 12);
    expect([m.ttftS, m.tpotS, m.itlMeanS, m.itlDeltasS]).toEqual([null, null, null, []]);
    expect(m.inputTokens).toBe(40);
  });

  it("streaming off: no TTFT/TPOT/ITL even when the record holds several token times", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [100, 120], endMs: 121, completionTokens: 2 });
    const off = deriveLifecycleMetrics(rec, { useServerOutputTokens: false, streaming: false })!;
    expect([off.ttftS, off.tpotS, off.itlMeanS, off.itlDeltasS]).toEqual([null, null, null, []]);
    // the same record, streamed: TTFT 100 ms, one gap of 20 ms
    const on = deriveLifecycleMetrics(rec, { useServerOutputTokens: false, streaming: true })!;
    expect(on.ttftS).toBeCloseTo(0.1, 12);
    expect(on.itlDeltasS[0]).toBeCloseTo(0.02, 12);
  });

  it("a streamed answer with several tokens per chunk: TPOT by the client's chunk count unless told to use usage", () => {
    // 3 chunks carrying 6 tokens (usage): first at 100, last at 140 after a send at 0
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [100, 120, 140], endMs: 141, completionTokens: 6 });
    expect(deriveLifecycleMetrics(rec, { useServerOutputTokens: false })!.tpotS).toBeCloseTo(0.04 / 2, 12);
    expect(deriveLifecycleMetrics(rec, { useServerOutputTokens: true })!.tpotS).toBeCloseTo(0.04 / 5, 12);
    expect(deriveLifecycleMetrics(rec, { useServerOutputTokens: true })!.ttftS).toBeCloseTo(0.1, 12);
  });

  it("no output token at all: NTPOT 0, not Infinity", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [5], endMs: 6, textChunks: 0 });
    expect(deriveLifecycleMetrics(rec, { useServerOutputTokens: false })!.ntpotS).toBe(0);
  });

  it("a failed request has no latency metrics", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, endMs: 6, error: { reason: "timeout", message: "t" } });
    expect(deriveLifecycleMetrics(rec, { useServerOutputTokens: false })).toBeNull();
  });
});
