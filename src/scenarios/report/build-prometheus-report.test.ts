import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "./python-json.ts";
import { answerOf, buildPrometheusReport, pyRound6, unqueriedFields, type PromAnswer, type PromAnswers } from "./build-prometheus-report.ts";
import { probeSpan, promReadyAtMs, stagePromWindow, summaryPromWindow } from "./prometheus-windows.ts";

const ok = (value: number): PromAnswer => ({ status: "ok", value });

describe("buildPrometheusReport", () => {
  const answers = new Map<string, PromAnswer>(
    Object.entries({
      "requests.total": ok(452),
      "requests.per_second": ok(5.650277),
      "prompt_tokens.avg": ok(758.8),
      "prompt_tokens.per_second": ok(758.83895),
      "queue_length.avg": ok(0),
      "request_latency.avg": ok(5.69833),
      "request_latency.median": { status: "not_finite", value: Number.NaN },
      "request_latency.p90": ok(8.913462),
      "request_latency.p99": { status: "failed", error: "Prometheus query failed: HTTP 422" },
      "prefix_cache_hits.total": ok(30),
      "prefix_cache_queries.total": ok(120),
      "mm_cache_hits.total": ok(0),
      "mm_cache_queries.total": ok(0),
      "num_preemptions_total.total": ok(3),
      "request_success_count.total": ok(452),
      "external_prefix_cache_hits.total": { status: "no_series" },
      "external_prefix_cache_queries.total": { status: "no_series" },
    }),
  ) as PromAnswers;
  const { mimic, truth } = buildPrometheusReport(answers);

  it("has inference-perf 0.7.0's wrapper and keys in its order (reportgen/base.py summarize_prometheus_metrics)", () => {
    expect(Object.keys(mimic)).toEqual(["benchmark_time_seconds", "load_summary", "successes", "failures"]);
    expect(Object.keys(mimic.successes)).toEqual([
      "count", "rate", "prompt_len", "output_len", "queue_len", "request_latency", "time_to_first_token", "time_per_output_token",
      "kv_cache_usage_percentage", "num_requests_swapped", "num_preemptions_total", "prefix_cache_hit_percent", "inter_token_latency",
      "num_requests_running", "request_queue_time", "request_inference_time", "request_prefill_time", "request_decode_time",
      "request_prompt_tokens", "request_generation_tokens", "request_max_num_generation_tokens", "request_params_n",
      "request_params_max_tokens", "request_success_count", "iteration_tokens", "prompt_tokens_cached", "external_prefix_cache_hit_percent",
      "mm_cache_hit_percent", "corrupted_requests", "request_prefill_kv_computed_tokens", "kv_block_idle_before_evict", "kv_block_lifetime",
      "kv_block_reuse_gap",
    ]);
    expect(Object.keys(truth.successes)).toEqual(Object.keys(mimic.successes));
  });

  it("the mimic: answers as given, NaN kept, every missing, failed or absent number 0.0", () => {
    const s = mimic.successes;
    expect(s.count).toBe(452);
    expect(s.prompt_len).toEqual({ mean: 758.8, rate: 758.83895 });
    expect(s.output_len).toEqual({ mean: 0, rate: 0 });
    expect(s.request_latency).toEqual({ mean: 5.69833, median: Number.NaN, p90: 8.913462, p99: 0 });
    expect(s.num_requests_swapped).toEqual({ mean: 0 });
    expect(s.prefix_cache_hit_percent).toEqual({ mean: 25 });
    expect(s.mm_cache_hit_percent).toEqual({ mean: 0 });
    expect(s.external_prefix_cache_hit_percent).toEqual({ mean: 0 });
    expect(s.corrupted_requests).toBe(0);
  });

  it("the mimic serializes as inference-perf's json.dumps: floats everywhere, NaN as NaN", () => {
    const text = pythonJsonDumps(mimic, { indent: 2, numberType: () => "float" });
    expect(text).toContain('"benchmark_time_seconds": 0.0,');
    expect(text).toContain('"count": 452.0,');
    expect(text).toContain('"median": NaN,');
    expect(text).toContain('"load_summary": {},');
  });

  it("the truth: null wherever nothing was measured; a ratio needs both counters", () => {
    const s = truth.successes;
    expect(s.count).toBe(452);
    expect(s.output_len).toEqual({ mean: null, rate: null });
    expect(s.request_latency).toEqual({ mean: 5.69833, median: null, p90: 8.913462, p99: null });
    expect(s.num_requests_swapped).toEqual({ mean: null });
    expect(s.prefix_cache_hit_percent).toEqual({ mean: 25 });
    expect(s.mm_cache_hit_percent).toEqual({ mean: 0 });
    expect(s.external_prefix_cache_hit_percent).toEqual({ mean: null });
  });

  it("property: the mimic is the truth with null → 0.0 (except NaN answers, kept)", () => {
    const statuses = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e9 }).map(ok),
      fc.constant<PromAnswer>({ status: "no_series" }),
      fc.constant<PromAnswer>({ status: "failed", error: "x" }),
    );
    fc.assert(
      fc.property(fc.array(statuses, { minLength: 3, maxLength: 3 }), ([a, b, c]) => {
        const r = buildPrometheusReport(new Map([["requests.total", a!], ["queue_length.avg", b!], ["time_to_first_token.p99", c!]]) as PromAnswers);
        const flat = (o: unknown): unknown[] => (o !== null && typeof o === "object" ? Object.values(o).flatMap(flat) : [o]);
        const m = flat(r.mimic.successes);
        const t = flat(r.truth.successes);
        expect(m).toEqual(t.map((x) => x ?? 0));
        expect(m.every((x) => typeof x === "number")).toBe(true);
      }),
    );
  });
});

