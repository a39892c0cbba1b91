/**
 * Latency percentiles vs concurrency: three small panels (TTFT, ITL, E2EL), each with p50/p95/p99 lines,
 * concurrency on a log2 axis, the knee marked. A panel whose values span 10× or more gets a log y axis
 * (said in its title; log-axis.ts). One run: colour = percentile. Several runs: colour = run, dash = percentile.
 * A percentile that was not configured for a run has no key in its results and is not drawn. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { latencyMsY } from "./log-axis.ts";
import { LATENCY_METRIC_LABELS, type LatencyMetric } from "../../metrics/step-result-keys.ts";
import {
  assertDistinctRunNames,
  latencyStatMs,
  stepsByConcurrency,
  sweptConcurrencies,
  type ChartOptions,
  type ChartRun,
} from "./chart-run.ts";
import { CHART_CONFIG, CHART_SIZE, type ConcatChild } from "./chart-theme.ts";
import {
  concurrencyX,
  isComparison,
  kneeLayers,
  runColor,
  SHORT_CONCURRENCY_TITLE,
  type ColorEncoding,
} from "./concurrency-encodings.ts";

export const PANEL_METRICS: readonly LatencyMetric[] = ["ttft", "itl", "e2el"];
export const DEFAULT_CHART_PERCENTILES: readonly number[] = [50, 95, 99];
const PERCENTILE_COLORS = ["#4c78a8", "#f58518", "#e45756", "#54a24b", "#b279a2"];
const PERCENTILE_DASHES = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3], [4, 2]];
export interface LatencyRow {
  run: string;
  concurrency: number;
  metric: LatencyMetric;
  /** "p50", "p95", … */
  stat: string;
  latencyMs: number;
}

export interface LatencyPercentilesOptions extends ChartOptions {
  /** Default 50, 95, 99. */
  percentiles?: readonly number[];
}

export function latencyRows(runs: readonly ChartRun[], percentiles: readonly number[]): LatencyRow[] {
  const rows: LatencyRow[] = [];
  for (const run of runs)
    for (const step of stepsByConcurrency(run))
      for (const metric of PANEL_METRICS)
        for (const p of percentiles) {
          const latencyMs = latencyStatMs(step, metric, p);
          if (latencyMs !== null) rows.push({ run: run.name, concurrency: step.max_concurrency, metric, stat: `p${p}`, latencyMs });
        }
  return rows;
}

export function latencyPercentilesChart(runs: readonly ChartRun[], opts: LatencyPercentilesOptions = {}): TopLevelSpec {
  assertDistinctRunNames(runs);
  const percentiles = opts.percentiles ?? DEFAULT_CHART_PERCENTILES;
  const rows = latencyRows(runs, percentiles);
  const ticks = sweptConcurrencies(runs);
  const stats = percentiles.map((p) => `p${p}`);
  const compare = isComparison(runs);
  const color: ColorEncoding = compare
    ? runColor(runs)
    : { field: "stat", type: "nominal", title: "Percentile", scale: { domain: stats, range: PERCENTILE_COLORS.slice(0, stats.length) } };
  const panel = (metric: LatencyMetric, first: boolean): ConcatChild => {
    const values = rows.filter((r) => r.metric === metric).map((r) => r.latencyMs);
    const name = LATENCY_METRIC_LABELS[metric].name;
    return {
      width: CHART_SIZE.thirdWidth,
      height: CHART_SIZE.height,
      layer: [
        {
          transform: [{ filter: { field: "metric", equal: metric } }],
          mark: { type: "line", point: true },
          encoding: {
            x: concurrencyX(ticks, SHORT_CONCURRENCY_TITLE),
            y: latencyMsY(name, values),
            color,
            ...(compare
              ? { strokeDash: { field: "stat", type: "nominal", title: "Percentile", legend: { symbolType: "stroke", symbolSize: 500 }, scale: { domain: stats, range: PERCENTILE_DASHES.slice(0, stats.length) } } }
              : {}),
            detail: [{ field: "run" }, { field: "stat" }],
          },
        },
        ...kneeLayers(runs, { labels: first }),
      ],
    };
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: compare ? "Latency percentiles vs concurrency (comparison)" : "Latency percentiles vs concurrency",
      subtitle: [`TTFT: time to first token · ITL: inter-token latency · E2EL: end-to-end latency`, ...(opts.subtitle ? [opts.subtitle] : [])],
    },
    data: { values: rows },
    hconcat: PANEL_METRICS.map((metric, i) => panel(metric, i === 0)),
    config: CHART_CONFIG,
  };
}
