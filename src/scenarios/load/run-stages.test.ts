/**
 * runStages against the simulator in its own process (deterministic mode: TTFT 5 ms, ITL 1 ms): stage order,
 * counts, request indices across stages, interval, epoch windows, non-streamed requests, and Ctrl-C.
 * Timing bounds are loose (a shared 2-core machine); schedule accuracy at rate is bench/rate-bench.ts's job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../../cli/start-sim-process.ts";
import type { RequestSource, StageRun } from "../types.ts";
import { runStages, type RunStagesOptions } from "./run-stages.ts";
import { summarizeStageLoad } from "./stage-load-summary.ts";

let sim: SimProcess;
let model = "";

beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", "5", "--itl-ms", "1"]);
  model = ((await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id;
});
afterAll(async () => {
  await sim?.stop();
});

/** Request i: a prompt of 16 token ids starting at i (so the body names its index), 8 output tokens. */
function source(streaming = true): RequestSource {
  return {
    request: (i) => ({
      body: JSON.stringify({
        model,
        prompt: Array.from({ length: 16 }, (_, k) => i + k),
        max_tokens: 8,
        ignore_eos: true,
        stream: streaming,
        ...(streaming ? { stream_options: { include_usage: true } } : {}),
      }),
      plannedPromptTokens: 16,
      plannedOutputTokens: 8,
    }),
    describe: () => "token ids",
  };
}

function options(over: Partial<RunStagesOptions>): RunStagesOptions {
  const never = new AbortController().signal;
  return {
    stages: [],
    intervalS: 0,
    source: source(),
    client: { baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, streaming: true, requestTimeoutS: 10 },
    seed: 7,
    stop: never,
    abort: never,
    ...over,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("runStages against the simulator", () => {
  it("runs constant, poisson and concurrent stages in order, with the interval between them", async () => {
    const started: number[] = [];
    const ended: StageRun[] = [];
    const runs = await runStages(
      options({
        stages: [
          { kind: "constant", rate: 20, durationS: 1 },
          { kind: "poisson", rate: 20, durationS: 1 },
          { kind: "concurrent", concurrency: 4, numRequests: 12 },
        ],
        intervalS: 0.3,
        onStageStart: (i) => started.push(i),
        onStageEnd: (r) => void ended.push(r),
      }),
    );
    expect(runs.map((r) => [r.index, r.status, r.records.length, r.unsent])).toEqual([
      [0, "completed", 20, 0],
      [1, "completed", 20, 0],
      [2, "completed", 12, 0],
    ]);
    expect(started).toEqual([0, 1, 2]);
    expect(ended).toEqual(runs);
    for (const r of runs) {
      expect(r.records.every((x) => x.error === null && x.stage === r.index && x.completionTokens === 8)).toBe(true);
      expect(r.records.every((x) => x.sendMs >= x.scheduledMs && x.endMs >= x.chunkTimesMs.at(-1)!)).toBe(true);
      expect(r.endMs).toBe(Math.max(...r.records.map((x) => x.endMs)));
      expect(r.endEpochMs - r.startEpochMs).toBeCloseTo(r.endMs - r.startMs, 3); // epoch ms ~1.7e12: 1e-4 ms resolution
      // Sent on time: a loose bound here, the benchmark measures the real figure.
      expect(median(summarizeStageLoad(r).scheduleDelaysMs)).toBeLessThan(50);
    }
    // Requests are counted across stages: stage 1 sends prompts 20–39, stage 2 prompts 40–51.
    expect(runs.map((r) => r.records.map((x) => x.index).sort((a, b) => a - b))).toEqual([
      Array.from({ length: 20 }, (_, i) => i),
      Array.from({ length: 20 }, (_, i) => 20 + i),
      Array.from({ length: 12 }, (_, i) => 40 + i),
    ]);
    // load.interval: 0.3 s from the end of one stage to the start of the next.
    expect(runs[1]!.startMs - runs[0]!.endMs).toBeGreaterThanOrEqual(300);
    // A constant stage offers int(20 × 1) = 20 requests across its one second: achieved ≈ 20 / (1 − first gap).
    const load0 = summarizeStageLoad(runs[0]!);
    expect(load0.sendDurationS).toBeGreaterThan(0.5);
    expect(load0.sendDurationS).toBeLessThan(1.1);
  });

  it("reads non-streamed answers whole: one timed chunk per request, usage from the response", async () => {
    const runs = await runStages(
      options({ stages: [{ kind: "constant", rate: 10, durationS: 1 }], source: source(false), client: { baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, streaming: false } }),
    );
    const records = runs[0]!.records;
    expect(records).toHaveLength(10);
    for (const r of records) {
      expect(r.error).toBeNull();
      expect(r.chunkTimesMs).toHaveLength(1);
      expect([r.promptTokens, r.completionTokens]).toEqual([16, 8]);
      // TTFT 5 ms + 7 × ITL 1 ms before the answer is complete (the simulator sends it at its last token)
      expect(r.chunkTimesMs[0]! - r.sendMs).toBeGreaterThanOrEqual(11);
    }
  });

  it("on stop, ends the stage in progress as interrupted with what it measured and runs no further stage", async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 400);
    const runs = await runStages(
      options({
        stages: [
          { kind: "constant", rate: 20, durationS: 2 },
          { kind: "constant", rate: 20, durationS: 1 },
        ],
        stop: stop.signal,
      }),
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe("interrupted");
    expect(runs[0]!.records.length).toBeGreaterThan(0);
    expect(runs[0]!.records.every((r) => r.error === null)).toBe(true);
    expect(runs[0]!.records.length + runs[0]!.unsent).toBe(40);
  });

  it("cuts a stage at the stage timeout as timed_out", async () => {
    const runs = await runStages(options({ stages: [{ kind: "constant", rate: 10, durationS: 3 }], stageTimeoutS: 0.5 }));
    expect(runs[0]!.status).toBe("timed_out");
    expect(runs[0]!.unsent).toBeGreaterThan(0);
  });
});
