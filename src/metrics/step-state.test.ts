import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { newRequestRecord, type ErrorReason, type RequestRecord } from "../engine/request-record.ts";
import { HISTOGRAM_RELATIVE_ERROR } from "./samples.ts";
import { addRecord, createStepState, mergeStepStates, setStepWindow, summarizeStepState, type StepState } from "./step-state.ts";
import { stepStateFromJson, stepStateToJson } from "./step-state-json.ts";
import type { StepContext, StepResult } from "./summarize-step.ts";

const EPOCH = 1_767_323_045_000; // 2026-01-02 03:04:05 UTC, as a monotonic → epoch offset
const CTX: Omit<StepContext, "durationMs" | "startedAtMs" | "endedAtMs"> = {
  label: "c2",
  modelId: "m",
  tokenizerId: null,
  numPrompts: 3,
  requestRate: "inf",
  burstiness: 1,
  maxConcurrency: 2,
  percentiles: [50, 99],
};

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return { ...newRequestRecord(0, 256, 0), ...overrides };
}

function roundTrip(state: StepState): StepState {
  return stepStateFromJson(JSON.parse(JSON.stringify(stepStateToJson(state))), "shard-0/step-1.json");
}

// A: send 0, chunks 100 110 125 130 → TTFT 100, E2EL 130, ITL 10 15 5, TPOT 10; settled 140, due at −4.
const A = record({ chunkTimesMs: [100, 110, 125, 130], promptTokens: 250, completionTokens: 4, textChunks: 4, endMs: 140 });
// B: send 50, chunks 250 290 330, 3 text chunks, no usage → TTFT 200, E2EL 280, ITL 40 40, TPOT 40; settled 335, due at 50.
const B = record({ index: 1, sendMs: 50, chunkTimesMs: [250, 290, 330], textChunks: 3, endMs: 335 });
// C: send 60, HTTP 503, settled 70.
const C = record({ index: 2, sendMs: 60, endMs: 70, error: { reason: "http", status: 503, message: "overloaded" } });

