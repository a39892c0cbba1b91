/**
 * Latency vs throughput, the classic trade-off curve: median and p99 latency (E2EL by default, or TTFT)
 * against output tokens/s, one point per step in concurrency order, each median point labelled "c=N"
 * and the knee's labelled "c=N knee" and ringed. One run: colour = statistic. Several runs: colour = run,
 * dash = statistic. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { LATENCY_METRIC_LABELS, type LatencyMetric } from "../../metrics/step-result-keys.ts";
import {
  assertDistinctRunNames,
  drawableKnee,
  finiteOrNull,
  latencyStatMs,
  stepsByConcurrency,
  type ChartOptions,
  type ChartRun,
} from "./chart-run.ts";
import { CHART_CONFIG, CHART_SIZE, FONT_SIZE, KNEE_COLOR, type LayerChild } from "./chart-theme.ts";
import { isComparison, runColor, type ColorEncoding, type XEncoding, type YEncoding } from "./concurrency-encodings.ts";
import { logTickValues, useLogY } from "./log-axis.ts";

export interface LatencyThroughputOptions extends ChartOptions {
  /** Default "e2el". */
  metric?: Extract<LatencyMetric, "e2el" | "ttft">;
  /** The upper percentile drawn above the median; default 99. */
  upperPercentile?: number;
}

export interface TradeOffRow {
  run: string;
  concurrency: number;
  outputTokensPerS: number;
  /** "median" or "p99" (the upper percentile). */
  stat: string;
  latencyMs: number;
  /** "c=8", or "c=8 knee" at the run's knee. */
  label: string;
  isKnee: boolean;
}

export function tradeOffRows(runs: readonly ChartRun[], metric: LatencyMetric, upper: number): TradeOffRow[] {
  const rows: TradeOffRow[] = [];
  for (const run of runs) {
    const knee = drawableKnee(run);
    for (const step of stepsByConcurrency(run)) {
      const outputTokensPerS = finiteOrNull(step.output_throughput);
      if (outputTokensPerS === null) continue;
      const c = step.max_concurrency;
      const isKnee = c === knee;
      for (const [stat, p] of [["median", 50], [`p${upper}`, upper]] as const) {
        const latencyMs = latencyStatMs(step, metric, p);
        if (latencyMs === null) continue;
        rows.push({ run: run.name, concurrency: c, outputTokensPerS, stat, latencyMs, label: isKnee ? `c=${c} knee` : `c=${c}`, isKnee });
      }
    }
  }
  return rows;
}

export function latencyVsThroughputChart(runs: readonly ChartRun[], opts: LatencyThroughputOptions = {}): TopLevelSpec {
  assertDistinctRunNames(runs);
  const metric = opts.metric ?? "e2el";
  const upper = opts.upperPercentile ?? 99;
  const rows = tradeOffRows(runs, metric, upper);
  const stats = ["median", `p${upper}`];
  const compare = isComparison(runs);
  const name = LATENCY_METRIC_LABELS[metric].name;
  const logY = useLogY(rows.map((r) => r.latencyMs));
  const color: ColorEncoding = compare
    ? runColor(runs)
    : { field: "stat", type: "nominal", title: name, scale: { domain: stats, range: ["#4c78a8", "#e45756"] } };
  const x: XEncoding = {
    field: "outputTokensPerS",
    type: "quantitative",
    title: "Output throughput (tokens/s)",
    scale: { zero: true },
    axis: { format: ",~f", tickCount: 8 },
  };
  const y: YEncoding = {
    field: "latencyMs",
    type: "quantitative",
    title: logY ? `${name} (ms, log scale)` : `${name} (ms)`,
    scale: logY ? { type: "log", nice: false, padding: 16 } : { zero: false, nice: true, padding: 16 },
    axis: logY ? { format: ",~f", values: logTickValues(rows.map((r) => r.latencyMs)) } : { format: ",~f" },
  };
  const medianOnly = { filter: { field: "stat", equal: "median" } };
  const layers: LayerChild[] = [
    {
      mark: { type: "line", point: true },
      encoding: {
        x,
        y,
        color,
        order: { field: "concurrency", type: "quantitative" },
        detail: [{ field: "run" }, { field: "stat" }],
        ...(compare ? { strokeDash: { field: "stat", type: "nominal", title: name, legend: { symbolType: "stroke", symbolSize: 500 }, scale: { domain: stats, range: [[1, 0], [7, 4]] } } } : {}),
      },
    },
    {
      transform: [medianOnly],
      mark: { type: "text", align: "left", baseline: "top", dx: 6, dy: 6, fontSize: FONT_SIZE.mark - 1, color: "#333333" },
      encoding: { x, y, text: { field: "label" } },
    },
  ];
  if (rows.some((r) => r.isKnee)) {
    layers.push({
      transform: [medianOnly, { filter: "datum.isKnee" }],
      mark: { type: "point", shape: "circle", size: 260, filled: false, strokeWidth: 2, color: KNEE_COLOR },
      encoding: { x, y },
    });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: compare ? `Latency vs throughput (comparison)` : `Latency vs throughput`,
      subtitle: [
        `median and p${upper} ${LATENCY_METRIC_LABELS[metric].header.toLowerCase()}; each point a step, labelled with its concurrency`,
        ...(opts.subtitle ? [opts.subtitle] : []),
      ],
    },
    width: CHART_SIZE.fullWidth,
    height: CHART_SIZE.height,
    data: { values: rows },
    layer: layers,
    config: CHART_CONFIG,
  };
}
