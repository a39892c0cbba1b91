/**
 * Seed 004's "EPP Queue and KV Cache Metrics Summary": vllm:num_requests_waiting and vllm:kv_cache_usage_perc per
 * pod over a run, summarised over ALL pods' data points together (mean, p90, max; numpy-style percentile as
 * metrics/stats.ts), the number of pods and of data points. A data point is one (pod, time) sample that has
 * either gauge; the seed's 53,096 over 4 pods is 13,274 samples a pod. Each pod's own stats come too, for the
 * verdict (src/analysis/replica-balance.ts) and the per-pod charts. A run with one target (no `pods` in its
 * server_metrics_timeseries.json) is one pod, named "target". Pure.
 */
import { ABSENT } from "../step-rows.ts";
import { seriesStats, type SeriesStats } from "../compare/server-metrics-rows.ts";
import type { ServerSample, ServerTimeseries } from "../compare/scenario-report.ts";

export interface PodStats {
  pod: string;
  /** Requests waiting (count). */
  waiting: SeriesStats | null;
  /** KV-cache usage in % (0–100). */
  kvCachePct: SeriesStats | null;
  dataPoints: number;
}

export interface PodMetricsSummary {
  waiting: SeriesStats | null;
  kvCachePct: SeriesStats | null;
  pods: number;
  dataPoints: number;
  perPod: PodStats[];
}

/** The name a one-target run's only pod gets. */
export const SINGLE_TARGET_POD = "target";

const hasGauge = (s: ServerSample) => s.waiting !== null || s.kvCacheUsage !== null;
const kvPct = (s: ServerSample) => (s.kvCacheUsage === null ? null : s.kvCacheUsage * 100);

/** The run's per-pod samples (its `pods`, or the aggregate as one pod); null when none has either gauge. */
export function summarizePodMetrics(ts: ServerTimeseries | null): PodMetricsSummary | null {
  if (ts === null) return null;
  const pods = ts.pods && ts.pods.length > 0 ? ts.pods : [{ pod: SINGLE_TARGET_POD, samples: ts.samples }];
  const perPod: PodStats[] = pods
    .map(({ pod, samples }) => {
      const kept = samples.filter(hasGauge);
      return { pod, waiting: seriesStats(kept.map((s) => s.waiting)), kvCachePct: seriesStats(kept.map(kvPct)), dataPoints: kept.length };
    })
    .filter((p) => p.dataPoints > 0);
  if (perPod.length === 0) return null;
  const all = pods.flatMap((p) => p.samples.filter(hasGauge));
  return { waiting: seriesStats(all.map((s) => s.waiting)), kvCachePct: seriesStats(all.map(kvPct)), pods: perPod.length, dataPoints: all.length, perPod };
}

/** "34.2/97/198": the queue's mean with one decimal, p90 and max as whole requests, as the seed prints them. */
export function formatWaitingStats(s: SeriesStats | null): string {
  return s === null ? ABSENT : `${s.mean.toFixed(1)}/${Math.round(s.p90)}/${Math.round(s.max)}`;
}

/** "76.2/99.6/100.0": KV % with one decimal each. */
export function formatKvStats(s: SeriesStats | null): string {
  return s === null ? ABSENT : `${s.mean.toFixed(1)}/${s.p90.toFixed(1)}/${s.max.toFixed(1)}`;
}

export const POD_METRICS_TITLE = "EPP Queue and KV Cache Metrics Summary";
export const POD_METRICS_HEADERS = ["Experiment", "Wait Queue (mean/p90/max)", "KV Cache % (mean/p90/max)", "Pods", "Data Points"] as const;
export const POD_METRICS_ALIGNS = ["left", "right", "right", "right", "right"] as const;

export function podMetricsCells(label: string, s: PodMetricsSummary): string[] {
  return [label, formatWaitingStats(s.waiting), formatKvStats(s.kvCachePct), String(s.pods), String(s.dataPoints)];
}

/** One row per pod, for a run's own report ("Per-pod queue and KV cache"). */
export const POD_ROW_HEADERS = ["Pod", "Wait Queue (mean/p90/max)", "KV Cache % (mean/p90/max)", "Data Points"] as const;

export function podRowCells(p: PodStats): string[] {
  return [p.pod, formatWaitingStats(p.waiting), formatKvStats(p.kvCachePct), String(p.dataPoints)];
}
