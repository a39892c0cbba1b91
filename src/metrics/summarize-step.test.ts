import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { newRequestRecord, type ErrorReason, type RequestRecord } from "../engine/request-record.ts";
import { stepResultKeys } from "./step-result-keys.ts";
import { describeErrorCounts, formatResultDate, summarizeStep, type StepContext } from "./summarize-step.ts";

const END_MS = Date.UTC(2026, 0, 2, 3, 4, 5); // 2026-01-02 03:04:05 UTC

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return { ...newRequestRecord(0, 256, END_MS - 2000), ...overrides };
}

function context(overrides: Partial<StepContext> = {}): StepContext {
  return {
    durationMs: 2000,
    startedAtMs: END_MS - 2000,
    endedAtMs: END_MS,
    label: "c2",
    modelId: "meta-llama/Llama-3.1-8B-Instruct",
    tokenizerId: "meta-llama/Llama-3.1-8B-Instruct",
    numPrompts: 2,
    requestRate: "inf",
    burstiness: 1,
    maxConcurrency: 2,
    ...overrides,
  };
}

// A: send 0, chunks 100 110 125 130, usage 250 in / 4 out → TTFT 100, E2EL 130, ITL 10 15 5, TPOT 30/3 = 10.
const A = record({ index: 0, chunkTimesMs: [100, 110, 125, 130], promptTokens: 250, completionTokens: 4, textChunks: 4 });
// B: send 50, chunks 250 290 330, no usage, 3 text chunks, planned 256 in → TTFT 200, E2EL 280, ITL 40 40,
//    3 tokens counted, TPOT 80/2 = 40.
const B = record({ index: 1, sendMs: 50, chunkTimesMs: [250, 290, 330], textChunks: 3 });

