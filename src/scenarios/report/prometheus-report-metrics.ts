/**
 * Which server metric fills which field of inference-perf's Prometheus report, per server type
 * (kubernetes-sigs/inference-perf inference_perf/client/modelserver/{vllm,sglang,tgi}_client.py
 * `get_prometheus_metric_metadata`; research/inference-perf.md §1.6). vLLM names come from our one table
 * (src/server-metrics/metric-names.ts); SGLang/TGI names are inference-perf's.
 *
 * Counters are queried by their exposed name (`…_total`), not inference-perf's `{__name__=~"x(_total)?"}`:
 * we know the exposed name, and Google Managed Prometheus rejects regex matchers on __name__ (inference-perf
 * #567 moved away from them for that reason). Where vLLM renamed a metric, the legacy name is a fallback joined
 * with `or` (KV cache: vllm:gpu_cache_usage_perc; ITL: vllm:time_per_output_token_seconds), as the rest of
 * kneepoint reads them; inference-perf queries only the current names.
 */
import { VLLM } from "../../server-metrics/metric-names.ts";

export type PrometheusServerType = "vllm" | "sglang" | "tgi";

/**
 * One number the report reads: a counter's window total (increase) or rate (avg = avg_over_time of the rate,
 * per_second = the rate); a gauge's or histogram's mean (avg) and quantiles; a histogram's `_count` rate.
 */
export type ReportStat = "total" | "avg" | "per_second" | "median" | "p90" | "p99";

export interface ReportMetricSpec {
  kind: "counter" | "gauge" | "histogram";
  name: string;
  /** Queried too, joined with `or`, for servers that still expose the old name. */
  legacyName?: string;
  stats: readonly ReportStat[];
}

export const SUMMARY_STATS: readonly ReportStat[] = ["avg", "median", "p90", "p99"];

/** The fields of inference-perf's ModelServerMetrics that `summarize_prometheus_metrics` reads. */
export type ReportField =
  | "requests"
  | "prompt_tokens"
  | "output_tokens"
  | "queue_length"
  | "request_latency"
  | "time_to_first_token"
  | "time_per_output_token"
  | "kv_cache_usage"
  | "num_requests_swapped"
  | "num_preemptions_total"
  | "prefix_cache_hits"
  | "prefix_cache_queries"
  | "inter_token_latency"
  | "num_requests_running"
  | "request_queue_time"
  | "request_inference_time"
  | "request_prefill_time"
  | "request_decode_time"
  | "request_prompt_tokens"
  | "request_generation_tokens"
  | "request_max_num_generation_tokens"
  | "request_params_n"
  | "request_params_max_tokens"
  | "request_success_count"
  | "iteration_tokens"
  | "prompt_tokens_cached"
  | "external_prefix_cache_hits"
  | "external_prefix_cache_queries"
  | "mm_cache_hits"
  | "mm_cache_queries"
  | "corrupted_requests"
  | "request_prefill_kv_computed_tokens"
  | "kv_block_idle_before_evict"
  | "kv_block_lifetime"
  | "kv_block_reuse_gap";


const total = (name: string): ReportMetricSpec => ({ kind: "counter", name, stats: ["total"] });
const histogram = (name: string, legacyName?: string): ReportMetricSpec => ({
  kind: "histogram",
  name,
  stats: SUMMARY_STATS,
  ...(legacyName !== undefined ? { legacyName } : {}),
});