describe("answerOf (0.7.0 execute_query)", () => {
  it("first series, Python's round(x, 6); none → no_series; NaN/Inf → not_finite", () => {
    expect(answerOf([{ value: 0.1234567891 }, { value: 9 }])).toEqual(ok(0.123457));
    expect(answerOf([])).toEqual({ status: "no_series" });
    expect(answerOf([{ value: Number.NaN }])).toEqual({ status: "not_finite", value: Number.NaN });
    expect(answerOf([{ value: Number.POSITIVE_INFINITY }])).toEqual({ status: "not_finite", value: Number.POSITIVE_INFINITY });
  });

  it("round half to even on the double's exact value, as Python (JS toFixed rounds ties up)", () => {
    // 1/128 = 0.0078125 exactly: a tie at 6 decimals. Python: round(0.0078125, 6) == 0.007812.
    expect(pyRound6(0.0078125)).toBe(0.007812);
    expect(pyRound6(3 / 128)).toBe(0.023438); // 0.0234375 → even 8
    expect(pyRound6(-0.0078125)).toBe(-0.007812);
    expect(pyRound6(2.0000005)).toBe(2.000001); // not a tie in binary (just above)
    expect(pyRound6(23.33333333333333)).toBe(23.333333);
  });
});

describe("unqueriedFields", () => {
  it("lists the report's fields a server never queries", () => {
    expect(unqueriedFields(new Set(["requests"]))).toContain("num_requests_swapped");
    expect(unqueriedFields(new Set(["requests"]))).not.toContain("requests");
  });
});

describe("windows (inference-perf 0.7.0: stage = [start − 1 s lead, end + scrape + 2 s]; summary = run start → now)", () => {
  const stages = [
    { startEpochMs: 1_000_000, endEpochMs: 1_060_000 },
    { startEpochMs: 1_061_000, endEpochMs: 1_121_500 },
  ];
  it("per stage: its timer's origin was one second after the stage started", () => {
    expect(stagePromWindow(stages[1]!, 15)).toEqual({ evalMs: 1_138_500, windowS: 78.5 });
  });
  it("summary from the run's start (a sweep's probe included), and the wait for the last scrape", () => {
    expect(promReadyAtMs(stages, 15)).toBe(1_138_500);
    expect(summaryPromWindow(990_000, 1_140_000)).toEqual({ evalMs: 1_140_000, windowS: 150 });
  });
  it("the probe's rungs are one stage −1", () => {
    expect(probeSpan([{ startEpochMs: 5, endEpochMs: 9 }, { startEpochMs: 10, endEpochMs: 20 }])).toEqual({ startEpochMs: 5, endEpochMs: 20 });
    expect(probeSpan([])).toBeNull();
  });
});