describe("summarizeStep", () => {
  it("summarizes a two-request step into vLLM's keys, in vLLM's order", () => {
    const result = summarizeStep([A, B], context({ percentiles: [50, 99.9], goodput: { ttftMs: 150, tpotMs: 40 } }));
    expect(Object.keys(result)).toEqual([
      "date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts",
      "request_rate", "burstiness", "max_concurrency",
      "duration", "completed", "failed", "total_input_tokens", "total_output_tokens",
      "request_throughput", "request_goodput", "output_throughput", "total_token_throughput",
      "max_output_tokens_per_s", "max_concurrent_requests",
      "mean_ttft_ms", "median_ttft_ms", "std_ttft_ms", "p50_ttft_ms", "p99.9_ttft_ms",
      "mean_tpot_ms", "median_tpot_ms", "std_tpot_ms", "p50_tpot_ms", "p99.9_tpot_ms",
      "mean_itl_ms", "median_itl_ms", "std_itl_ms", "p50_itl_ms", "p99.9_itl_ms",
      "mean_e2el_ms", "median_e2el_ms", "std_e2el_ms", "p50_e2el_ms", "p99.9_e2el_ms",
      "started_at_ms", "ended_at_ms", "errors_by_reason", "output_tokens_counted", "prompt_tokens_planned",
    ]); // prettier-ignore
    expect(Object.keys(result)).toEqual(stepResultKeys([50, 99.9]));
    expect(result).toEqual({
      date: "20260102-030405",
      endpoint_type: "kneepoint-native",
      backend: "kneepoint-native",
      label: "c2",
      model_id: "meta-llama/Llama-3.1-8B-Instruct",
      tokenizer_id: "meta-llama/Llama-3.1-8B-Instruct",
      num_prompts: 2,
      request_rate: "inf",
      burstiness: 1,
      max_concurrency: 2,
      duration: 2, // 2000 ms
      completed: 2,
      failed: 0,
      total_input_tokens: 506, // 250 (usage) + 256 (planned)
      total_output_tokens: 7, // 4 (usage) + 3 (counted)
      request_throughput: 1, // 2 / 2 s
      request_goodput: 0.5, // A meets TTFT ≤ 150 and TPOT ≤ 40; B's TTFT 200 > 150 → 1 / 2 s
      output_throughput: 3.5, // 7 / 2 s
      total_token_throughput: 256.5, // (506 + 7) / 2 s
      max_output_tokens_per_s: 7, // all 7 chunks fall within the first second after the earliest send (0)
      max_concurrent_requests: 2, // [0, 130) and [50, 330) overlap
      // TTFT [100, 200]: mean 150, median 150, std 50; p99.9: rank 0.999 → 100 + 0.999·100 = 199.9
      mean_ttft_ms: 150,
      median_ttft_ms: 150,
      std_ttft_ms: 50,
      p50_ttft_ms: 150,
      "p99.9_ttft_ms": expect.closeTo(199.9, 9),
      // TPOT [10, 40]: mean 25, std 15; p99.9 = 10 + 0.999·30 = 39.97
      mean_tpot_ms: 25,
      median_tpot_ms: 25,
      std_tpot_ms: 15,
      p50_tpot_ms: 25,
      "p99.9_tpot_ms": expect.closeTo(39.97, 9),
      // ITL pooled [5, 10, 15, 40, 40]: mean 110/5 = 22; median 15;
      // deviations −17 −12 −7 18 18 → squares 289 + 144 + 49 + 324 + 324 = 1130 → std √(1130/5) = √226;
      // p99.9: rank 3.996 → 40 + 0.996·(40 − 40) = 40
      mean_itl_ms: 22,
      median_itl_ms: 15,
      std_itl_ms: Math.sqrt(226),
      p50_itl_ms: 15,
      "p99.9_itl_ms": 40,
      // E2EL [130, 280]: mean 205, std 75; p99.9 = 130 + 0.999·150 = 279.85
      mean_e2el_ms: 205,
      median_e2el_ms: 205,
      std_e2el_ms: 75,
      p50_e2el_ms: 205,
      "p99.9_e2el_ms": expect.closeTo(279.85, 9),
      started_at_ms: END_MS - 2000,
      ended_at_ms: END_MS,
      errors_by_reason: {},
      output_tokens_counted: 1, // B
      prompt_tokens_planned: 1, // B
    });
  });

  it("uses the default percentiles 50, 90, 95, 99 and writes a finite rate as a number", () => {
    const result = summarizeStep([A], context({ requestRate: 4, backend: "vllm", endpointType: "openai" }));
    expect(Object.keys(result)).toEqual(stepResultKeys([50, 90, 95, 99]));
    expect(result).toMatchObject({ request_rate: 4, backend: "vllm", endpoint_type: "openai", p99_ttft_ms: 100 });
    expect(summarizeStep([A], context({ requestRate: Infinity })).request_rate).toBe("inf");
  });

  it("counts failures by reason and leaves them out of every total and latency", () => {
    const failed = [
      record({ index: 2, chunkTimesMs: [5000], completionTokens: 99, error: { reason: "disconnect", message: "closed" } }),
      record({ index: 3, error: { reason: "http", status: 503, message: "overloaded" } }),
      record({ index: 4, error: { reason: "http", status: 500, message: "boom" } }),
      record({ index: 5 }), // no error recorded, but no token-bearing chunk either
    ];
    const result = summarizeStep([A, ...failed], context());
    expect(result).toMatchObject({
      completed: 1,
      failed: 4,
      total_input_tokens: 250,
      total_output_tokens: 4,
      max_output_tokens_per_s: 4,
      max_concurrent_requests: 1,
      mean_e2el_ms: 130,
      errors_by_reason: { disconnect: 1, http: 2, "empty-stream": 1 },
    });
  });

  it("reports zeros, never NaN, for an all-failed step with zero duration", () => {
    const result = summarizeStep([record({ error: { reason: "connection", message: "refused" } })], context({ durationMs: 0 }));
    expect(result).toMatchObject({
      duration: 0,
      completed: 0,
      failed: 1,
      request_throughput: 0,
      request_goodput: null,
      output_throughput: 0,
      total_token_throughput: 0,
      max_output_tokens_per_s: 0,
      max_concurrent_requests: 0,
      mean_ttft_ms: 0,
      p99_itl_ms: 0,
    });
  });

  it("writes request_goodput null without SLOs, and 0 (not null) when no request meets them", () => {
    expect(summarizeStep([A], context({ goodput: {} })).request_goodput).toBeNull();
    expect(summarizeStep([A], context({ goodput: { e2elMs: 129 } })).request_goodput).toBe(0);
    expect(summarizeStep([A], context({ goodput: { e2elMs: 130 } })).request_goodput).toBe(0.5);
  });
});

describe("describeErrorCounts", () => {
  it("lists reasons with their counts in the order they were first seen", () => {
    expect(describeErrorCounts({ http: 54, disconnect: 2 })).toBe("http ×54, disconnect ×2");
    expect(describeErrorCounts({})).toBe("");
  });
});

