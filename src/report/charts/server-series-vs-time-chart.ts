/**
 * Requests waiting, and KV-cache usage, over time for scenario runs (seed 004's "Waiting Queue vs Time" and
 * "KV Cache Usage vs Time"), from each run's server_metrics_timeseries.json. Runs are overlaid on "seconds
 * since the run's start" (each run's own start), coloured by label. One run: its stages are shaded and
 * labelled with their requested rate. Runs without the series are left out (scenario-charts.ts says which),
 * never drawn as 0. Long series are thinned keeping their peaks (min-max-downsample.ts). Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { LabelledRun, ServerSample } from "../compare/scenario-report.ts";
import { formatRate } from "../compare/compare-rows.ts";
import { CHART_CONFIG, CHART_SIZE, FONT_SIZE, type LayerChild } from "./chart-theme.ts";
import { downsampleMinMax } from "./min-max-downsample.ts";
import { assertDistinctLabels, isRunComparison, runLabelColor } from "./rate-axis.ts";

export type ServerSeries = "waiting" | "kvCache";

const SERIES: Record<ServerSeries, { title: string; yTitle: string; value: (s: ServerSample) => number | null }> = {
  waiting: { title: "Waiting queue vs time", yTitle: "Requests waiting (count)", value: (s) => s.waiting },
  kvCache: { title: "KV-cache usage vs time", yTitle: "KV-cache usage (%)", value: (s) => (s.kvCacheUsage === null ? null : s.kvCacheUsage * 100) },
};

export const TIME_SINCE_START_TITLE = "Time since the run's start (s)";
const WIDTH = CHART_SIZE.fullWidth;

export interface SeriesPoint {
  run: string;
  tS: number;
  value: number;
}

export interface StageShade {
  label: string;
  startS: number;
  endS: number;
  midS: number;
  opacity: number;
}

/** The run's time zero: its first sample or its first stage's start, whichever is earlier. */
function runStartEpochS(run: LabelledRun): number {
  const ts = run.report.timeseries;
  const firsts = [ts?.samples[0]?.tEpochS, ...(ts?.stages ?? []).map((w) => w.startEpochS)].filter((v): v is number => v !== undefined);
  return Math.min(...firsts);
}

/** Whether the run has at least one finite point of the series. */
export function hasSeries(run: LabelledRun, series: ServerSeries): boolean {
  return (run.report.timeseries?.samples ?? []).some((s) => {
    const v = SERIES[series].value(s);
    return v !== null && Number.isFinite(v);
  });
}

export function seriesPoints(runs: readonly LabelledRun[], series: ServerSeries): SeriesPoint[] {
  return runs.flatMap((run) => {
    if (!hasSeries(run, series)) return [];
    const t0 = runStartEpochS(run);
    const points = run.report.timeseries!.samples.flatMap((s) => {
      const value = SERIES[series].value(s);
      return value === null || !Number.isFinite(value) ? [] : [{ run: run.label, tS: s.tEpochS - t0, value }];
    });
    return downsampleMinMax(points, WIDTH);
  });
}

/** The stage windows of one run as shaded bands, labelled with the stage's requested rate (or concurrency). */
export function stageShades(run: LabelledRun): StageShade[] {
  const ts = run.report.timeseries;
  if (!ts) return [];
  const t0 = runStartEpochS(run);
  return [...ts.stages]
    .filter((w) => w.endEpochS > w.startEpochS)
    .sort((a, b) => a.startEpochS - b.startEpochS)
    .map((w, i) => {
      const load = run.report.stages.find((s) => s.index === w.stage)?.lifecycle.load;
      const label = load?.requestedRateRps != null ? `${formatRate(load.requestedRateRps)} QPS` : load?.concurrency != null ? `c=${load.concurrency}` : `stage ${w.stage}`;
      const startS = w.startEpochS - t0;
      const endS = w.endEpochS - t0;
      return { label, startS, endS, midS: (startS + endS) / 2, opacity: i % 2 === 0 ? 0.05 : 0.13 };
    });
}

/** A series chart's frame: the time axis from 0 to the last sample, and the y maximum (KV % at least 100). */
export function seriesFrame(points: ReadonlyArray<{ tS: number; value: number }>, series: ServerSeries) {
  const endS = points.reduce((m, p) => Math.max(m, p.tS), 0) || 1;
  const yMax = points.reduce((m, p) => Math.max(m, p.value), series === "kvCache" ? 100 : 1);
  const x = { field: "tS", type: "quantitative" as const, title: TIME_SINCE_START_TITLE, scale: { domain: [0, endS], nice: false } };
  return { endS, yMax, x };
}

/** The stages as grey bands behind the lines (their opacity alternates). */
export function stageBandLayer(shades: ReturnType<typeof stageShades>, x: ReturnType<typeof seriesFrame>["x"]): LayerChild {
  return {
    data: { values: shades },
    mark: { type: "rect", color: "#4a4a4a" },
    encoding: { x: { ...x, field: "startS" }, x2: { field: "endS" }, opacity: { field: "opacity", type: "quantitative", scale: null } },
  };
}

export function serverSeriesVsTimeChart(runs: readonly LabelledRun[], series: ServerSeries, opts: { subtitle?: string } = {}): TopLevelSpec {
  assertDistinctLabels(runs);
  const drawn = runs.filter((r) => hasSeries(r, series));
  const points = seriesPoints(drawn, series);
  const { endS, yMax, x } = seriesFrame(points, series);
  const y = { type: "quantitative" as const, title: SERIES[series].yTitle, scale: { domain: [0, yMax], nice: true } };
  const shades = drawn.length === 1 ? stageShades(drawn[0]!).filter((b) => b.startS < endS) : [];
  const layers: LayerChild[] = [];
  if (shades.length > 0) {
    layers.push(stageBandLayer(shades, x));
    layers.push({
      data: { values: shades },
      mark: { type: "text", baseline: "bottom", fontSize: FONT_SIZE.mark - 1, color: "#333333" },
      encoding: { x: { ...x, field: "midS" }, y: { value: -4 }, text: { field: "label" } },
    });
  }
  layers.push({
    data: { values: points },
    mark: { type: "line", clip: true, interpolate: "step-after" },
    encoding: { x, y: { ...y, field: "value" }, color: runLabelColor(drawn.length > 0 ? drawn : runs), detail: { field: "run" } },
  });
  const subtitle = [
    isRunComparison(drawn) ? "each run from its own start" : "shaded bands: stages, labelled with their requested rate",
    ...(opts.subtitle ? [opts.subtitle] : []),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: SERIES[series].title + (isRunComparison(drawn) ? " (comparison)" : ""), subtitle },
    width: WIDTH,
    height: CHART_SIZE.height,
    layer: layers,
    config: CHART_CONFIG,
  };
}