describe("StepState", () => {
  it("summarizes three records, added one by one in epoch time, to hand-computed values", () => {
    const state = createStepState({ goodput: { ttftMs: 150 } });
    addRecord(state, A, EPOCH, -4);
    addRecord(state, B, EPOCH, 50);
    addRecord(state, C, EPOCH);
    setStepWindow(state, EPOCH, EPOCH + 2000);
    state.clientCpuMs = 12;
    const r = summarizeStepState(state, CTX);
    expect(r).toMatchObject({
      date: "20260102-030407",
      duration: 2,
      completed: 2,
      failed: 1,
      total_input_tokens: 250 + 256, // B has no usage: the plan's 256
      total_output_tokens: 4 + 3,
      request_throughput: 1, // 2 / 2 s
      request_goodput: 0.5, // only A has TTFT ≤ 150
      output_throughput: 3.5,
      total_token_throughput: 256.5, // (506 + 7) / 2
      max_output_tokens_per_s: 7, // every chunk within 1 s of the earliest send
      max_concurrent_requests: 2, // [0, 130) and [50, 330) overlap
      mean_ttft_ms: 150,
      median_ttft_ms: 150,
      std_ttft_ms: 50,
      p99_ttft_ms: 199, // 100 + 0.99·100
      mean_tpot_ms: 25,
      mean_itl_ms: 22, // (10 + 15 + 5 + 40 + 40) / 5
      median_itl_ms: 15,
      mean_e2el_ms: 205,
      started_at_ms: EPOCH,
      ended_at_ms: EPOCH + 2000,
      errors_by_reason: { http: 1 },
      output_tokens_counted: 1,
      prompt_tokens_planned: 1,
    });
    expect(r).not.toHaveProperty("estimated_metrics");
    expect(state.scheduleDelayMs.describe([]).mean).toBe(2); // (0 − (−4) + 50 − 50) / 2
    expect(state.requestLatencyMs.describe([]).mean).toBe(145); // (140 + 285 + 10) / 3
    expect(state.firstErrors.http).toEqual({ error: C.error, sendEpochMs: EPOCH + 60 });
  });

  it("merges shards to exactly the one-state summary, in any split, through JSON", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(4), { maxLength: 40 }), (records, shards, shardOf) => {
        const offset = (shard: number): number => EPOCH + shard * 1000.25; // each load pod has its own clock
        const whole = createStepState({ goodput: { e2elMs: 5000 } });
        const parts = Array.from({ length: shards }, () => createStepState({ goodput: { e2elMs: 5000 } }));
        records.forEach((rec, i) => {
          const shard = (shardOf[i] ?? 0) % shards;
          addRecord(whole, rec, offset(shard), rec.sendMs - 1);
          addRecord(parts[shard] as StepState, rec, offset(shard), rec.sendMs - 1);
        });
        parts.forEach((p, i) => setStepWindow(p, EPOCH + i, EPOCH + 60_000 - i));
        setStepWindow(whole, EPOCH, EPOCH + 60_000);
        const merged = mergeStepStates(parts.map(roundTrip).reverse());
        const { errors_by_reason: e1, ...r1 } = summarizeStepState(merged, CTX);
        const { errors_by_reason: e2, ...r2 } = summarizeStepState(whole, CTX);
        expect(r1).toEqual(r2);
        expect(e1).toEqual(e2); // same counts; key order follows the shards
        expect(merged.scheduleDelayMs.describe([50])).toEqual(whole.scheduleDelayMs.describe([50]));
        expect(merged.requestLatencyMs.describe([50])).toEqual(whole.requestLatencyMs.describe([50]));
        expect(merged.firstErrors).toEqual(whole.firstErrors);
      }),
    );
  });

  it("past the exact cap: percentiles within the histogram bound, counts, totals and rates exact, and says so", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(3), { maxLength: 40 }), (records, shardOf) => {
        const exact = createStepState();
        const parts = [0, 1, 2, 3].map(() => createStepState({ exactCap: 8 }));
        records.forEach((rec, i) => {
          addRecord(exact, rec, EPOCH);
          addRecord(parts[shardOf[i] ?? 0] as StepState, rec, EPOCH);
        });
        for (const s of [exact, ...parts]) setStepWindow(s, EPOCH, EPOCH + 10_000);
        const want = summarizeStepState(exact, CTX);
        const got = summarizeStepState(mergeStepStates(parts.map(roundTrip)), CTX);
        for (const key of ["completed", "failed", "total_input_tokens", "total_output_tokens", "request_throughput", "output_throughput", "max_concurrent_requests"] as const) {
          expect(got[key], key).toBe(want[key]);
        }
        const estimated = got.estimated_metrics ?? [];
        const bound = got.estimate_relative_error ?? 0;
        for (const key of Object.keys(want) as (keyof StepResult)[]) {
          const metric = /^(?:p[\d.]+|median)_(\w+)_ms$/.exec(key)?.[1];
          if (metric === undefined) continue;
          if (!estimated.includes(metric)) expect(got[key], key).toBe(want[key]);
          else expect(Math.abs((got[key] as number) - (want[key] as number)), key).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR * 1.000001 * Math.abs(want[key] as number) + 1e-9);
        }
        const tokens = got.max_output_tokens_per_s;
        expect(Math.abs(tokens - want.max_output_tokens_per_s)).toBeLessThanOrEqual(estimated.includes("max_output_tokens_per_s") ? bound * tokens : 0);
        if (estimated.some((m) => m !== "max_output_tokens_per_s")) expect(bound).toBeGreaterThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
      }),
    );
  });

  it("names the estimated metrics and their bound, only when some samples went past the cap", () => {
    const state = createStepState({ exactCap: 3 });
    // 4 requests of 3 chunks: 4 TTFTs, TPOTs and E2ELs, 8 ITLs, 12 chunk times: all past a cap of 3.
    for (let i = 0; i < 4; i++) addRecord(state, record({ sendMs: i, chunkTimesMs: [i + 10, i + 20, i + 30], completionTokens: 3 }), EPOCH);
    setStepWindow(state, EPOCH, EPOCH + 1000);
    const r = summarizeStepState(state, CTX);
    expect(r.estimated_metrics).toEqual(["ttft", "tpot", "itl", "e2el", "max_output_tokens_per_s"]);
    // Every chunk lies in 1 ms cells well inside bucket 0: no cell straddles an edge, so the latency bound is the largest.
    expect([r.estimate_relative_error, r.max_output_tokens_per_s, r.p50_itl_ms]).toEqual([HISTOGRAM_RELATIVE_ERROR, 12, 10]);
    expect(Object.keys(r).slice(-2)).toEqual(["estimated_metrics", "estimate_relative_error"]);
  });

  it("refuses to merge shards with different goodput SLOs, naming them", () => {
    expect(() => mergeStepStates([createStepState({ goodput: { ttftMs: 100 } }), createStepState({ goodput: { ttftMs: 200 } })])).toThrow(
      'shard 1 has goodput SLOs {"ttftMs":200}, shard 0 has {"ttftMs":100}',
    );
    expect(() => mergeStepStates([])).toThrow(/no states/);
  });

  it("names the file and the field of a bad document", () => {
    const good = stepStateToJson(createStepState()) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>): (() => StepState) => () => stepStateFromJson({ ...good, ...patch }, "out/shard-3/step-2.json");
    expect(bad({ version: 7 })).toThrow(/^out\/shard-3\/step-2\.json: version: expected 1, got 7/);
    expect(bad({ sent: -1 })).toThrow(/^out\/shard-3\/step-2\.json: sent: expected an integer ≥ 0, got -1/);
    expect(bad({ errorsByReason: { http: 1 } })).toThrow(/^out\/shard-3\/step-2\.json: errorsByReason: counts 1 failures, sent − completed is 0/);
    expect(bad({ intervals: { starts: "AAAAAAAA+D8=", ends: "" } })).toThrow(/^out\/shard-3\/step-2\.json: intervals\.ends: 0 ends for 1 starts/);
    expect(bad({ intervals: { starts: "AAAAAAAA+D8=", ends: "AAAAAAAA+D8=" } })).toThrow(/^out\/shard-3\/step-2\.json: intervals\.starts: 1 intervals for 0 completed/);
    expect(bad({ itlMs: { version: 1, exactCap: 5, count: 1 } })).toThrow(/^out\/shard-3\/step-2\.json: itlMs: values: expected exactly one/);
    expect(bad({ goodput: { ttft: 5 } })).toThrow(/^out\/shard-3\/step-2\.json: goodput\.ttft: unknown SLO/);
  });
});

const REASONS: ErrorReason[] = ["http", "timeout", "disconnect", "empty-stream", "connection"];

const arbitraryRecord = fc
  .record({
    sendMs: fc.double({ min: 0, max: 5000, noNaN: true }),
    offsets: fc.array(fc.double({ min: 0, max: 3000, noNaN: true }), { maxLength: 20 }),
    promptTokens: fc.option(fc.nat(10_000)),
    completionTokens: fc.option(fc.nat(10_000)),
    textChunks: fc.nat(50),
    settleMs: fc.option(fc.double({ min: 0, max: 4000, noNaN: true })),
    error: fc.option(fc.record({ reason: fc.constantFrom(...REASONS), message: fc.string({ maxLength: 10 }) }), { freq: 4 }),
  })
  .map(({ sendMs, offsets, settleMs, ...rest }): RequestRecord => ({
    ...record({}),
    sendMs,
    chunkTimesMs: [...offsets].sort((a, b) => a - b).map((o) => sendMs + o),
    ...(settleMs !== null ? { endMs: sendMs + settleMs } : {}),
    ...rest,
  }));
