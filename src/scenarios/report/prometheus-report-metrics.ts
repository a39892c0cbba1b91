/**
 * Which server metric fills which field of inference-perf's Prometheus report, per server type, as inference-perf
 * 0.7.0 declares them (inference_perf/client/modelserver/{vllm,sglang,tgi}_client.py `get_prometheus_metric_metadata`,
 * OpenAIMetrics' iteration order: the six named fields, then `custom_metrics` in order), and which statistics of
 * each field its `summarize_prometheus_metrics` (reportgen/base.py) reads. vLLM names come from our one table
 * (src/server-metrics/metric-names.ts); a counter is declared by its exposed name and queried under both spellings
 * (`x_total or x`, prometheus-report-queries.ts), as 0.7.0 does. 0.7.0 queries current names only: an old vLLM's
 * vllm:gpu_cache_usage_perc is not read, so kv_cache_usage is 0.0 there, as in inference-perf.
 * A field the server does not declare is never queried and is 0.0 in the report (`num_requests_swapped` for every
 * server: the report reads it, no client declares it).
 */
import { VLLM } from "../../server-metrics/metric-names.ts";

export type PrometheusServerType = "vllm" | "sglang" | "tgi";

/** 0.7.0's result fields: CounterResult {total, avg, per_second}, GaugeResult {avg, median, p90, p99}, HistogramResult + per_second. */
export type ReportStat = "total" | "avg" | "per_second" | "median" | "p90" | "p99";
export type MetricKind = "counter" | "gauge" | "histogram";

/** The queries of each kind, in 0.7.0's order (counter/gauge/histogram base.py `get_queries`). */
export const KIND_STATS: Readonly<Record<MetricKind, readonly ReportStat[]>> = {
  counter: ["total", "avg", "per_second"],
  gauge: ["avg", "median", "p90", "p99"],
  histogram: ["avg", "median", "p90", "p99", "per_second"],
};

const SUMMARY: readonly ReportStat[] = ["avg", "median", "p90", "p99"];

/** The fields of 0.7.0's ModelServerMetrics that `summarize_prometheus_metrics` reads, and the statistics it reads. */
export const REPORT_READS = {
  requests: ["total", "per_second"],
  prompt_tokens: ["avg", "per_second"],
  output_tokens: ["avg", "per_second"],
  queue_length: ["avg"],
  request_latency: SUMMARY,
  time_to_first_token: SUMMARY,
  time_per_output_token: SUMMARY,
  kv_cache_usage: SUMMARY,
  num_requests_swapped: ["total"],
  num_preemptions_total: ["total"],
  prefix_cache_hits: ["total"],
  prefix_cache_queries: ["total"],
  inter_token_latency: SUMMARY,
  num_requests_running: ["avg"],
  request_queue_time: SUMMARY,
  request_inference_time: SUMMARY,
  request_prefill_time: SUMMARY,
  request_decode_time: SUMMARY,
  request_prompt_tokens: SUMMARY,
  request_generation_tokens: SUMMARY,
  request_max_num_generation_tokens: SUMMARY,
  request_params_n: SUMMARY,
  request_params_max_tokens: SUMMARY,
  request_success_count: ["total"],
  iteration_tokens: SUMMARY,
  prompt_tokens_cached: ["total"],
  external_prefix_cache_hits: ["total"],
  external_prefix_cache_queries: ["total"],
  mm_cache_hits: ["total"],
  mm_cache_queries: ["total"],
  corrupted_requests: ["total"],
  request_prefill_kv_computed_tokens: SUMMARY,
  kv_block_idle_before_evict: SUMMARY,
  kv_block_lifetime: SUMMARY,
  kv_block_reuse_gap: SUMMARY,
} as const satisfies Record<string, readonly ReportStat[]>;

export type ReportField = keyof typeof REPORT_READS;

export interface ReportMetricSpec {
  field: ReportField;
  kind: MetricKind;
  /** The metric name as 0.7.0 passes it to CounterMetric / GaugeMetric / HistogramMetric. */
  name: string;
}

const c = (field: ReportField, name: string): ReportMetricSpec => ({ field, kind: "counter", name });
const g = (field: ReportField, name: string): ReportMetricSpec => ({ field, kind: "gauge", name });
const h = (field: ReportField, name: string): ReportMetricSpec => ({ field, kind: "histogram", name });

