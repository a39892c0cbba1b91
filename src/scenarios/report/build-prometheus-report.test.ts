import { describe, expect, it } from "vitest";
import { buildPrometheusReport, readPromValue, type PromValues } from "./build-prometheus-report.ts";
import { promReadyAtMs, stagePromWindow, summaryPromWindow } from "./prometheus-windows.ts";

describe("buildPrometheusReport", () => {
  const values = new Map(
    Object.entries({
      "requests.total": 452,
      "requests.per_second": 5.650277,
      "prompt_tokens.avg": 758.8,
      "prompt_tokens.per_second": 758.83895,
      "queue_length.avg": 0,
      "request_latency.avg": 5.69833,
      "request_latency.median": 4.64,
      "request_latency.p90": 8.913462,
      "request_latency.p99": 9.891346,
      "prefix_cache_hits.total": 30,
      "prefix_cache_queries.total": 120,
      "mm_cache_hits.total": 0,
      "mm_cache_queries.total": 0,
      "num_preemptions_total.total": 3,
      "request_success_count.total": 452,
    }),
  ) as PromValues;
  const r = buildPrometheusReport(values);

  it("has inference-perf's wrapper and keys in its order", () => {
    expect(Object.keys(r)).toEqual(["benchmark_time_seconds", "load_summary", "successes", "failures"]);
    expect(r.benchmark_time_seconds).toBe(0);
    expect(r.load_summary).toEqual({});
    expect(r.failures).toEqual({});
    expect(Object.keys(r.successes).slice(0, 14)).toEqual([
      "count", "rate", "prompt_len", "output_len", "queue_len", "request_latency", "time_to_first_token", "time_per_output_token",
      "kv_cache_usage_percentage", "num_requests_swapped", "num_preemptions_total", "prefix_cache_hit_percent", "inter_token_latency", "num_requests_running",
    ]);
    expect(Object.keys(r.successes).at(-1)).toBe("kv_block_reuse_gap");
  });

  it("maps the answers onto the fields", () => {
    const s = r.successes;
    expect(s.count).toBe(452);
    expect(s.rate).toBe(5.650277);
    expect(s.prompt_len).toEqual({ mean: 758.8, rate: 758.83895 });
    expect(s.queue_len).toEqual({ mean: 0 });
    expect(s.request_latency).toEqual({ mean: 5.69833, median: 4.64, p90: 8.913462, p99: 9.891346 });
    expect(s.num_preemptions_total).toEqual({ mean: 3 });
    expect(s.request_success_count).toBe(452);
  });

  it("hit percent = hits / queries · 100, 0 without lookups, null when a series is absent", () => {
    expect(r.successes.prefix_cache_hit_percent).toEqual({ mean: 25 });
    expect(r.successes.mm_cache_hit_percent).toEqual({ mean: 0 });
    expect(r.successes.external_prefix_cache_hit_percent).toEqual({ mean: null });
  });

  it("an unanswered metric is null, not 0", () => {
    expect(r.successes.output_len).toEqual({ mean: null, rate: null });
    expect(r.successes.time_to_first_token).toEqual({ mean: null, median: null, p90: null, p99: null });
    expect(r.successes.corrupted_requests).toBeNull();
  });
});

describe("readPromValue", () => {
  it("first series, rounded to 6 decimals; none, NaN and Inf are null", () => {
    expect(readPromValue([{ value: 0.1234567891 }, { value: 9 }])).toBe(0.123457);
    expect(readPromValue([])).toBeNull();
    expect(readPromValue([{ value: Number.NaN }])).toBeNull();
    expect(readPromValue([{ value: Number.POSITIVE_INFINITY }])).toBeNull();
  });
});

describe("windows (inference-perf: eval = stage end + scrape + 2 s; summary = run start → now)", () => {
  const stages = [
    { startEpochMs: 1_000_000, endEpochMs: 1_060_000 },
    { startEpochMs: 1_061_000, endEpochMs: 1_121_500 },
  ];
  it("per stage", () => {
    expect(stagePromWindow(stages[1]!, 15)).toEqual({ evalMs: 1_138_500, windowS: 77.5 });
  });
  it("summary and the wait for the last scrape", () => {
    expect(promReadyAtMs(stages, 15)).toBe(1_138_500);
    expect(summaryPromWindow(stages, 1_140_000)).toEqual({ evalMs: 1_140_000, windowS: 140 });
  });
});
