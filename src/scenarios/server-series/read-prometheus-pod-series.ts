/**
 * The per-replica server series of a scenario run from Prometheus: the `by (pod)` range queries
 * (buildServerSeriesQueries with byPod), one result series per pod, grouped into PodSeries. Called after
 * readPrometheusSeries, which has already waited for the window's last scrape. A series without a `pod` label
 * (a target scraped without Kubernetes service discovery) is left out; fewer than two pods give nothing (one
 * replica is the aggregate). A failed query is a warning, never fatal.
 */
import { KneepointError } from "../../errors.ts";
import type { PrometheusClient } from "../../server-metrics/prometheus-client.ts";
import type { PodSeries } from "../../server-metrics/scraped-pod-series.ts";
import { SERIES_UNITS, type SeriesKey } from "../../server-metrics/time-series.ts";
import { rangeStepMs, type PrometheusSeriesWindow } from "./read-prometheus-series.ts";

export async function readPrometheusPodSeries(
  client: PrometheusClient,
  queries: Partial<Record<SeriesKey, string>>,
  window: PrometheusSeriesWindow,
): Promise<{ pods: PodSeries[]; warnings: string[] }> {
  const stepMs = rangeStepMs(window);
  const byPod = new Map<string, PodSeries>();
  const warnings: string[] = [];
  for (const [key, promql] of Object.entries(queries) as Array<[SeriesKey, string]>) {
    try {
      const answer = await client.queryRange(promql, { startMs: window.startMs, endMs: window.endMs, stepMs });
      for (const s of answer.series) {
        const pod = s.labels.pod;
        const points = s.points.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.tMs - b.tMs);
        if (!pod || points.length === 0) continue;
        const entry = byPod.get(pod) ?? { pod, series: [] };
        byPod.set(pod, entry);
        entry.series.push({ key, unit: SERIES_UNITS[key], points });
      }
    } catch (err) {
      if (!(err instanceof KneepointError)) throw err;
      warnings.push(`server time series per pod: the ${key} range query failed: ${err.message.split("\n")[0]}`);
    }
  }
  const pods = [...byPod.values()].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  return { pods: pods.length >= 2 ? pods : [], warnings };
}
