/**
 * The sweep end to end against the simulator's performance model (kv-starved: a 70B model whose KV cache holds
 * about 20 requests of this shape, so throughput stops rising between c = 16 and 64), at --speedup 20.
 * The truth to compare with is the simulator's own engine model run in virtual time by an ideal closed loop
 * (bench/rate-virtual-capacity.ts): its capacity × the speedup. The ladder goes through HTTP, the client and
 * real timers, so it may read a little lower; it must not read higher, and must find the knee.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../../cli/start-sim-process.ts";
import { virtualCapacity } from "../../../bench/rate-virtual-capacity.ts";
import type { RequestSource } from "../types.ts";
import { runStages, type SweepOutcome } from "./run-stages.ts";

const SPEEDUP = 20;
const SHAPE = { promptTokens: 256, outputTokens: 64 };
let sim: SimProcess;
let model = "";

beforeAll(async () => {
  sim = await startSimProcess(["--profile", "kv-starved", "--speedup", String(SPEEDUP)]);
  model = ((await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id;
});
afterAll(async () => {
  await sim?.stop();
});

const source: RequestSource = {
  request: (i) => ({
    body: JSON.stringify({
      model,
      prompt: Array.from({ length: SHAPE.promptTokens }, (_, k) => (i * 7 + k) % 30_000),
      max_tokens: SHAPE.outputTokens,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    }),
    plannedPromptTokens: SHAPE.promptTokens,
    plannedOutputTokens: SHAPE.outputTokens,
  }),
  describe: () => "256 → 64 tokens",
};

describe("sweep: saturation ladder on the simulator", () => {
  it("finds the kv-starved knee and a saturation rate within 15 % below the engine model's capacity", async () => {
    const truth = virtualCapacity("kv-starved", SHAPE, 128);
    const capacityRps = truth.capacityRps * SPEEDUP;
    let outcome: SweepOutcome | null = null;
    const never = new AbortController().signal;
    const runs = await runStages({
      stages: [],
      sweep: { type: "linear", numRequests: 2000, timeoutS: 30, numStages: 2, stageDurationS: 1, saturationPercentile: 95, stageKind: "constant" },
      intervalS: 0,
      source,
      client: { baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, streaming: true, requestTimeoutS: 60 },
      seed: 1,
      stop: never,
      abort: never,
      onSweep: (o) => void (outcome = o),
    });
    const o = outcome as SweepOutcome | null;
    expect(o).not.toBeNull();
    const e = o!.estimate;
    const model = (c: number) => ((truth.curve.find((p) => p.concurrency === c)?.rps ?? NaN) * SPEEDUP).toFixed(1);
    const rungs = e.rungs.map(
      (r) => `c=${r.concurrency}: X = N̄/R ${r.throughputRps.toFixed(1)}, counted ${r.countedThroughputRps.toFixed(1)}, model ${model(r.concurrency)}; X_count·R ${r.littleN.toFixed(2)}, N̄ ${r.meanInFlight.toFixed(2)}`,
    );
    console.log(`capacity ${capacityRps.toFixed(1)} req/s; estimate ${e.rateRps.toFixed(1)} (knee c=${e.kneeConcurrency}, ${e.stoppedBy})\n  ${rungs.join("\n  ")}\n  notes: ${e.notes.join(" | ") || "none"}`);
    expect(e.saturated).toBe(true);
    expect(e.stoppedBy).toBe("saturated");
    expect([16, 32, 64]).toContain(e.kneeConcurrency);
    expect(e.rateRps).toBeGreaterThan(0.85 * capacityRps);
    expect(e.rateRps).toBeLessThan(1.05 * capacityRps);
    // Every rung kept its c in flight, and each X(c) is within 15 % of the model's X(c) at that concurrency.
    for (const r of e.rungs) {
      expect(r.meanInFlight / r.concurrency).toBeGreaterThan(0.9);
      expect(Math.abs(r.throughputRps / Number(model(r.concurrency)) - 1)).toBeLessThan(0.15);
    }
    // The generated stages (linspace(1, sat, 2)) ran after the probe; the probe's rungs were not reported.
    expect(o!.stages.map((s) => (s.kind === "concurrent" ? null : s.rate))).toEqual([1, Number(e.rateRps.toFixed(2))]);
    expect(runs.map((r) => [r.index, r.plan, r.status])).toEqual(o!.stages.map((s, i) => [i, s, "completed"]));
    expect(o!.probeRuns.every((r) => r.index === -1 && r.records.every((x) => x.stage === -1))).toBe(true);
  }, 120_000);
});
