/**
 * Round trip: the simulator in deterministic mode (first token exactly 40 ms after arrival, then one every 8 ms)
 * → the native streaming client → ScenarioRecords → inference-perf's lifecycle report. The report must give back
 * what the simulator was told: TTFT 40 ms, ITL and TPOT 8 ms, request latency 40 + 15·8 = 160 ms (plus the usage
 * chunk and [DONE]), 16 output tokens from usage, the prompt length the server counted, and sends on schedule.
 * Tolerances are medians within a few ms: the client and the simulator share one loaded 2-core machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamClient } from "../../src/engine/openai-stream-client.ts";
import { buildLifecycleReport } from "../../src/scenarios/report/build-lifecycle-report.ts";
import { buildLifecycleFiles } from "../../src/scenarios/report/build-lifecycle-files.ts";
import type { ScenarioRecord, StageRun } from "../../src/scenarios/types.ts";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const TTFT_MS = 40;
const ITL_MS = 8;
const OUTPUT_TOKENS = 16;
const REQUESTS = 12;
const GAP_MS = 25;
const TOLERANCE_MS = 5;

let sim: RunningSimulator;
let records: ScenarioRecord[];
let promptTokens: number;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: TTFT_MS, itlMs: ITL_MS });
  const client = createStreamClient({ baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, connections: REQUESTS, timeoutMs: 10_000 });
  const body = (i: number) =>
    JSON.stringify({ model: MODEL, prompt: `round trip ${i}`, max_tokens: OUTPUT_TOKENS, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
  const never = new AbortController().signal;
  await client.send({ index: -1, body: body(-1), plannedPromptTokens: 3 }, never); // warm-up: JIT, first connection
  const t0 = performance.now() + 20;
  records = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const scheduledMs = t0 + i * GAP_MS;
      await new Promise((r) => setTimeout(r, Math.max(0, scheduledMs - performance.now())));
      const rec = await client.send({ index: i, body: body(i), plannedPromptTokens: 3 }, never);
      return { ...rec, stage: 0, scheduledMs, endMs: rec.endMs as number };
    }),
  );
  await client.close();
  promptTokens = records[0]!.promptTokens as number;
});
afterAll(async () => {
  await sim.close();
});

describe("deterministic simulator → client → lifecycle report", () => {
  it("gives back the simulator's TTFT, ITL, TPOT and request latency", () => {
    const r = buildLifecycleReport(records, { percentiles: [50, 90], maxErrorMessages: 10, useServerOutputTokens: true, stage: { kind: "constant", rate: 40, durationS: 0.3 } });
    expect(r.successes.count).toBe(REQUESTS);
    expect(r.failures.count).toBe(0);
    const lat = r.successes.latency;
    const seen = `TTFT ${lat.time_to_first_token?.median}, ITL ${lat.inter_token_latency?.median}, TPOT ${lat.time_per_output_token?.median}, E2E ${lat.request_latency?.median}`;
    expect(Math.abs(lat.time_to_first_token!.median! * 1000 - TTFT_MS), seen).toBeLessThan(TOLERANCE_MS);
    expect(Math.abs(lat.inter_token_latency!.median! * 1000 - ITL_MS), seen).toBeLessThan(TOLERANCE_MS);
    expect(Math.abs(lat.time_per_output_token!.median! * 1000 - ITL_MS), seen).toBeLessThan(1);
    const e2eMs = TTFT_MS + (OUTPUT_TOKENS - 1) * ITL_MS;
    expect(lat.request_latency!.median! * 1000 - e2eMs, seen).toBeGreaterThan(-TOLERANCE_MS);
    expect(lat.request_latency!.median! * 1000 - e2eMs, seen).toBeLessThan(2 * TOLERANCE_MS);
    // NTPOT = latency / 16 tokens
    expect(lat.normalized_time_per_output_token!.median!).toBeCloseTo(lat.request_latency!.median! / OUTPUT_TOKENS, 2);
  });

  it("counts tokens from usage, and the client's chunk count agrees", () => {
    const r = buildLifecycleReport(records, { percentiles: [50], maxErrorMessages: 10, useServerOutputTokens: false });
    expect(r.successes.output_tokens.total).toBe(REQUESTS * OUTPUT_TOKENS);
    expect(r.successes.output_len).toMatchObject({ min: OUTPUT_TOKENS, max: OUTPUT_TOKENS });
    expect(r.successes.token_count_mismatches).toBe(0);
    expect(r.successes.client_fallback_requests).toEqual({ prompt: 0, output: 0 });
    expect(promptTokens).toBeGreaterThan(0);
    expect(r.successes.prompt_tokens.total).toBe(records.reduce((n, rec) => n + (rec.promptTokens as number), 0));
  });

  it("sends on schedule: schedule delay median below 10 ms, achieved rate near 40 req/s", () => {
    const r = buildLifecycleReport(records, { percentiles: [50], maxErrorMessages: 10, useServerOutputTokens: false, stage: { kind: "constant", rate: 40, durationS: 0.3 } });
    expect(r.load_summary.schedule_delay!.median!).toBeLessThan(0.01);
    expect(r.load_summary.schedule_delay!.min).toBeGreaterThan(-0.002);
    // 12 sends over 11 gaps of 25 ms: 12 / 0.275 s = 43.6 req/s when on time
    expect(r.load_summary.achieved_rate!).toBeGreaterThan(35);
    expect(r.load_summary.achieved_rate!).toBeLessThan(50);
  });

  it("names the files as inference-perf", () => {
    const stage: StageRun = {
      index: 0, plan: { kind: "constant", rate: 40, durationS: 0.3 }, status: "completed",
      startMs: 0, endMs: 0, startEpochMs: 0, endEpochMs: 0, records, unsent: 0,
    };
    const probe: StageRun = { ...stage, index: -1, records: records.map((r) => ({ ...r, stage: -1 })) };
    const files = buildLifecycleFiles([probe, stage], {
      summary: true, perStage: true, perRequest: true, percentiles: [50], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null,
    });
    expect(files.map((f) => f.name)).toEqual(["summary_lifecycle_metrics", "stage_0_lifecycle_metrics", "per_request_lifecycle_metrics", "kneepoint_per_request"]);
    const perRequest = files[2]!.kind === "json" ? (files[2]!.contents as unknown[]) : [];
    expect(perRequest).toHaveLength(REQUESTS); // the sweep probe (stage −1) is not reported
  });
});
