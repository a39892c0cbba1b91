/**
 * The one table of server metric names kneepoint reads: the PromQL builders, the direct scraper, the
 * simulator's exposition and the Grafana dashboard all take names from here, so a rename is one edit and a
 * typo fails a test instead of silently emptying a report column (inference-perf's lesson).
 *
 * Names are as exposed (counters with `_total`; histograms are families exposing `_bucket`/`_sum`/`_count`).
 * Sources: research/vllm-bench.md §2 (vllm/v1/metrics/loggers.py), research/peers-and-dcgm.md §3
 * (dcgm-exporter etc/default-counters.csv, rendermetrics labels).
 */

export type MetricType = "gauge" | "counter" | "histogram" | "info";

export interface MetricDef {
  /** The name as exposed on /metrics and stored in Prometheus. */
  readonly name: string;
  /** An older name for the same value, still served by some versions (query both, prefer `name`). */
  readonly legacyName?: string;
  readonly type: MetricType;
  /** "ratio" = 0–1; "%" = 0–100. */
  readonly unit: "ratio" | "%" | "MiB" | "W" | "requests" | "tokens" | "count" | "seconds" | "info";
  /** Labels the series carry (besides job/instance added by Prometheus). */
  readonly labels: readonly string[];
  readonly help: string;
}

/** V1 metrics carry model_name (served_model_name) and engine (DP rank, "0"); V0 had model_name only. */
const V1_LABELS = ["model_name", "engine"] as const;

