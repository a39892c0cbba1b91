/**
 * The shape of inference-perf's `summarize_requests` object, the content of `summary_lifecycle_metrics.json`
 * and `stage_N_lifecycle_metrics.json` (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py
 * `ResponsesSummary`, `summarize_requests`; research/inference-perf.md §2.2). Keys are written in this order.
 * Times are seconds, rates per second. A `{dist}` is null when it has no values, as inference-perf writes it.
 * Readers of our files (charts, `report --compare`) can import these types.
 */
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

/**
 * `cached`/`uncached` come from `usage.prompt_tokens_details.cached_tokens`, which our client does not record:
 * they are null (unknown), where inference-perf would write 0.
 */
export type TokenUsage = { total: number; cached: number | null; uncached: number | null; [distKey: string]: number | null };

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
  /** UTF-8 bytes of each request body; null when the bodies were not given to the report. */
  request_size_bytes: Dist;
  /** Multimodal inputs: kneepoint sends text only, so counts are 0 and per-instance stats null. */
  image: { count: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  video: { count: Dist; frames: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  audio: { count: Dist; seconds: Dist; bytes: Dist };
  prompt_tokens: TokenUsage;
  /** The client-side output count per request (see lifecycle-metrics.ts). */
  output_len: Dist;
  /** `usage.completion_tokens`, the client-side count where the server sent none. */
  output_tokens: { total: number } & Partial<DistributionSummary>;
  /** Requests whose client-side output count differs from the server's. */
  token_count_mismatches: number;
  /** Requests whose prompt/output count is client-side because the server reported none. */
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
}
