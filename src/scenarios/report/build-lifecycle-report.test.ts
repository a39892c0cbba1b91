/**
 * buildLifecycleReport on five records whose every number is worked out by hand below (times in ms, answers in s).
 *   A ok:   scheduled 1000, sent 1001, chunks 1101 1111 1121 1131, end 1140, usage 10 → 4, 4 text chunks
 *   B ok:   scheduled 1500, sent 1503, chunks 1553 1573, end 1580, no prompt usage (planned 20), usage out 3, 2 text chunks
 *   C ok:   scheduled 2000, sent 2000.5, one chunk 2200, end 2210, usage 5 → 1
 *   D fail: scheduled 2500, sent 2502, end 2530, HTTP 503 with a JSON error body, planned 7
 *   E fail: scheduled 3000, sent 3001, end 3100, client timeout, planned 8
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { ScenarioRecord } from "../types.ts";
import { buildLifecycleReport, type LifecycleReportOptions } from "./build-lifecycle-report.ts";
import type { DistributionSummary } from "./summarize-distribution.ts";

const A = scenarioRecord({ scheduledMs: 1000, sendMs: 1001, chunkTimesMs: [1101, 1111, 1121, 1131], endMs: 1140, plannedPromptTokens: 9, promptTokens: 10, completionTokens: 4 });
const B = scenarioRecord({ scheduledMs: 1500, sendMs: 1503, chunkTimesMs: [1553, 1573], endMs: 1580, plannedPromptTokens: 20, completionTokens: 3 });
const C = scenarioRecord({ scheduledMs: 2000, sendMs: 2000.5, chunkTimesMs: [2200], endMs: 2210, promptTokens: 5, completionTokens: 1 });
const D = scenarioRecord({
  scheduledMs: 2500,
  sendMs: 2502,
  endMs: 2530,
  plannedPromptTokens: 7,
  error: { reason: "http", status: 503, message: 'HTTP 503: {"error":{"message":"overloaded","type":"ServiceUnavailable"}}' },
});
const E = scenarioRecord({ scheduledMs: 3000, sendMs: 3001, endMs: 3100, plannedPromptTokens: 8, error: { reason: "timeout", message: "no complete answer within 99 ms (--timeout)" } });
const RECORDS = [A, B, C, D, E];

const OPTS: LifecycleReportOptions = { percentiles: [50, 90], maxErrorMessages: 100, useServerOutputTokens: false };
const STAGE = { kind: "constant", rate: 2, durationS: 2 } as const;

function expectDist(actual: DistributionSummary | null | undefined, expected: Record<string, number>): void {
  expect(actual).not.toBeNull();
  expect(Object.keys(actual!)).toEqual(Object.keys(expected));
  for (const [k, v] of Object.entries(expected)) expect(actual![k], k).toBeCloseTo(v, 12);
}

describe("buildLifecycleReport, hand-computed", () => {
  const report = buildLifecycleReport(RECORDS, { ...OPTS, stage: STAGE });

  it("writes inference-perf's keys in its order", () => {
    expect(Object.keys(report)).toEqual(["benchmark_time_seconds", "load_summary", "successes", "failures"]);
    expect(Object.keys(report.load_summary)).toEqual(["count", "schedule_delay", "send_duration", "requested_rate", "achieved_rate"]);
    expect(Object.keys(report.successes)).toEqual([
      "count",
      "latency",
      "throughput",
      "request_size_bytes",
      "image",
      "video",
      "audio",
      "prompt_tokens",
      "output_len",
      "output_tokens",
      "token_count_mismatches",
      "client_fallback_requests",
    ]);
    expect(Object.keys(report.successes.latency)).toEqual([
      "request_latency",
      "normalized_time_per_output_token",
      "time_per_output_token",
      "time_to_first_token",
      "inter_token_latency",
    ]);
    expect(Object.keys(report.failures)).toEqual(["count", "request_latency", "prompt_tokens", "by_label"]);
  });

  it("benchmark time: max end 3100 − min send 1001 = 2.099 s", () => {
    expect(report.benchmark_time_seconds).toBeCloseTo(2.099, 12);
  });

  it("load summary: schedule delays 1, 3, 0.5, 2, 1 ms; sends from 1001 to 3001", () => {
    const ls = report.load_summary;
    expect(ls.count).toBe(5);
    // sorted 0.5 1 1 2 3 ms: mean 1.5; p90 rank 3.6 → 2 + 0.6·1 = 2.6 ms
    expectDist(ls.schedule_delay, { mean: 0.0015, min: 0.0005, max: 0.003, median: 0.001, p90: 0.0026 });
    expect(ls.send_duration).toBeCloseTo(2, 12);
    expect(ls.requested_rate).toBe(2);
    expect(ls.achieved_rate).toBeCloseTo(2.5, 12);
    expect(ls.concurrency).toBeUndefined();
  });

  it("latencies of the three successes", () => {
    const l = report.successes.latency;
    expect(report.successes.count).toBe(3);
    // A 0.139, B 0.077, C 0.2095 → mean 0.4255/3; p90 rank 1.8 → 0.139 + 0.8·0.0705
    expectDist(l.request_latency, { mean: 0.4255 / 3, min: 0.077, max: 0.2095, median: 0.139, p90: 0.1954 });
    // NTPOT = latency / client output tokens: A 0.139/4, B 0.077/2, C 0.2095/1
    expectDist(l.normalized_time_per_output_token, { mean: 0.28275 / 3, min: 0.03475, max: 0.2095, median: 0.0385, p90: 0.0385 + 0.8 * 0.171 });
    // TPOT = (last − first)/(n − 1): A 30/3 = 10 ms, B 20/(2 − 1) = 20 ms (client count 2); C has one token time
    expectDist(l.time_per_output_token, { mean: 0.015, min: 0.01, max: 0.02, median: 0.015, p90: 0.019 });
    // TTFT: A 100 ms, B 50 ms; C has fewer than two token times: none (inference-perf)
    expectDist(l.time_to_first_token, { mean: 0.075, min: 0.05, max: 0.1, median: 0.075, p90: 0.095 });
    // ITL pooled: 10 10 10 20 ms; p90 rank 2.7 → 10 + 0.7·10
    expectDist(l.inter_token_latency, { mean: 0.0125, min: 0.01, max: 0.02, median: 0.01, p90: 0.017 });
  });

  it("throughput over the benchmark time; input from usage, else planned", () => {
    const t = report.successes.throughput;
    expect(t.input_tokens_per_sec).toBeCloseTo(35 / 2.099, 12); // 10 + 20 + 5
    expect(t.output_tokens_per_sec).toBeCloseTo(7 / 2.099, 12); // client counts 4 + 2 + 1
    expect(t.total_tokens_per_sec).toBeCloseTo(42 / 2.099, 12);
    expect(t.requests_per_sec).toBeCloseTo(3 / 2.099, 12);
    expect([t.images_per_sec, t.videos_per_sec, t.audios_per_sec]).toEqual([0, 0, 0]);
  });

  it("token counts, mismatches and fallbacks", () => {
    const s = report.successes;
    expect(s.prompt_tokens.total).toBe(35);
    // No usage.prompt_tokens_details.cached_tokens: cached 0, uncached = total (inference-perf writes 0.0, not null).
    expect(s.prompt_tokens.cached).toBe(0);
    expect(s.prompt_tokens.uncached).toBe(35);
    expect(s.prompt_tokens.median).toBe(10);
    expect(s.prompt_tokens.p90).toBeCloseTo(18, 12); // 10 + 0.8·10
    expectDist(s.output_len, { mean: 7 / 3, min: 1, max: 4, median: 2, p90: 3.6 });
    expect(s.output_tokens.total).toBe(8); // server 4 + 3 + 1
    expect(s.output_tokens.median).toBe(3);
    expect(s.output_tokens.p90).toBeCloseTo(3.8, 12);
    // B has 2 text chunks where usage says 3, but inference-perf counts mismatches only with a tokenizer configured.
    expect(s.token_count_mismatches).toBe(0);
    expect(s.client_fallback_requests).toEqual({ prompt: 1, output: 0 });
    expect(s.request_size_bytes).toBeNull(); // no bodies given
    expectDist(s.image.count, { mean: 0, min: 0, max: 0, median: 0, p90: 0 });
    expect(s.image.pixels).toBeNull();
    expect(s.goodput_metrics).toBeUndefined();
  });

  it("failures: latency, prompt tokens, labels", () => {
    const f = report.failures;
    expect(f.count).toBe(2);
    expectDist(f.request_latency, { mean: 0.0635, min: 0.028, max: 0.099, median: 0.0635, p90: 0.0919 });
    // A failed request's InferenceInfo is inference-perf's empty default: 0 input tokens (not the planned 7 and 8).
    expect(f.prompt_tokens).toMatchObject({ total: 0, cached: 0, uncached: 0, mean: 0, p90: 0 });
    expect(f.by_label).toEqual({
      "503 - Service Unavailable": { count: 1, messages: [{ message: "overloaded" }] },
      Timeout: { count: 1, messages: [{ message: "Request timed out" }] }, // asyncio.TimeoutError's record there
    });
  });
});

describe("options", () => {
  it("use_server_output_tokens divides TPOT, NTPOT and throughput by usage.completion_tokens", () => {
    const r = buildLifecycleReport(RECORDS, { ...OPTS, useServerOutputTokens: true });
    // B: (1573 − 1553) / (3 − 1) = 10 ms, NTPOT 0.077 / 3
    expectDist(r.successes.latency.time_per_output_token, { mean: 0.01, min: 0.01, max: 0.01, median: 0.01, p90: 0.01 });
    expect(r.successes.latency.normalized_time_per_output_token!.median).toBeCloseTo(0.139 / 4, 12);
    expect(r.successes.throughput.output_tokens_per_sec).toBeCloseTo(8 / 2.099, 12);
    expect(r.successes.output_len!.max).toBe(4); // output_len stays the client's count
  });

  it("the summary has no stage keys; a concurrent stage reports its concurrency and inference-perf's rate (num_requests)", () => {
    expect(Object.keys(buildLifecycleReport(RECORDS, OPTS).load_summary)).toEqual(["count", "schedule_delay"]);
    const r = buildLifecycleReport(RECORDS, { ...OPTS, stage: { kind: "concurrent", concurrency: 4, numRequests: 5 } });
    expect(r.load_summary.requested_rate).toBe(5);
    expect(r.load_summary.concurrency).toBe(4);
  });

  it("percentile keys follow report.request_lifecycle.percentiles (default list)", () => {
    const r = buildLifecycleReport(RECORDS, { ...OPTS, percentiles: [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] });
    expect(Object.keys(r.successes.latency.request_latency!)).toEqual([
      "mean", "min", "max", "p0.1", "p1", "p5", "p10", "p25", "median", "p75", "p90", "p95", "p99", "p99.9",
    ]);
  });

  it("request_size_bytes counts the bytes of Python's json.dumps of the successes' bodies", () => {
    const bodies = new Map<ScenarioRecord, string>([[A, '{"p":"é"}'], [B, "{}"], [C, "{12345}"]]);
    const r = buildLifecycleReport(RECORDS, { ...OPTS, requestBody: (rec) => bodies.get(rec) });
    // A: json.dumps({"p": "é"}) = '{"p": "\u00e9"}', 15 bytes; B: "{}", 2; C is not JSON: its 7 bytes as they are.
    // sorted 2, 7, 15: median 7, p90 = 7 + 0.8·(15 − 7) = 13.4
    expectDist(r.successes.request_size_bytes, { mean: 8, min: 2, max: 15, median: 7, p90: 13.4 });
  });

  it("goodput: ttft ≤ 80 ms and request_latency ≤ 200 ms → only B is good", () => {
    const r = buildLifecycleReport(RECORDS, { ...OPTS, goodput: { ttft: 0.08, request_latency: 0.2 } });
    const g = r.successes.goodput_metrics!;
    expect(Object.keys(g)).toEqual([
      "goodput_percentage", "request_goodput", "token_goodput", "good_requests", "total_requests",
      "ttft_attainment_percentage", "request_latency_attainment_percentage",
    ]);
    expect(g.good_requests).toBe(1);
    expect(g.total_requests).toBe(3);
    expect(g.goodput_percentage).toBeCloseTo(100 / 3, 12);
    // span of the successes: 2210 − 1001 ms
    expect(g.request_goodput).toBeCloseTo(1 / 1.209, 12);
    expect(g.token_goodput).toBeCloseTo(22 / 1.209, 12); // B: 20 in + 2 out
    expect(g.ttft_attainment_percentage).toBeCloseTo(100 / 3, 12); // C has no TTFT
    expect(g.request_latency_attainment_percentage).toBeCloseTo(200 / 3, 12); // C 209.5 ms
  });

  it("goodput on itl (a request's mean gap), tpot and ntpot", () => {
    const g = buildLifecycleReport(RECORDS, { ...OPTS, goodput: { itl: 0.012, tpot: 0.015, ntpot: 0.04 } }).successes.goodput_metrics!;
    expect(g.itl_attainment_percentage).toBeCloseTo(100 / 3, 12); // A 10 ms; B 20 ms; C none
    expect(g.tpot_attainment_percentage).toBeCloseTo(100 / 3, 12); // A 10 ms; B 20 ms; C none
    expect(g.ntpot_attainment_percentage).toBeCloseTo(200 / 3, 12); // A 34.75 ms, B 38.5 ms, C 209.5 ms
    expect(g.good_requests).toBe(1); // A
  });

  it("no records: zero counts and rates, null distributions", () => {
    const r = buildLifecycleReport([], { ...OPTS, stage: STAGE });
    expect(r.benchmark_time_seconds).toBe(0);
    expect(r.load_summary).toEqual({ count: 0, schedule_delay: null, send_duration: 0, requested_rate: 2, achieved_rate: 0 });
    expect(r.successes.latency.request_latency).toBeNull();
    expect(r.successes.throughput.requests_per_sec).toBe(0);
  });
});

describe("properties", () => {
  const arbRecord = fc
    .record({
      scheduled: fc.double({ min: 0, max: 1e6, noNaN: true }),
      late: fc.double({ min: -5, max: 500, noNaN: true }),
      gaps: fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { maxLength: 6 }),
      tail: fc.double({ min: 0, max: 50, noNaN: true }),
      usage: fc.option(fc.nat(50)),
      fail: fc.boolean(),
    })
    .map(({ scheduled, late, gaps, tail, usage, fail }) => {
      const sendMs = scheduled + late;
      const chunkTimesMs: number[] = [];
      let t = sendMs;
      for (const g of gaps) chunkTimesMs.push((t += g));
      return scenarioRecord({
        scheduledMs: scheduled,
        sendMs,
        chunkTimesMs: fail ? [] : chunkTimesMs,
        endMs: t + tail,
        completionTokens: usage,
        error: fail ? { reason: "disconnect", message: "connection closed mid-stream" } : null,
      });
    });

  it("counts add up, nothing is NaN or infinite, and the order of records does not matter", () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { maxLength: 20 }), fc.boolean(), (records, useServer) => {
        const opts = { ...OPTS, useServerOutputTokens: useServer, stage: STAGE, goodput: { ttft: 0.05 } };
        const r = buildLifecycleReport(records, opts);
        expect(r.successes.count + r.failures.count).toBe(records.length);
        const text = JSON.stringify(r, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? "BAD" : v));
        expect(text).not.toContain("BAD");
        // Labels with equal counts keep first-seen order (as Python's stable sort), so compare them as a set.
        const canonical = (x: typeof r) => JSON.stringify({ ...x, failures: { ...x.failures, by_label: Object.entries(x.failures.by_label).sort() } });
        expect(canonical(buildLifecycleReport([...records].reverse(), opts))).toBe(canonical(r));
      }),
    );
  });
});