describe("formatResultDate", () => {
  it("formats epoch ms as YYYYMMDD-HHMMSS in UTC", () => {
    expect(formatResultDate(END_MS)).toBe("20260102-030405");
    expect(formatResultDate(Date.UTC(1999, 11, 31, 23, 59, 59, 999))).toBe("19991231-235959");
  });
});

// Every reason, checked by the compiler: a reason added to ErrorReason must be added here too.
const ALL_REASONS: Record<ErrorReason, true> = {
  http: true,
  timeout: true,
  disconnect: true,
  "malformed-chunk": true,
  "empty-stream": true,
  "stream-error": true,
  "not-a-stream": true,
  connection: true,
  aborted: true,
};
const REASONS = Object.keys(ALL_REASONS) as ErrorReason[];

const arbitraryRecord = fc
  .record({
    sendMs: fc.integer({ min: 0, max: 1e7 }),
    offsets: fc.array(fc.integer({ min: 0, max: 1e5 }), { maxLength: 30 }),
    promptTokens: fc.option(fc.nat(10_000)),
    completionTokens: fc.option(fc.nat(10_000)),
    textChunks: fc.nat(50),
    plannedPromptTokens: fc.nat(10_000),
    error: fc.option(fc.record({ reason: fc.constantFrom(...REASONS), message: fc.string({ maxLength: 20 }) })),
  })
  .map(({ sendMs, offsets, ...rest }): RequestRecord => ({
    index: 0,
    sendEpochMs: 0,
    sendMs,
    chunkTimesMs: [...offsets].sort((a, b) => a - b).map((o) => sendMs + o),
    ...rest,
  }));

const arbitraryContext = fc
  .record({
    durationMs: fc.oneof(fc.constant(0), fc.double(), fc.double({ min: 0, max: 1e7, noNaN: true })),
    startedAtMs: fc.oneof(fc.double(), fc.integer({ min: 0, max: 2e12 })),
    endedAtMs: fc.oneof(fc.double(), fc.integer({ min: 0, max: 2e12 })),
    percentiles: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 6 }), { nil: undefined }),
    goodput: fc.option(
      fc.record({ ttftMs: fc.nat(1e5), tpotMs: fc.nat(1e3), e2elMs: fc.nat(1e6) }, { requiredKeys: [] }),
      { nil: undefined },
    ),
  })
  .map(({ percentiles, ...rest }) => context({ ...rest, percentiles: percentiles?.map((t) => t / 10) }));

/** Every number in a JSON-like value, with its path. */
function numbersIn(value: unknown, path = "$"): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}.${k}`));
  }
  return [];
}

describe("summarizeStep properties", () => {
  it("never contains NaN or Infinity, whatever the records and context", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 20 }), arbitraryContext, (records, ctx) => {
        const result = summarizeStep(records, ctx);
        for (const [path, n] of numbersIn(result)) expect(Number.isFinite(n), path).toBe(true);
        expect(result.date).toMatch(/^\d{8}-\d{6}$/);
        expect(result.completed + result.failed).toBe(records.length);
        expect(result.max_concurrent_requests).toBeLessThanOrEqual(result.completed);
      }),
    );
  });

  it("gives the same counts and token totals for a concatenation as the sum of its parts", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 15 }), fc.array(arbitraryRecord, { maxLength: 15 }), (xs, ys) => {
        const whole = summarizeStep([...xs, ...ys], context());
        const a = summarizeStep(xs, context());
        const b = summarizeStep(ys, context());
        for (const key of [
          "completed",
          "failed",
          "total_input_tokens",
          "total_output_tokens",
          "output_tokens_counted",
          "prompt_tokens_planned",
        ] as const) {
          expect(whole[key]).toBe(a[key] + b[key]);
        }
        for (const reason of REASONS) {
          const parts = (a.errors_by_reason[reason] ?? 0) + (b.errors_by_reason[reason] ?? 0);
          expect(whole.errors_by_reason[reason] ?? 0).toBe(parts);
        }
      }),
    );
  });

  it("does not depend on the order of the records", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryRecord, { maxLength: 15 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length }))),
        ([xs, shuffled]) => {
          const { errors_by_reason: e1, ...rest1 } = summarizeStep(xs, context());
          const { errors_by_reason: e2, ...rest2 } = summarizeStep(shuffled, context());
          expect(rest2).toEqual(rest1);
          expect(e2).toEqual(e1); // same counts; key order may follow first occurrence
        },
      ),
    );
  });
});
