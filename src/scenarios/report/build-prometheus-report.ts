/**
 * The content of `summary_prometheus_metrics.json` / `stage_N_prometheus_metrics.json`: inference-perf's
 * `summarize_prometheus_metrics` (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py) from the
 * query answers. Same wrapper as a lifecycle report with empty `load_summary` and `failures` and
 * `benchmark_time_seconds` 0, keys in inference-perf's order. Pure.
 *
 * One difference, on purpose: a metric the server does not expose (no series) or a query that failed is null,
 * where inference-perf writes 0.0 (DESIGN.md §4: absent is absent, never zero; inference-perf #822 moves the
 * same way). The `*_hit_percent` ratios are 0 when there were no lookups (den = 0), as in inference-perf.
 */
import type { ReportField, ReportStat } from "./prometheus-report-metrics.ts";

export type PromValue = number | null;
export type PromSummary = { mean: PromValue; median: PromValue; p90: PromValue; p99: PromValue };

export interface PrometheusReport {
  benchmark_time_seconds: number;
  load_summary: Record<string, never>;
  successes: Record<string, PromValue | PromSummary | Record<string, PromValue>>;
  failures: Record<string, never>;
}

/** The answer to one query: `values.get("request_latency.p90")`. */
export type PromValues = ReadonlyMap<`${ReportField}.${ReportStat}`, PromValue>;

const HISTOGRAM_SUMMARIES: ReadonlyArray<[string, ReportField]> = [
  ["request_queue_time", "request_queue_time"],
  ["request_inference_time", "request_inference_time"],
  ["request_prefill_time", "request_prefill_time"],
  ["request_decode_time", "request_decode_time"],
  ["request_prompt_tokens", "request_prompt_tokens"],
  ["request_generation_tokens", "request_generation_tokens"],
  ["request_max_num_generation_tokens", "request_max_num_generation_tokens"],
  ["request_params_n", "request_params_n"],
  ["request_params_max_tokens", "request_params_max_tokens"],
];

export function buildPrometheusReport(values: PromValues): PrometheusReport {
  const v = (field: ReportField, stat: ReportStat): PromValue => values.get(`${field}.${stat}`) ?? null;
  const summary = (field: ReportField): PromSummary => ({ mean: v(field, "avg"), median: v(field, "median"), p90: v(field, "p90"), p99: v(field, "p99") });
  const percent = (hits: ReportField, queries: ReportField): PromValue => {
    const h = v(hits, "total");
    const q = v(queries, "total");
    if (h === null || q === null) return null;
    return q > 0 ? (h / q) * 100 : 0;
  };

  const successes: PrometheusReport["successes"] = {
    count: v("requests", "total"),
    rate: v("requests", "per_second"),
    prompt_len: { mean: v("prompt_tokens", "avg"), rate: v("prompt_tokens", "per_second") },
    output_len: { mean: v("output_tokens", "avg"), rate: v("output_tokens", "per_second") },
    queue_len: { mean: v("queue_length", "avg") },
    request_latency: summary("request_latency"),
    time_to_first_token: summary("time_to_first_token"),
    time_per_output_token: summary("time_per_output_token"),
    kv_cache_usage_percentage: summary("kv_cache_usage"),
    num_requests_swapped: { mean: v("num_requests_swapped", "avg") },
    num_preemptions_total: { mean: v("num_preemptions_total", "total") },
    prefix_cache_hit_percent: { mean: percent("prefix_cache_hits", "prefix_cache_queries") },
    inter_token_latency: summary("inter_token_latency"),
    num_requests_running: { mean: v("num_requests_running", "avg") },
  };
  for (const [key, field] of HISTOGRAM_SUMMARIES) successes[key] = summary(field);
  successes.request_success_count = v("request_success_count", "total");
  successes.iteration_tokens = summary("iteration_tokens");
  successes.prompt_tokens_cached = v("prompt_tokens_cached", "total");
  successes.external_prefix_cache_hit_percent = { mean: percent("external_prefix_cache_hits", "external_prefix_cache_queries") };
  successes.mm_cache_hit_percent = { mean: percent("mm_cache_hits", "mm_cache_queries") };
  successes.corrupted_requests = v("corrupted_requests", "total");
  successes.request_prefill_kv_computed_tokens = summary("request_prefill_kv_computed_tokens");
  successes.kv_block_idle_before_evict = summary("kv_block_idle_before_evict");
  successes.kv_block_lifetime = summary("kv_block_lifetime");
  successes.kv_block_reuse_gap = summary("kv_block_reuse_gap");

  return { benchmark_time_seconds: 0, load_summary: {}, successes, failures: {} };
}

/**
 * One query's answer as inference-perf reads it: the first series' value rounded to 6 decimals; no series, NaN
 * (e.g. histogram_quantile over empty buckets) or ±Inf → null.
 */
export function readPromValue(samples: ReadonlyArray<{ value: number }>): PromValue {
  const first = samples[0];
  if (first === undefined || !Number.isFinite(first.value)) return null;
  return Number(first.value.toFixed(6));
}
