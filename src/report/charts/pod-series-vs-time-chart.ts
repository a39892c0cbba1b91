/**
 * Seed 004's per-pod charts: one run's waiting queue, or KV-cache usage, over time with one line per pod (the
 * replicas of a multi-replica target, from server_metrics_timeseries.json's `pods`), on "seconds since the run's
 * start" shared by all pods, the stages shaded as in the run's own time charts. A replica that binds while the
 * others idle shows as one line high and the rest near 0. Pods without the series are left out, never drawn as 0.
 * Long series are thinned keeping their peaks (min-max-downsample.ts). Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { LabelledRun, ServerSample } from "../compare/scenario-report.ts";
import { CHART_CONFIG, CHART_SIZE, type LayerChild } from "./chart-theme.ts";
import { downsampleMinMax } from "./min-max-downsample.ts";
import { runColors } from "./concurrency-encodings.ts";
import { seriesFrame, stageBandLayer, stageShades, type ServerSeries } from "./server-series-vs-time-chart.ts";

const SERIES: Record<ServerSeries, { title: string; yTitle: string; value: (s: ServerSample) => number | null }> = {
  waiting: { title: "Waiting queue per pod vs time", yTitle: "Requests waiting (count)", value: (s) => s.waiting },
  kvCache: { title: "KV-cache usage per pod vs time", yTitle: "KV-cache usage (%)", value: (s) => (s.kvCacheUsage === null ? null : s.kvCacheUsage * 100) },
};

export interface PodPoint {
  pod: string;
  tS: number;
  value: number;
}

/** The run's time zero: its earliest sample (of any pod or the aggregate) or stage start. */
function runStartEpochS(run: LabelledRun): number {
  const ts = run.report.timeseries!;
  const firsts = [ts.samples[0]?.tEpochS, ...(ts.pods ?? []).map((p) => p.samples[0]?.tEpochS), ...ts.stages.map((w) => w.startEpochS)].filter((v): v is number => v !== undefined);
  return Math.min(...firsts);
}

/** Each pod's finite points of the series, from the run's common start; pods with none left out. */
export function podSeriesPoints(run: LabelledRun, series: ServerSeries): PodPoint[] {
  const ts = run.report.timeseries;
  if (!ts?.pods?.length) return [];
  const t0 = runStartEpochS(run);
  return ts.pods.flatMap((p) => {
    const points = p.samples.flatMap((s) => {
      const value = SERIES[series].value(s);
      return value === null || !Number.isFinite(value) ? [] : [{ pod: p.pod, tS: s.tEpochS - t0, value }];
    });
    return downsampleMinMax(points, CHART_SIZE.fullWidth);
  });
}

/** Whether the run has per-pod samples of the series for at least two pods (one pod is the run's own chart). */
export function hasPodSeries(run: LabelledRun, series: ServerSeries): boolean {
  return new Set(podSeriesPoints(run, series).map((p) => p.pod)).size >= 2;
}

export function podSeriesVsTimeChart(run: LabelledRun, series: ServerSeries, opts: { subtitle?: string } = {}): TopLevelSpec {
  const points = podSeriesPoints(run, series);
  const pods = [...new Set(points.map((p) => p.pod))];
  const { endS, yMax, x } = seriesFrame(points, series);
  const shades = stageShades(run).filter((b) => b.startS < endS);
  const layers: LayerChild[] = shades.length > 0 ? [stageBandLayer(shades, x)] : [];
  layers.push({
    data: { values: points },
    mark: { type: "line", clip: true, interpolate: "step-after" },
    encoding: {
      x,
      y: { field: "value", type: "quantitative", title: SERIES[series].yTitle, scale: { domain: [0, yMax], nice: true } },
      color: { field: "pod", type: "nominal", title: "Pod", scale: { domain: pods, range: runColors(pods.length) } },
      detail: { field: "pod" },
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `${SERIES[series].title}: ${run.label}`, subtitle: [`${pods.length} pods; shaded bands: stages`, ...(opts.subtitle ? [opts.subtitle] : [])] },
    width: CHART_SIZE.fullWidth,
    height: CHART_SIZE.height,
    layer: layers,
    config: CHART_CONFIG,
  };
}
