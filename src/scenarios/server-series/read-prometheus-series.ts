/**
 * The server time series of a scenario run from a Prometheus: one range query per series
 * (server-series-queries.ts) over the run's window, after waiting, as inference-perf does for its report, until
 * the last scrape of the window has landed (window end + scrape_interval + 2 s; prometheus-windows.ts). The step is
 * the scrape interval, coarser when the window would exceed Prometheus' 11,000 points per series. A query that
 * fails or finds nothing leaves its series out, with a warning; nothing here is fatal (the report's own queries
 * raise when Prometheus is unreachable).
 */
import { KneepointError } from "../../errors.ts";
import type { PrometheusClient } from "../../server-metrics/prometheus-client.ts";
import { SERIES_UNITS, type SeriesKey, type TimeSeries } from "../../server-metrics/time-series.ts";
import { SCRAPE_BUFFER_S } from "../report/prometheus-windows.ts";

/** Prometheus refuses a range query of more than 11,000 points per series. */
export const MAX_RANGE_POINTS = 11_000;

export interface PrometheusSeriesWindow {
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  scrapeIntervalS: number;
}

export interface PrometheusSeriesDeps {
  /** Epoch ms. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** The range step: the scrape interval, or coarser so the window stays within MAX_RANGE_POINTS. */
export function rangeStepMs(window: PrometheusSeriesWindow): number {
  return Math.max(window.scrapeIntervalS * 1000, Math.ceil((window.endMs - window.startMs) / (MAX_RANGE_POINTS - 1)));
}

export async function readPrometheusSeries(
  client: PrometheusClient,
  queries: Partial<Record<SeriesKey, string>>,
  window: PrometheusSeriesWindow,
  deps: PrometheusSeriesDeps,
): Promise<{ series: TimeSeries[]; warnings: string[] }> {
  const readyMs = window.endMs + (window.scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
  for (let left = readyMs - deps.clock(); left > 0; left = readyMs - deps.clock()) await deps.sleep(left);

  const stepMs = rangeStepMs(window);
  const series: TimeSeries[] = [];
  const warnings: string[] = [];
  for (const [key, promql] of Object.entries(queries) as Array<[SeriesKey, string]>) {
    try {
      const answer = await client.queryRange(promql, { startMs: window.startMs, endMs: window.endMs, stepMs });
      const points = answer.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
      if (points.length > 0) series.push({ key, unit: SERIES_UNITS[key], points: points.sort((a, b) => a.tMs - b.tMs) });
      else warnings.push(`server time series: Prometheus has no ${key} series for the run (${promql}); check metrics.prometheus.filters and the model name`);
    } catch (err) {
      if (!(err instanceof KneepointError)) throw err;
      warnings.push(`server time series: the ${key} range query failed: ${err.message.split("\n")[0]}`);
    }
  }
  return { series, warnings };
}