export const VLLM = {
  kvCacheUsage: {
    name: "vllm:kv_cache_usage_perc",
    legacyName: "vllm:gpu_cache_usage_perc",
    type: "gauge",
    unit: "ratio",
    labels: V1_LABELS,
    help: "KV-cache usage, 1 = 100 %. Legacy name until vLLM 0.10 (hidden in 0.11, removed later).",
  },
  running: {
    name: "vllm:num_requests_running",
    type: "gauge",
    unit: "requests",
    labels: V1_LABELS,
    help: "Requests in model execution batches.",
  },
  waiting: {
    name: "vllm:num_requests_waiting",
    type: "gauge",
    unit: "requests",
    labels: V1_LABELS,
    help: "Requests waiting to be scheduled.",
  },
  swapped: {
    name: "vllm:num_requests_swapped",
    type: "gauge",
    unit: "requests",
    labels: ["model_name"],
    help: "Requests swapped to CPU (vLLM V0 only; absent on V1).",
  },
  preemptions: {
    name: "vllm:num_preemptions_total",
    type: "counter",
    unit: "count",
    labels: V1_LABELS,
    help: "Cumulative preemptions by the engine.",
  },
  promptTokens: {
    name: "vllm:prompt_tokens_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prefill tokens processed.",
  },
  generationTokens: {
    name: "vllm:generation_tokens_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Generation tokens processed.",
  },
  requestSuccess: {
    name: "vllm:request_success_total",
    type: "counter",
    unit: "requests",
    labels: [...V1_LABELS, "finished_reason"],
    help: "Finished requests by finished_reason (stop, length, abort).",
  },
  timeToFirstToken: {
    name: "vllm:time_to_first_token_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "TTFT from frontend arrival.",
  },
  interTokenLatency: {
    name: "vllm:inter_token_latency_seconds",
    legacyName: "vllm:time_per_output_token_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Time between successive outputs. Legacy name until vLLM 0.11.",
  },
  e2eRequestLatency: {
    name: "vllm:e2e_request_latency_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Server-side arrival to last token.",
  },
  requestQueueTime: {
    name: "vllm:request_queue_time_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Time spent WAITING.",
  },
  // Request-level histograms and cache counters of vllm/v1/metrics/loggers.py that inference-perf's Prometheus
  // report reads (research/inference-perf.md §1.6, research/vllm-bench.md §2); the scenario report's query table
  // (src/scenarios/report/prometheus-report-metrics.ts) takes them from here.
  requestTimePerOutputToken: {
    name: "vllm:request_time_per_output_token_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Mean time per output token of each finished request (TPOT). New in the ≥ 0.11 code.",
  },
  requestInferenceTime: {
    name: "vllm:request_inference_time_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Time spent RUNNING (prefill + decode).",
  },
  requestPrefillTime: { name: "vllm:request_prefill_time_seconds", type: "histogram", unit: "seconds", labels: V1_LABELS, help: "Time spent in PREFILL." },
  requestDecodeTime: { name: "vllm:request_decode_time_seconds", type: "histogram", unit: "seconds", labels: V1_LABELS, help: "Time spent in DECODE." },
  requestPromptTokens: {
    name: "vllm:request_prompt_tokens",
    type: "histogram",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prompt tokens per request (1-2-5 buckets up to max_model_len).",
  },
  requestGenerationTokens: {
    name: "vllm:request_generation_tokens",
    type: "histogram",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Generated tokens per request (1-2-5 buckets up to max_model_len).",
  },
  requestMaxNumGenerationTokens: {
    name: "vllm:request_max_num_generation_tokens",
    type: "histogram",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Maximum generated tokens per request (over its n sequences).",
  },
  requestParamsN: { name: "vllm:request_params_n", type: "histogram", unit: "count", labels: V1_LABELS, help: "The n request parameter." },
  requestParamsMaxTokens: { name: "vllm:request_params_max_tokens", type: "histogram", unit: "tokens", labels: V1_LABELS, help: "The max_tokens request parameter." },
  iterationTokens: {
    name: "vllm:iteration_tokens_total",
    type: "histogram",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Tokens per engine step (a histogram despite the _total in its name; buckets 1…16384).",
  },
  prefixCacheHits: {
    name: "vllm:prefix_cache_hits_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prompt tokens served from the prefix cache; hit rate = rate(hits) / rate(queries).",
  },
  prefixCacheQueries: { name: "vllm:prefix_cache_queries_total", type: "counter", unit: "tokens", labels: V1_LABELS, help: "Prompt tokens looked up in the prefix cache." },
  promptTokensCached: {
    name: "vllm:prompt_tokens_cached_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Cached prompt tokens (local + external). Recent versions only.",
  },
  externalPrefixCacheHits: {
    name: "vllm:external_prefix_cache_hits_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prompt tokens served by a KV connector's external cache. Newer versions only.",
  },
  externalPrefixCacheQueries: {
    name: "vllm:external_prefix_cache_queries_total",
    type: "counter",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prompt tokens looked up in a KV connector's external cache. Newer versions only.",
  },
  mmCacheHits: { name: "vllm:mm_cache_hits_total", type: "counter", unit: "count", labels: V1_LABELS, help: "Multimodal cache hits. Newer versions only." },
  mmCacheQueries: { name: "vllm:mm_cache_queries_total", type: "counter", unit: "count", labels: V1_LABELS, help: "Multimodal cache lookups. Newer versions only." },
  corruptedRequests: {
    name: "vllm:corrupted_requests_total",
    type: "counter",
    unit: "requests",
    labels: V1_LABELS,
    help: "Requests whose output had NaN logits. Newer versions only.",
  },
  requestPrefillKvComputedTokens: {
    name: "vllm:request_prefill_kv_computed_tokens",
    type: "histogram",
    unit: "tokens",
    labels: V1_LABELS,
    help: "Prompt tokens whose KV was computed (not taken from a cache) per request.",
  },
  kvBlockIdleBeforeEvict: {
    name: "vllm:kv_block_idle_before_evict_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "How long a KV block sat unused before eviction. Needs --kv-cache-metrics.",
  },
  kvBlockLifetime: {
    name: "vllm:kv_block_lifetime_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "KV block lifetime from allocation to eviction. Needs --kv-cache-metrics.",
  },
  kvBlockReuseGap: {
    name: "vllm:kv_block_reuse_gap_seconds",
    type: "histogram",
    unit: "seconds",
    labels: V1_LABELS,
    help: "Time between reuses of a KV block. Needs --kv-cache-metrics.",
  },
  cacheConfigInfo: {
    name: "vllm:cache_config_info",
    type: "info",
    unit: "info",
    labels: ["engine", "block_size", "gpu_memory_utilization", "num_gpu_blocks"],
    help: "Gauge = 1 with CacheConfig fields as labels (more than listed) and engine; no model_name.",
  },
} as const satisfies Record<string, MetricDef>;

