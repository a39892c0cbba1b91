/**
 * The simulator's /metrics: vLLM's metric names, help texts, labels (`model_name`, `engine="0"`)
 * and histogram buckets (vllm/v1/metrics/loggers.py, PrometheusStatLogger, v0.11/0.12), on a
 * prom-client Registry of its own (never the global one, so several simulators can share a process).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { VLLM } from "../server-metrics/metric-names.ts";

/** loggers.py: time_to_first_token buckets. */
export const TTFT_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
/** loggers.py: inter_token_latency (and the old time_per_output_token) buckets. */
export const ITL_BUCKETS_S = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
/** loggers.py: request_latency_buckets (e2e, queue, inference, prefill, decode). */
export const REQUEST_LATENCY_BUCKETS_S = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
];

/** loggers.py build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, … up to max. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * p > max) return out;
      out.push(m * p);
    }
  }
}

export interface EngineSnapshot {
  running: number;
  waiting: number;
  kvUsage: number;
  /** Prompt tokens looked up in the prefix cache, and found there (cumulative; absent: no prefix caching). */
  prefixQueriedTokens?: number;
  prefixHitTokens?: number;
  /** Distinct LoRA adapters of the running / waiting requests, comma-joined (vLLM's label values). */
  runningLoras?: string;
  waitingLoras?: string;
}

export interface FinishedRequestStats {
  reason: "stop" | "length";
  promptTokens: number;
  generationTokens: number;
  maxTokens: number;
  e2eS: number;
  queueS: number;
  prefillS: number;
  decodeS: number;
}

export interface VllmMetrics {
  registry: Registry;
  observeFirstToken(ttftS: number, promptTokens: number): void;
  observeInterTokenLatency(seconds: number): void;
  addGenerationTokens(n: number): void;
  addPreemptions(n: number): void;
  observeFinished(stats: FinishedRequestStats): void;
  /** A request that ended before its last token (client gone, injected disconnect, shutdown). */
  observeAborted(): void;
}

