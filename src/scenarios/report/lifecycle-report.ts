/**
 * The shape of inference-perf's `summarize_requests` object, the content of `summary_lifecycle_metrics.json`
 * and `stage_N_lifecycle_metrics.json` (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py
 * `ResponsesSummary`, `summarize_requests`; research/inference-perf.md §2.2). Keys are written in this order.
 * Times are seconds, rates per second. A `{dist}` is null when it has no values, as inference-perf writes it.
 * Numbers are Python floats in the files except the counts (`LIFECYCLE_INT_KEYS`); the files are serialized as
 * Python's json.dumps (python-json.ts), so `requested_rate: 3.0` and `cached: 0.0` read back as floats.
 * The optional `retries` of 0.7.0 is never written: kneepoint does not retry (inference-perf omits it then too).
 * Readers of our files (charts, `report --compare`) can import these types.
 */
import type { RetrySummary } from "./retry-summary.ts";
import type { ErrorLabelEntry } from "./error-labels.ts";
import type { GoodputMetrics } from "./goodput-metrics.ts";
import type { DistributionSummary } from "./summarize-distribution.ts";

export type Dist = DistributionSummary | null;

export interface LoadSummary {
  /** Requests sent (successes + failures). */
  count: number;
  /** send − scheduled send, per request (s). */
  schedule_delay: Dist;
  /** Stage reports only: max send − min send (s). */
  send_duration?: number;
  /** Stage reports only: the stage's rate; for a concurrent stage, inference-perf's rewritten rate (= num_requests). */
  requested_rate?: number;
  /** Stage reports only: count / send_duration (0 when send_duration is 0). */
  achieved_rate?: number;
  /** Concurrent stages only: the concurrency level. */
  concurrency?: number;
}

/** `cached` = Σ usage.prompt_tokens_details.cached_tokens (0 when the server sends none), `uncached` = total − cached. */
export type TokenUsage = { total: number; cached: number; uncached: number; [distKey: string]: number };

export interface Successes {
  count: number;
  latency: {
    request_latency: Dist;
    normalized_time_per_output_token: Dist;
    time_per_output_token: Dist;
    time_to_first_token: Dist;
    inter_token_latency: Dist;
  };
  throughput: {
    input_tokens_per_sec: number;
    output_tokens_per_sec: number;
    total_tokens_per_sec: number;
    requests_per_sec: number;
    images_per_sec: number;
    videos_per_sec: number;
    audios_per_sec: number;
  };
  /** Bytes of Python's json.dumps of each request body; null when the bodies were not given to the report. */
  request_size_bytes: Dist;
  /** Multimodal inputs: kneepoint sends text only, so counts are 0 and per-instance stats null. */
  image: { count: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  video: { count: Dist; frames: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  audio: { count: Dist; seconds: Dist; bytes: Dist };
  prompt_tokens: TokenUsage;
  /** The client-side output count per request with response metrics (inference-perf-request.ts). */
  output_len: Dist;
  /** `usage.completion_tokens`, the client-side count where the server sent none. */
  output_tokens: { total: number } & Partial<DistributionSummary>;
  /** Requests whose re-tokenized chunks disagree with usage.completion_tokens (0 without a configured tokenizer). */
  token_count_mismatches: number;
  /** Requests whose prompt/output count is client-side because the server reported none (0.7.0 writes it). */
  client_fallback_requests: { prompt: number; output: number };
  goodput_metrics?: GoodputMetrics;
}

export interface Failures {
  count: number;
  request_latency: Dist;
  prompt_tokens: TokenUsage;
  by_label: Record<string, ErrorLabelEntry>;
}

export interface LifecycleReport {
  /** max end − min send over every request of the report (s); the throughput denominator. */
  benchmark_time_seconds: number;
  load_summary: LoadSummary;
  successes: Successes;
  failures: Failures;
  /** load.request_retries: present only when a request of the report was retried (retry-summary.ts). */
  retries?: RetrySummary;
}

/** The keys whose numbers inference-perf writes as Python ints; every other number in these files is a float. */
export const LIFECYCLE_INT_KEYS: ReadonlySet<string> = new Set([
  "count",
  "concurrency",
  "token_count_mismatches",
  "good_requests",
  "total_requests",
  // the retries block (retry-summary.ts)
  "requests_retried",
  "attempts",
  "recovered",
  "failed_after_retry",
]);

/** Python's number types in summary_/stage_N_lifecycle_metrics.json (for python-json.ts). */
export function lifecycleNumberType(path: readonly (string | number)[]): "int" | "float" {
  const key = path[path.length - 1];
  if (typeof key === "string" && LIFECYCLE_INT_KEYS.has(key)) return "int";
  return path[path.length - 2] === "client_fallback_requests" ? "int" : "float";
}
