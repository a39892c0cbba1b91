/**
 * The keys of a step's result JSON, in `vllm bench serve`'s insertion order (research/vllm-bench.md §1.7),
 * followed by kneepoint's own keys. One table, so renderers and parsers use the same names as summarizeStep.
 */

/** Latency metrics with statistics in the result, in vLLM's order (`--percentile-metrics ttft,tpot,itl,e2el`). */
export const LATENCY_METRICS = ["ttft", "tpot", "itl", "e2el"] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** vLLM's console names and section headers for each latency metric. */
export const LATENCY_METRIC_LABELS: Record<LatencyMetric, { name: string; header: string }> = {
  ttft: { name: "TTFT", header: "Time to First Token" },
  tpot: { name: "TPOT", header: "Time per Output Token (excl. 1st token)" },
  itl: { name: "ITL", header: "Inter-token Latency" },
  e2el: { name: "E2EL", header: "End-to-end Latency" },
};

/** Setup keys, written before any result (vLLM: "Setup" then "Traffic"; no --metadata, no ramp-up). */
export const SETUP_KEYS = [
  "date",
  "endpoint_type",
  "backend",
  "label",
  "model_id",
  "tokenizer_id",
  "num_prompts",
  "request_rate",
  "burstiness",
  "max_concurrency",
] as const;

/**
 * Result keys before the latency blocks. vLLM also writes `latencies`, `queue_times` and `rtfx` among
 * these (and the per-request arrays with --save-detailed); kneepoint leaves the arrays out of the summary.
 */
export const TOTALS_KEYS = [
  "duration",
  "completed",
  "failed",
  "total_input_tokens",
  "total_output_tokens",
  "request_throughput",
  "request_goodput",
  "output_throughput",
  "total_token_throughput",
  "max_output_tokens_per_s",
  "max_concurrent_requests",
] as const;

/** kneepoint's own keys, after all of vLLM's. */
export const KNEEPOINT_KEYS = [
  "started_at_ms",
  "ended_at_ms",
  "errors_by_reason",
  "output_tokens_counted",
  "prompt_tokens_planned",
] as const;

export type PercentileKey = `p${string}_${LatencyMetric}_ms`;

/**
 * How vLLM writes a percentile in a key: `str(int(p)) if int(p) == p else str(p)`, so 99 → "99",
 * 99.0 → "99", 99.9 → "99.9". JavaScript's String() gives the same text for every p in [0, 100]
 * that a user would type (they differ only in exponent notation, e.g. Python's 1e-05).
 */
export function percentileLabel(p: number): string {
  return String(Number.isInteger(p) ? Math.trunc(p) : p);
}

/** `p{P}_{metric}_ms`, e.g. percentileKey("ttft", 99) = "p99_ttft_ms", percentileKey("itl", 99.9) = "p99.9_itl_ms". */
export function percentileKey(metric: LatencyMetric, p: number): PercentileKey {
  return `p${percentileLabel(p)}_${metric}_ms`;
}

/** One metric's block, in vLLM's order: mean, median, std, then each percentile as given. */
export function latencyStatKeys(metric: LatencyMetric, percentiles: readonly number[]): string[] {
  return [`mean_${metric}_ms`, `median_${metric}_ms`, `std_${metric}_ms`, ...percentiles.map((p) => percentileKey(metric, p))];
}

/** Every key of a StepResult, in order, for the given percentiles. */
export function stepResultKeys(percentiles: readonly number[]): string[] {
  return [
    ...SETUP_KEYS,
    ...TOTALS_KEYS,
    ...LATENCY_METRICS.flatMap((m) => latencyStatKeys(m, percentiles)),
    ...KNEEPOINT_KEYS,
  ];
}