const VLLM_METRICS: Partial<Record<ReportField, ReportMetricSpec>> = {
  requests: { kind: "counter", name: VLLM.requestSuccess.name, stats: ["total", "per_second"] },
  prompt_tokens: { kind: "counter", name: VLLM.promptTokens.name, stats: ["avg", "per_second"] },
  output_tokens: { kind: "counter", name: VLLM.generationTokens.name, stats: ["avg", "per_second"] },
  queue_length: { kind: "gauge", name: VLLM.waiting.name, stats: ["avg"] },
  request_latency: histogram(VLLM.e2eRequestLatency.name),
  time_to_first_token: histogram(VLLM.timeToFirstToken.name),
  time_per_output_token: histogram(VLLM.requestTimePerOutputToken.name),
  kv_cache_usage: { kind: "gauge", name: VLLM.kvCacheUsage.name, legacyName: VLLM.kvCacheUsage.legacyName, stats: SUMMARY_STATS },
  // vLLM V0 only; inference-perf reads a never-queried field here (always 0), we read the gauge (absent on V1).
  num_requests_swapped: { kind: "gauge", name: VLLM.swapped.name, stats: ["avg"] },
  num_preemptions_total: total(VLLM.preemptions.name),
  prefix_cache_hits: total(VLLM.prefixCacheHits.name),
  prefix_cache_queries: total(VLLM.prefixCacheQueries.name),
  inter_token_latency: histogram(VLLM.interTokenLatency.name, VLLM.interTokenLatency.legacyName),
  num_requests_running: { kind: "gauge", name: VLLM.running.name, stats: ["avg"] },
  request_queue_time: histogram(VLLM.requestQueueTime.name),
  request_inference_time: histogram(VLLM.requestInferenceTime.name),
  request_prefill_time: histogram(VLLM.requestPrefillTime.name),
  request_decode_time: histogram(VLLM.requestDecodeTime.name),
  request_prompt_tokens: histogram(VLLM.requestPromptTokens.name),
  request_generation_tokens: histogram(VLLM.requestGenerationTokens.name),
  request_max_num_generation_tokens: histogram(VLLM.requestMaxNumGenerationTokens.name),
  request_params_n: histogram(VLLM.requestParamsN.name),
  request_params_max_tokens: histogram(VLLM.requestParamsMaxTokens.name),
  request_success_count: total(VLLM.requestSuccess.name),
  iteration_tokens: histogram(VLLM.iterationTokens.name),
  prompt_tokens_cached: total(VLLM.promptTokensCached.name),
  external_prefix_cache_hits: total(VLLM.externalPrefixCacheHits.name),
  external_prefix_cache_queries: total(VLLM.externalPrefixCacheQueries.name),
  mm_cache_hits: total(VLLM.mmCacheHits.name),
  mm_cache_queries: total(VLLM.mmCacheQueries.name),
  corrupted_requests: total(VLLM.corruptedRequests.name),
  request_prefill_kv_computed_tokens: histogram(VLLM.requestPrefillKvComputedTokens.name),
  kv_block_idle_before_evict: histogram(VLLM.kvBlockIdleBeforeEvict.name),
  kv_block_lifetime: histogram(VLLM.kvBlockLifetime.name),
  kv_block_reuse_gap: histogram(VLLM.kvBlockReuseGap.name),
};

/** inference-perf sglang_client.py: requests are the e2e histogram's `_count`, KV usage is `sglang:token_usage`. */
const SGLANG_METRICS: Partial<Record<ReportField, ReportMetricSpec>> = {
  requests: { kind: "counter", name: "sglang:e2e_request_latency_seconds_count", stats: ["total", "per_second"] },
  prompt_tokens: { kind: "counter", name: "sglang:prompt_tokens_total", stats: ["avg", "per_second"] },
  output_tokens: { kind: "counter", name: "sglang:generation_tokens_total", stats: ["avg", "per_second"] },
  queue_length: { kind: "gauge", name: "sglang:num_queue_reqs", stats: ["avg"] },
  request_latency: histogram("sglang:e2e_request_latency_seconds"),
  time_to_first_token: histogram("sglang:time_to_first_token_seconds"),
  time_per_output_token: histogram("sglang:time_per_output_token_seconds"),
  inter_token_latency: histogram("sglang:inter_token_latency_seconds"),
  kv_cache_usage: { kind: "gauge", name: "sglang:token_usage", stats: SUMMARY_STATS },
};

/**
 * inference-perf tgi_client.py. Prompt and output tokens are histograms there: `prompt_len.mean` is then the mean
 * length per request and `prompt_len.rate` the rate of `_count` (requests/s), where vLLM's counters give tokens/s.
 */
const TGI_METRICS: Partial<Record<ReportField, ReportMetricSpec>> = {
  requests: { kind: "counter", name: "tgi_request_success", stats: ["total", "per_second"] },
  prompt_tokens: { kind: "histogram", name: "tgi_request_input_length", stats: ["avg", "per_second"] },
  output_tokens: { kind: "histogram", name: "tgi_request_generated_tokens", stats: ["avg", "per_second"] },
  queue_length: { kind: "gauge", name: "tgi_queue_size", stats: ["avg"] },
  request_latency: histogram("tgi_request_duration"),
  time_per_output_token: histogram("tgi_request_mean_time_per_token_duration"),
};

export const REPORT_METRICS: Readonly<Record<PrometheusServerType, Partial<Record<ReportField, ReportMetricSpec>>>> = {
  vllm: VLLM_METRICS,
  sglang: SGLANG_METRICS,
  tgi: TGI_METRICS,
};

/** vLLM and SGLang filter by the served model (inference-perf prepends `model_name='<model>'`); TGI does not. */
export function filtersByModel(server: PrometheusServerType): boolean {
  return server !== "tgi";
}
