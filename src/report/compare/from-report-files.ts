/**
 * Parsed report files → the report's model (scenario-report.ts). Older inference-perf releases wrote
 * `prompt_len`/`output_len` where current ones write `prompt_tokens`/`output_tokens`; both are read. A
 * closed-loop stage's `requested_rate` is not a rate (inference-perf stores the request count there after
 * rewriting the stage), so it is dropped when `concurrency` is set. Pure.
 */
import type { LifecycleFile, PrometheusFile, TimeseriesFile } from "./scenario-report-files.ts";
import type { Dist, LifecycleMetrics, PrometheusSummary, ServerTimeseries } from "./scenario-report.ts";

const finite = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
/** The numeric keys of a distribution (null values dropped); null when none is left. */
function distOf(d: Record<string, number | null> | null | undefined): Dist | null {
  if (!d) return null;
  const kept = Object.entries(d).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1]));
  return kept.length > 0 ? Object.fromEntries(kept) : null;
}

export function lifecycleFromFile(f: LifecycleFile): LifecycleMetrics {
  const load = f.load_summary ?? {};
  const s = f.successes;
  const latency = s.latency ?? {};
  const throughput = s.throughput ?? {};
  const concurrency = finite(load.concurrency);
  return {
    benchmarkTimeS: finite(f.benchmark_time_seconds),
    load: {
      count: finite(load.count),
      requestedRateRps: concurrency === null ? finite(load.requested_rate) : null,
      achievedRateRps: finite(load.achieved_rate),
      concurrency,
      scheduleDelayS: distOf(load.schedule_delay),
    },
    successCount: s.count,
    failureCount: f.failures?.count ?? 0,
    latencyS: {
      requestLatency: distOf(latency.request_latency),
      ttft: distOf(latency.time_to_first_token),
      tpot: distOf(latency.time_per_output_token),
      ntpot: distOf(latency.normalized_time_per_output_token),
      itl: distOf(latency.inter_token_latency),
    },
    outputTokensPerS: finite(throughput.output_tokens_per_sec),
    requestsPerS: finite(throughput.requests_per_sec),
    inputTokensPerS: finite(throughput.input_tokens_per_sec),
    promptTokens: distOf(s.prompt_tokens) ?? distOf(s.prompt_len),
    outputTokens: distOf(s.output_tokens) ?? distOf(s.output_len),
  };
}

export function prometheusFromFile(f: PrometheusFile): PrometheusSummary {
  const s = f.successes ?? {};
  return {
    queueLenMean: finite(s.queue_len?.mean),
    runningMean: finite(s.num_requests_running?.mean),
    kvCacheUsage: distOf(s.kv_cache_usage_percentage),
  };
}

export function timeseriesFromFile(f: TimeseriesFile): ServerTimeseries {
  const samplesOf = (xs: TimeseriesFile["samples"]) =>
    xs.map((x) => ({ tEpochS: x.t_epoch_s, kvCacheUsage: x.kv_cache_usage_perc, waiting: x.num_requests_waiting, running: x.num_requests_running })).sort((a, b) => a.tEpochS - b.tEpochS);
  return {
    samples: samplesOf(f.samples),
    stages: f.stages.map((w) => ({ stage: w.stage, startEpochS: w.start_epoch_s, endEpochS: w.end_epoch_s })),
    ...(f.pods ? { pods: f.pods.map((p) => ({ pod: p.pod, samples: samplesOf(p.samples) })) } : {}),
  };
}