/** vllm_client.py, in its order. */
const VLLM_METRICS: readonly ReportMetricSpec[] = [
  c("prompt_tokens", VLLM.promptTokens.name),
  c("output_tokens", VLLM.generationTokens.name),
  c("requests", VLLM.requestSuccess.name),
  h("request_latency", VLLM.e2eRequestLatency.name),
  g("queue_length", VLLM.waiting.name),
  h("time_per_output_token", VLLM.requestTimePerOutputToken.name),
  g("num_requests_running", VLLM.running.name),
  h("time_to_first_token", VLLM.timeToFirstToken.name),
  h("inter_token_latency", VLLM.interTokenLatency.name),
  c("request_success_count", VLLM.requestSuccess.name),
  g("kv_cache_usage", VLLM.kvCacheUsage.name),
  c("num_preemptions_total", VLLM.preemptions.name),
  c("prefix_cache_hits", VLLM.prefixCacheHits.name),
  c("prefix_cache_queries", VLLM.prefixCacheQueries.name),
  h("request_queue_time", VLLM.requestQueueTime.name),
  h("request_inference_time", VLLM.requestInferenceTime.name),
  h("request_prefill_time", VLLM.requestPrefillTime.name),
  h("request_decode_time", VLLM.requestDecodeTime.name),
  h("request_prompt_tokens", VLLM.requestPromptTokens.name),
  h("request_generation_tokens", VLLM.requestGenerationTokens.name),
  h("request_max_num_generation_tokens", VLLM.requestMaxNumGenerationTokens.name),
  h("request_params_n", VLLM.requestParamsN.name),
  h("request_params_max_tokens", VLLM.requestParamsMaxTokens.name),
  h("iteration_tokens", VLLM.iterationTokens.name),
  c("prompt_tokens_cached", VLLM.promptTokensCached.name),
  c("external_prefix_cache_hits", VLLM.externalPrefixCacheHits.name),
  c("external_prefix_cache_queries", VLLM.externalPrefixCacheQueries.name),
  c("mm_cache_hits", VLLM.mmCacheHits.name),
  c("mm_cache_queries", VLLM.mmCacheQueries.name),
  c("corrupted_requests", VLLM.corruptedRequests.name),
  h("request_prefill_kv_computed_tokens", VLLM.requestPrefillKvComputedTokens.name),
  h("kv_block_idle_before_evict", VLLM.kvBlockIdleBeforeEvict.name),
  h("kv_block_lifetime", VLLM.kvBlockLifetime.name),
  h("kv_block_reuse_gap", VLLM.kvBlockReuseGap.name),
];

/** sglang_client.py: requests are the e2e histogram's `_count` (a counter with one spelling), KV usage is `sglang:token_usage`. */
const SGLANG_METRICS: readonly ReportMetricSpec[] = [
  c("prompt_tokens", "sglang:prompt_tokens_total"),
  c("output_tokens", "sglang:generation_tokens_total"),
  c("requests", "sglang:e2e_request_latency_seconds_count"),
  h("request_latency", "sglang:e2e_request_latency_seconds"),
  g("queue_length", "sglang:num_queue_reqs"),
  h("time_per_output_token", "sglang:time_per_output_token_seconds"),
  h("time_to_first_token", "sglang:time_to_first_token_seconds"),
  h("inter_token_latency", "sglang:inter_token_latency_seconds"),
  g("kv_cache_usage", "sglang:token_usage"),
];

/**
 * tgi_client.py. Prompt and output tokens are histograms there: `prompt_len.mean` is the mean length per request
 * and `prompt_len.rate` the rate of `_count` (requests/s), where vLLM's counters give tokens/s.
 */
const TGI_METRICS: readonly ReportMetricSpec[] = [
  h("prompt_tokens", "tgi_request_input_length"),
  h("output_tokens", "tgi_request_generated_tokens"),
  c("requests", "tgi_request_success"),
  h("request_latency", "tgi_request_duration"),
  g("queue_length", "tgi_queue_size"),
  h("time_per_output_token", "tgi_request_mean_time_per_token_duration"),
];

export const REPORT_METRICS: Readonly<Record<PrometheusServerType, readonly ReportMetricSpec[]>> = {
  vllm: VLLM_METRICS,
  sglang: SGLANG_METRICS,
  tgi: TGI_METRICS,
};

/** vLLM and SGLang filter by the served model (0.7.0 prepends `model_name='<model>'`); TGI does not. */
export function filtersByModel(server: PrometheusServerType): boolean {
  return server !== "tgi";
}
