/**
 * Latency vs rate for scenario runs: four panels (TTFT, TPOT, ITL, end-to-end request latency), each with
 * the chosen percentiles (default p50 and p90) per stage, the rate on x (achieved or requested, said by the
 * axis title). One run: colour = percentile. Several: colour = run, dash = percentile. A panel whose values
 * span 10× or more gets a log y axis, said in its title. Latencies are read in seconds and drawn in ms.
 * `ttftP90VsQpsChart` is the seed's single TTFT p90 panel. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { distStat, percentileStat, type LabelledRun, type LatencyDistsS } from "../compare/scenario-report.ts";
import { CHART_CONFIG, CHART_SIZE, type ConcatChild } from "./chart-theme.ts";
import type { ColorEncoding } from "./concurrency-encodings.ts";
import { latencyMsY } from "./log-axis.ts";
import { assertDistinctLabels, isRunComparison, rateX, runLabelColor, stageRateRps, type RateAxis } from "./rate-axis.ts";

export type QpsLatencyMetric = keyof Pick<LatencyDistsS, "ttft" | "tpot" | "itl" | "requestLatency">;
export const QPS_LATENCY_METRICS: readonly QpsLatencyMetric[] = ["ttft", "tpot", "itl", "requestLatency"];
export const QPS_LATENCY_LABELS: Record<QpsLatencyMetric, string> = { ttft: "TTFT", tpot: "TPOT", itl: "ITL", requestLatency: "E2E latency" };
export const DEFAULT_QPS_PERCENTILES: readonly number[] = [50, 90];

const PERCENTILE_COLORS = ["#4c78a8", "#f58518", "#e45756", "#54a24b", "#b279a2"];
const PERCENTILE_DASHES = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3], [4, 2]];

export interface QpsLatencyRow {
  run: string;
  stage: number;
  rateRps: number;
  metric: QpsLatencyMetric;
  /** "p50", "p90", … */
  stat: string;
  latencyMs: number;
}

export interface QpsChartOptions {
  x: RateAxis;
  subtitle?: string;
}

export function qpsLatencyRows(runs: readonly LabelledRun[], axis: RateAxis, metrics: readonly QpsLatencyMetric[], percentiles: readonly number[]): QpsLatencyRow[] {
  const rows: QpsLatencyRow[] = [];
  for (const run of runs)
    for (const stage of run.report.stages) {
      const rateRps = stageRateRps(stage, axis);
      if (rateRps === null) continue;
      for (const metric of metrics)
        for (const p of percentiles) {
          const s = distStat(stage.lifecycle.latencyS[metric], percentileStat(p));
          if (s !== null) rows.push({ run: run.label, stage: stage.index, rateRps, metric, stat: percentileStat(p), latencyMs: s * 1000 });
        }
    }
  return rows;
}

function latencyPanel(runs: readonly LabelledRun[], rows: QpsLatencyRow[], metric: QpsLatencyMetric, stats: string[], axis: RateAxis, width: number): ConcatChild {
  const values = rows.filter((r) => r.metric === metric).map((r) => r.latencyMs);
  const name = `${QPS_LATENCY_LABELS[metric]}${stats.length === 1 ? ` ${stats[0]}` : ""}`;
  const compare = isRunComparison(runs);
  const color: ColorEncoding = compare || stats.length === 1
    ? runLabelColor(runs)
    : { field: "stat", type: "nominal", title: "Percentile", scale: { domain: stats, range: PERCENTILE_COLORS.slice(0, stats.length) } };
  return {
    width,
    height: CHART_SIZE.stackedHeight + 40,
    transform: [{ filter: { field: "metric", equal: metric } }],
    mark: { type: "line", point: true },
    encoding: {
      x: rateX(axis, runs),
      y: latencyMsY(name, values),
      color,
      ...(compare && stats.length > 1
        ? { strokeDash: { field: "stat", type: "nominal", title: "Percentile", legend: { symbolType: "stroke", symbolSize: 500 }, scale: { domain: stats, range: PERCENTILE_DASHES.slice(0, stats.length) } } }
        : {}),
      detail: [{ field: "run" }, { field: "stat" }],
      tooltip: [{ field: "run" }, { field: "stage" }, { field: "stat" }, { field: "rateRps", format: ".3f" }, { field: "latencyMs", format: ",.1f" }],
    },
  };
}

export function latencyVsQpsChart(runs: readonly LabelledRun[], opts: QpsChartOptions & { percentiles?: readonly number[] }): TopLevelSpec {
  assertDistinctLabels(runs);
  const percentiles = opts.percentiles ?? DEFAULT_QPS_PERCENTILES;
  const stats = percentiles.map(percentileStat);
  const rows = qpsLatencyRows(runs, opts.x, QPS_LATENCY_METRICS, percentiles);
  const panel = (m: QpsLatencyMetric) => latencyPanel(runs, rows, m, stats, opts.x, CHART_SIZE.halfWidth);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: isRunComparison(runs) ? "Latency vs QPS (comparison)" : "Latency vs QPS",
      subtitle: [
        `${stats.join(", ")} per stage · TTFT: time to first token · TPOT: time per output token · ITL: inter-token latency · E2E: request latency`,
        ...(opts.subtitle ? [opts.subtitle] : []),
      ],
    },
    data: { values: rows },
    vconcat: [{ hconcat: [panel("ttft"), panel("tpot")] }, { hconcat: [panel("itl"), panel("requestLatency")] }],
    config: CHART_CONFIG,
  };
}

export function ttftP90VsQpsChart(runs: readonly LabelledRun[], opts: QpsChartOptions): TopLevelSpec {
  assertDistinctLabels(runs);
  const rows = qpsLatencyRows(runs, opts.x, ["ttft"], [90]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: isRunComparison(runs) ? "TTFT p90 vs QPS (comparison)" : "TTFT p90 vs QPS",
      ...(opts.subtitle ? { subtitle: opts.subtitle } : {}),
    },
    data: { values: rows },
    ...latencyPanel(runs, rows, "ttft", ["p90"], opts.x, CHART_SIZE.halfWidth),
    config: CHART_CONFIG,
  } as TopLevelSpec;
}
