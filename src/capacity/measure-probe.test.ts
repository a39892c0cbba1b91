import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../engine/request-record.ts";
import { measureProbe } from "./measure-probe.ts";
import { parseSlo, type Slo } from "./slo.ts";

const slo = (e: string): Slo => {
  const r = parseSlo(e);
  if (!r.ok) throw new Error(r.message);
  return r.slo;
};

/** A request sent at 0 whose tokens arrive at the given times (ms). */
function rec(index: number, chunkTimesMs: number[], failed = false): RequestRecord {
  return {
    index,
    plannedPromptTokens: 10,
    sendMs: 0,
    chunkTimesMs: failed ? [] : chunkTimesMs,
    promptTokens: 10,
    completionTokens: failed ? null : chunkTimesMs.length,
    textChunks: chunkTimesMs.length,
    sendEpochMs: 0,
    error: failed ? { reason: "http", status: 500, message: "boom" } : null,
  };
}

describe("measureProbe", () => {
  // TTFTs 10, 20, 30, 40 ms; ITLs 5 (×2), 10 (×2); one failure.
  const records = [rec(0, [10, 15]), rec(1, [20, 25]), rec(2, [30, 40]), rec(3, [40, 50]), rec(4, [], true)];

  it("reads each SLO with numpy's linear percentile and error_rate = failed / sent", () => {
    const m = measureProbe(records, [slo("p50(ttft)<=30ms"), slo("p75(itl)<=8ms"), slo("error_rate<=10%")], 0.05);
    // p50 of [10,20,30,40]: rank 1.5 → 25; p75 of [5,5,10,10]: rank 2.25 → 10; 1 of 5 failed = 0.2.
    expect(m.readings.map((r) => [r.value, r.pass])).toEqual([[25, true], [10, false], [0.2, false]]);
    expect([m.requests, m.failed, m.pass]).toEqual([5, 1, false]);
    // The binding SLO is the one furthest past its limit: 0.2 / 0.1 = 2 beats 10 / 8 = 1.25.
    expect(m.binding).toBe("error_rate <= 10%");
  });

  it("is close when a value is within the margin of its limit", () => {
    expect(measureProbe(records, [slo("p50(ttft)<=26ms")], 0.05).close).toBe(true);
    expect(measureProbe(records, [slo("p50(ttft)<=30ms")], 0.05).close).toBe(false);
  });

  it("fails a latency SLO when nothing succeeded (no value, not 0 ms)", () => {
    const m = measureProbe([rec(0, [], true)], [slo("p95(ttft)<=1s")], 0.05);
    expect(m.readings[0]).toMatchObject({ value: null, pass: false });
  });
});
