/**
 * `server_metrics_timeseries.json` (schema: src/report/compare/scenario-report-files.ts) from the server series a
 * run read — KV-cache usage, waiting and running requests over time, as src/server-metrics produces them for the
 * sweep's charts (TimeSeries: epoch ms; KV in %, the busiest engine; waiting and running summed over engines) —
 * and the run's stage windows. One sample per timestamp any series has (a direct scrape or a Prometheus range
 * step stamps all three alike); a series without a point at that time is null there, never 0. KV is written as
 * vLLM's gauge reads, a fraction 0–1. Only reported stages (index ≥ 0) that sent something get a window. Pure.
 */
import { timeseriesFileSchema, type TimeseriesFile } from "../../report/compare/scenario-report-files.ts";
import type { PodSeries } from "../../server-metrics/scraped-pod-series.ts";
import type { SeriesKey, TimeSeries } from "../../server-metrics/time-series.ts";
import type { StageRun } from "../types.ts";

type Sample = TimeseriesFile["samples"][number];

const FIELD: Record<SeriesKey, keyof Omit<Sample, "t_epoch_s">> = {
  kvCachePct: "kv_cache_usage_perc",
  waiting: "num_requests_waiting",
  running: "num_requests_running",
};

/** One sample per timestamp of the series (ascending); a series without a point at a time is null there. */
function samplesOf(series: readonly TimeSeries[]): Sample[] {
  const byTime = new Map<number, Sample>();
  for (const s of series) {
    const field = FIELD[s.key];
    for (const p of s.points) {
      if (!Number.isFinite(p.value)) continue;
      let sample = byTime.get(p.tMs);
      if (!sample) {
        sample = { t_epoch_s: p.tMs / 1000, kv_cache_usage_perc: null, num_requests_waiting: null, num_requests_running: null };
        byTime.set(p.tMs, sample);
      }
      sample[field] = s.key === "kvCachePct" ? p.value / 100 : p.value;
    }
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

/**
 * The file's contents, or null when no series has a single point (nothing to chart). `pods`: the per-replica
 * series of a multi-replica target (written as `pods`, each with its own samples); none for one target.
 */
export function buildTimeseriesFile(
  series: readonly TimeSeries[],
  stages: readonly (Pick<StageRun, "index" | "startEpochMs" | "endEpochMs" | "records" | "sent">)[],
  pods: readonly PodSeries[] = [],
): TimeseriesFile | null {
  const samples = samplesOf(series);
  if (samples.length === 0) return null;
  const windows = stages
    .filter((s) => s.index >= 0 && (s.sent ?? s.records.length) > 0)
    .map((s) => ({ stage: s.index, start_epoch_s: s.startEpochMs / 1000, end_epoch_s: s.endEpochMs / 1000 }));
  const perPod = pods.map((p) => ({ pod: p.pod, samples: samplesOf(p.series) })).filter((p) => p.samples.length > 0);
  // The reader's schema is the contract: a value out of range here is a bug to surface, not a file to write.
  return timeseriesFileSchema.parse({ samples, stages: windows, ...(perPod.length > 0 ? { pods: perPod } : {}) });
}