export function createVllmMetrics(options: {
  modelName: string;
  maxModelLen: number;
  legacyKvName: boolean;
  /** --max-loras when LoRA is enabled (--lora-modules), else null: no vllm:lora_requests_info. */
  maxLoras?: number | null;
  snapshot: () => EngineSnapshot;
  cacheConfig: Record<string, string>;
}): VllmMetrics {
  const registry = new Registry();
  const labels = { model_name: options.modelName, engine: "0" };
  const labelNames = ["model_name", "engine"] as const;
  const registers = [registry];

  const gauge = (name: string, help: string, read: (s: EngineSnapshot) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.set(labels, read(options.snapshot()));
      },
    });
  gauge(VLLM.running.name, "Number of requests in model execution batches.", (s) => s.running);
  gauge(VLLM.waiting.name, "Number of requests waiting to be processed.", (s) => s.waiting);
  if (options.legacyKvName) gauge(VLLM.kvCacheUsage.legacyName, "GPU KV-cache usage. 1 means 100 percent usage.", (s) => s.kvUsage);
  else gauge(VLLM.kvCacheUsage.name, "KV-cache usage. 1 means 100 percent usage.", (s) => s.kvUsage);

  const counter = (name: string, help: string) => {
    const c = new Counter({ name, help, labelNames, registers });
    c.inc(labels, 0);
    return c;
  };
  const preemptions = counter(VLLM.preemptions.name, "Cumulative number of preemption from the engine.");
  const promptTokens = counter(VLLM.promptTokens.name, "Number of prefill tokens processed.");
  const generationTokens = counter(VLLM.generationTokens.name, "Number of generation tokens processed.");
  // Prefix caching (vLLM V1 always exposes both; 0 without caching): the engine's cumulative counts, read at scrape.
  const cumulative = (name: string, help: string, read: (s: EngineSnapshot) => number | undefined) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        this.inc(labels, read(options.snapshot()) ?? 0);
      },
    });
  cumulative(VLLM.prefixCacheQueries.name, "Prefix cache queries, in terms of number of queried tokens.", (s) => s.prefixQueriedTokens);
  cumulative(VLLM.prefixCacheHits.name, "Prefix cache hits, in terms of number of cached tokens.", (s) => s.prefixHitTokens);
  const success = new Counter({
    name: VLLM.requestSuccess.name,
    help: "Count of successfully processed requests.",
    labelNames: [...labelNames, "finished_reason"],
    registers,
  });
  for (const reason of ["stop", "length", "abort"]) success.inc({ ...labels, finished_reason: reason }, 0);

  const histogram = (name: string, help: string, buckets: number[]) => {
    const h = new Histogram({ name, help, buckets, labelNames, registers });
    h.zero(labels);
    return h.labels(labels);
  };
  const tokenBuckets = buckets125(options.maxModelLen);
  const requestPromptTokens = histogram(VLLM.requestPromptTokens.name, "Number of prefill tokens processed.", tokenBuckets);
  const requestGenerationTokens = histogram(VLLM.requestGenerationTokens.name, "Number of generation tokens processed.", tokenBuckets);
  const maxTokensParam = histogram(VLLM.requestParamsMaxTokens.name, "Histogram of the max_tokens request parameter.", tokenBuckets);
  const ttft = histogram(VLLM.timeToFirstToken.name, "Histogram of time to first token in seconds.", TTFT_BUCKETS_S);
  const itl = histogram(VLLM.interTokenLatency.name, "Histogram of inter-token latency in seconds.", ITL_BUCKETS_S);
  const e2e = histogram(VLLM.e2eRequestLatency.name, "Histogram of e2e request latency in seconds.", REQUEST_LATENCY_BUCKETS_S);
  const queue = histogram(VLLM.requestQueueTime.name, "Histogram of time spent in WAITING phase for request.", REQUEST_LATENCY_BUCKETS_S);
  const inference = histogram(VLLM.requestInferenceTime.name, "Histogram of time spent in RUNNING phase for request.", REQUEST_LATENCY_BUCKETS_S);
  const prefill = histogram(VLLM.requestPrefillTime.name, "Histogram of time spent in PREFILL phase for request.", REQUEST_LATENCY_BUCKETS_S);
  const decode = histogram(VLLM.requestDecodeTime.name, "Histogram of time spent in DECODE phase for request.", REQUEST_LATENCY_BUCKETS_S);

  // vllm:lora_requests_info (v1/metrics/loggers.py): only with LoRA enabled; labels max_lora, waiting_lora_adapters,
  // running_lora_adapters (no model_name, no engine); value = the time of the update (set_to_current_time). vLLM
  // updates it every engine step, so every adapter combination seen stays exposed; the simulator updates it at each
  // scrape, so the combinations a scraper sees stay exposed.
  if (options.maxLoras != null) {
    const maxLora = String(options.maxLoras);
    new Gauge({
      name: "vllm:lora_requests_info",
      help: "Running stats on lora requests.",
      labelNames: ["max_lora", "waiting_lora_adapters", "running_lora_adapters"],
      registers,
      collect() {
        const s = options.snapshot();
        this.set({ max_lora: maxLora, waiting_lora_adapters: s.waitingLoras ?? "", running_lora_adapters: s.runningLoras ?? "" }, Date.now() / 1000);
      },
    });
  }

  // vllm:cache_config_info: an info-style gauge = 1 with CacheConfig fields and `engine`, no model_name.
  new Gauge({
    name: VLLM.cacheConfigInfo.name,
    help: "Information of the LLMEngine CacheConfig",
    labelNames: [...Object.keys(options.cacheConfig), "engine"],
    registers,
  }).set({ ...options.cacheConfig, engine: "0" }, 1);

  return {
    registry,
    observeFirstToken(ttftS, prompt) {
      ttft.observe(ttftS);
      promptTokens.inc(labels, prompt);
    },
    observeInterTokenLatency: (s) => itl.observe(s),
    addGenerationTokens: (n) => generationTokens.inc(labels, n),
    addPreemptions: (n) => preemptions.inc(labels, n),
    observeFinished(s) {
      success.inc({ ...labels, finished_reason: s.reason });
      e2e.observe(s.e2eS);
      queue.observe(s.queueS);
      inference.observe(s.prefillS + s.decodeS);
      prefill.observe(s.prefillS);
      decode.observe(s.decodeS);
      requestPromptTokens.observe(s.promptTokens);
      requestGenerationTokens.observe(s.generationTokens);
      maxTokensParam.observe(s.maxTokens);
    },
    observeAborted: () => success.inc({ ...labels, finished_reason: "abort" }),
  };
}
