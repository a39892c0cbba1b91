/**
 * Seed 004's queue and KV-cache summary per run: waiting requests and KV-cache usage as mean/p90/max over
 * the run's time series (server_metrics_timeseries.json; numpy-style percentiles from metrics/stats.ts),
 * or, without one, the mean (and KV p90) of summary_prometheus_metrics.json. Absent series print "–". Pure.
 */
import { describe } from "../../metrics/stats.ts";
import { ABSENT } from "../step-rows.ts";
import { distStat, type LabelledRun } from "./scenario-report.ts";

export interface SeriesStats {
  mean: number;
  p90: number;
  max: number;
}

export interface ServerMetricsRow {
  run: string;
  /** Requests waiting (count). */
  waiting: Partial<SeriesStats> | null;
  /** KV-cache usage in % (0–100). */
  kvCachePct: Partial<SeriesStats> | null;
  running: Partial<SeriesStats> | null;
  /** "time series (84 samples)", "Prometheus summary" or "none". */
  source: string;
}

/** mean, p90 and max of the finite values; null when there are none (an absent series, not a zero one). */
export function seriesStats(values: ReadonlyArray<number | null>): SeriesStats | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return null;
  const d = describe(present, [90]);
  return { mean: d.mean, p90: d.percentiles.get(90)!, max: present.reduce((m, v) => (v > m ? v : m), -Infinity) };
}

export function serverMetricsRows(runs: readonly LabelledRun[]): ServerMetricsRow[] {
  return runs.map(({ label, report }) => {
    const ts = report.timeseries;
    if (ts && ts.samples.length > 0) {
      const kv = seriesStats(ts.samples.map((s) => (s.kvCacheUsage === null ? null : s.kvCacheUsage * 100)));
      return {
        run: label,
        waiting: seriesStats(ts.samples.map((s) => s.waiting)),
        kvCachePct: kv,
        running: seriesStats(ts.samples.map((s) => s.running)),
        source: `time series (${ts.samples.length} samples)`,
      };
    }
    const prom = report.summaryPrometheus;
    if (prom) {
      const kvMean = distStat(prom.kvCacheUsage, "mean");
      const kvP90 = distStat(prom.kvCacheUsage, "p90");
      return {
        run: label,
        waiting: prom.queueLenMean === null ? null : { mean: prom.queueLenMean },
        kvCachePct: kvMean === null && kvP90 === null ? null : { ...(kvMean !== null ? { mean: kvMean * 100 } : {}), ...(kvP90 !== null ? { p90: kvP90 * 100 } : {}) },
        running: prom.runningMean === null ? null : { mean: prom.runningMean },
        source: "Prometheus summary",
      };
    }
    return { run: label, waiting: null, kvCachePct: null, running: null, source: "none" };
  });
}

const fmt = (v: number | undefined, digits: number): string => (v === undefined ? ABSENT : v.toFixed(digits));

/** "mean/p90/max" with `digits` decimals, as the seed prints them ("0.9/0.0/74.0", "55.3/87.0/100.0"). */
export function formatSeriesStats(s: Partial<SeriesStats> | null, digits = 1): string {
  if (s === null) return ABSENT;
  return `${fmt(s.mean, digits)}/${fmt(s.p90, digits)}/${fmt(s.max, digits)}`;
}

export const SERVER_METRICS_HEADERS = ["Experiment", "Wait queue (mean/p90/max)", "KV cache % (mean/p90/max)", "Running (mean/p90/max)", "Source"] as const;

export function serverMetricsCells(row: ServerMetricsRow): string[] {
  return [row.run, formatSeriesStats(row.waiting), formatSeriesStats(row.kvCachePct), formatSeriesStats(row.running), row.source];
}
