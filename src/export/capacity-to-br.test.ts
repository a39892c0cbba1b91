import { describe, expect, it } from "vitest";
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import type { CapacityProbe } from "../capacity/capacity-result.ts";
import { summarizeStep } from "../metrics/summarize-step.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import { capacityToBr } from "./capacity-to-br.ts";

const rec = (index: number): RequestRecord => ({ index, plannedPromptTokens: 16, sendMs: 0, chunkTimesMs: [20, 25, 30], promptTokens: 16, completionTokens: 3, textChunks: 3, sendEpochMs: 0, error: null });
const step = summarizeStep([rec(0), rec(1)], { durationMs: 1000, startedAtMs: 1_000, endedAtMs: 2_000, label: "probe-1", modelId: "m", tokenizerId: null, numPrompts: 2, requestRate: 5, burstiness: 1, maxConcurrency: null });
const probe = (index: number, level: number, pass: boolean, partial = false): CapacityProbe => ({
  index, axis: "rate", level, attempt: 1, measuredRequests: 2, warmupRequests: 0, failed: 0, durationS: 1, achievedRps: 2, scheduleDelayP50Ms: 0.5,
  readings: [{ slo: "p95(ttft) <= 25ms", value: 20, limit: 25, pass, ratio: 0.8 }], pass, close: false, partial, startedAtEpochMs: 1_000, endedAtEpochMs: 2_000,
});

describe("capacityToBr", () => {
  it("one document per completed probe: rate load, the step's numbers in seconds, the answer keyworded", () => {
    const probes = [probe(1, 5, true), probe(2, 10, false), probe(3, 7.5, true, true)];
    const document = {
      arrival: "periodic",
      request: "16 in / 3 out tokens",
      slos: [{ slo: "p95(ttft) <= 25ms", limit: 25, unit: "ms" }],
      probeLengthRule: { text: "rule" },
      results: [{ axis: "rate", answer: 5 }],
    } as unknown as CapacityDocument;
    const docs = capacityToBr({
      runId: "r1",
      harnessVersion: "0.1.0",
      serving: { model: "m", serverVersion: "0.10.0", simulator: "kneepoint-sim", simulatorProfile: "h100-8b", accelerator: null },
      document,
      shape: { inputLen: 16, outputLen: 3, ignoreEos: true },
      probes: probes.map((p) => ({ probe: p, step, peaks: null })),
    });
    expect(docs.map((d) => d.run.uid)).toEqual(["kneepoint-r1-probe1", "kneepoint-r1-probe2"]);
    expect(docs[0]!.scenario.load.standardized).toMatchObject({ rate_qps: 5, stage: 0, input_seq_len: { distribution: "fixed", value: 16 }, output_seq_len: { value: 3 } });
    expect(docs[0]!.run.keywords).toContain("capacity-answer");
    expect(docs[1]!.run.keywords).toEqual(expect.arrayContaining(["slo-failed", "open-loop"]));
    expect((docs[0]!.results.request_performance?.aggregate as { latency?: { time_to_first_token?: { mean: number } } }).latency?.time_to_first_token?.mean).toBe(0.02);
  });
});
