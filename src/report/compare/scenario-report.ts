/**
 * One scenario run as the comparison report reads it: inference-perf's report files (summary, stages,
 * Prometheus summaries), the run's labels from config.yaml, and the server time series when the run has one.
 * Latencies stay in seconds, the unit of the files: the tables print seconds as inference-perf does, and a
 * round trip through ms could flip the last printed digit. Charts convert to ms where they draw. Pure types
 * and accessors.
 */

/**
 * A distribution as inference-perf writes it: `mean`, `min`, `max` and one key per percentile
 * (`p0.1`, `p1`, …, `median` for p50, …, `p99.9`). Only the keys the run configured exist.
 */
export type Dist = Readonly<Record<string, number>>;

export interface LoadSummary {
  /** Requests sent in the window. */
  count: number | null;
  /** The stage's configured rate (QPS); null in the summary and for concurrent (closed-loop) stages. */
  requestedRateRps: number | null;
  /** Requests sent / send duration (inference-perf's `achieved_rate`); null in the summary. */
  achievedRateRps: number | null;
  /** Closed-loop stages: requests in flight. */
  concurrency: number | null;
  scheduleDelayS: Dist | null;
}

export interface LatencyDistsS {
  requestLatency: Dist | null;
  ttft: Dist | null;
  tpot: Dist | null;
  ntpot: Dist | null;
  itl: Dist | null;
}

export interface LifecycleMetrics {
  benchmarkTimeS: number | null;
  load: LoadSummary;
  successCount: number;
  failureCount: number;
  latencyS: LatencyDistsS;
  outputTokensPerS: number | null;
  /** Completed (successful) requests per second. */
  requestsPerS: number | null;
  inputTokensPerS: number | null;
  /** Per-request prompt tokens (`prompt_tokens`, or `prompt_len` in older files). */
  promptTokens: Dist | null;
  /** Per-request output tokens (`output_tokens`, or `output_len` in older files). */
  outputTokens: Dist | null;
}

/** The few fields of a `*_prometheus_metrics.json` the report shows. */
export interface PrometheusSummary {
  queueLenMean: number | null;
  runningMean: number | null;
  /** vLLM's `kv_cache_usage_perc` over the window, a fraction 0–1 (despite the name). */
  kvCacheUsage: Dist | null;
}

export interface ScenarioStage {
  index: number;
  lifecycle: LifecycleMetrics;
  prometheus: PrometheusSummary | null;
}

/** One sample of `server_metrics_timeseries.json`; a null field is a series the run did not read. */
export interface ServerSample {
  tEpochS: number;
  /** Fraction 0–1, as vLLM's gauge. */
  kvCacheUsage: number | null;
  waiting: number | null;
  running: number | null;
}

export interface StageWindow {
  stage: number;
  startEpochS: number;
  endEpochS: number;
}

export interface ServerTimeseries {
  samples: ServerSample[];
  stages: StageWindow[];
  /** Per replica, when the run read several (the file's `pods`); absent for a one-target run. */
  pods?: Array<{ pod: string; samples: ServerSample[] }>;
}

/** What config.yaml says about the run, one line each; "unknown" when the file or the key is absent. */
export interface RunDescription {
  model: string;
  data: string;
  load: string;
}

export interface ScenarioReport {
  /** The directory as the user gave it. */
  dir: string;
  description: RunDescription;
  summary: LifecycleMetrics | null;
  summaryPrometheus: PrometheusSummary | null;
  /** Ascending by index; the sweep's probe stage (−1) is left out, as inference-perf does. */
  stages: ScenarioStage[];
  timeseries: ServerTimeseries | null;
  /** Things the reader noticed and the report should say (e.g. "no summary_lifecycle_metrics.json"). */
  notes: string[];
}

/** A run with its legend name (`--label`, or the default from runLabels). */
export interface LabelledRun {
  label: string;
  report: ScenarioReport;
}

/**
 * A statistic of a distribution: "mean", "min", "max", "p50" (stored as `median`) or "pN" as written.
 * Null when the distribution or the key is absent.
 */
export function distStat(dist: Dist | null | undefined, stat: string): number | null {
  if (!dist) return null;
  const key = stat === "p50" ? "median" : stat;
  const v = dist[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** inference-perf's percentile key for p: `p${p:g}`, 50 → "p50" (read as `median` by distStat). */
export function percentileStat(p: number): string {
  return `p${p}`;
}

/** successes / (successes + failures), or null when nothing was sent. */
export function successRate(m: LifecycleMetrics): number | null {
  const total = m.successCount + m.failureCount;
  return total > 0 ? m.successCount / total : null;
}