/** dcgm-exporter labels; Kubernetes ones only with DCGM_EXPORTER_KUBERNETES=true (the Helm chart). */
const DCGM_LABELS = ["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "hostname", "pod", "namespace", "container"] as const;

export const DCGM = {
  gpuUtil: { name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", unit: "%", labels: DCGM_LABELS, help: "Time a kernel was running (coarse)." },
  memCopyUtil: {
    name: "DCGM_FI_DEV_MEM_COPY_UTIL",
    type: "gauge",
    unit: "%",
    labels: DCGM_LABELS,
    help: "Time device memory was read or written (fallback without DCP).",
  },
  fbUsed: { name: "DCGM_FI_DEV_FB_USED", type: "gauge", unit: "MiB", labels: DCGM_LABELS, help: "Framebuffer used." },
  fbFree: { name: "DCGM_FI_DEV_FB_FREE", type: "gauge", unit: "MiB", labels: DCGM_LABELS, help: "Framebuffer free." },
  powerUsage: { name: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", unit: "W", labels: DCGM_LABELS, help: "Power draw." },
  dramActive: {
    name: "DCGM_FI_PROF_DRAM_ACTIVE",
    type: "gauge",
    unit: "ratio",
    labels: DCGM_LABELS,
    help: "Cycles the memory interface is busy (practical ceiling ≈ 0.8). DCP: may be absent.",
  },
  tensorActive: {
    name: "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
    type: "gauge",
    unit: "ratio",
    labels: DCGM_LABELS,
    help: "Cycles the tensor pipe is active. DCP: may be absent.",
  },
  grEngineActive: {
    name: "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
    type: "gauge",
    unit: "ratio",
    labels: DCGM_LABELS,
    help: "Time the graphics/compute engine is active. DCP: may be absent.",
  },
} as const satisfies Record<string, MetricDef>;

/**
 * Label names and their variants. A pod is `pod` when Prometheus scraped the target itself, `exported_pod` when
 * a ServiceMonitor with honorLabels: false scraped dcgm-exporter (whose own pod then is `pod`). `Hostname` was
 * renamed `hostname` on dcgm-exporter main after 4.5.3; match both.
 */
export const LABELS = {
  modelName: "model_name",
  engine: "engine",
  finishedReason: "finished_reason",
  pod: ["pod", "exported_pod"],
  hostname: ["Hostname", "hostname"],
  gpuModel: "modelName",
  gpu: "gpu",
} as const;

const ALL_DEFS: readonly MetricDef[] = [...Object.values(VLLM), ...Object.values(DCGM)];

/** Every metric family name, current and legacy. */
export const ALL_METRIC_NAMES: ReadonlySet<string> = new Set(ALL_DEFS.flatMap((d) => (d.legacyName ? [d.name, d.legacyName] : [d.name])));

/** Every series name as stored: histogram families expand to `_bucket`, `_sum`, `_count`. */
export const ALL_SERIES_NAMES: ReadonlySet<string> = new Set(
  ALL_DEFS.flatMap((d) => {
    const names = d.legacyName ? [d.name, d.legacyName] : [d.name];
    return d.type === "histogram" ? names.flatMap((n) => [`${n}_bucket`, `${n}_sum`, `${n}_count`]) : names;
  }),
);
