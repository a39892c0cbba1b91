/**
 * KV-cache usage and queue over time: two stacked panels on one time axis (seconds since the run's start),
 * the sweep's step windows shaded alternately and labelled "c=N". A series that is absent (null, or no
 * finite point) is never drawn as 0: an empty panel says so in its middle, a missing one of the two request
 * series says so under the title. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import { CHART_CONFIG, CHART_SIZE, FONT_SIZE, NOTE_COLOR, SINGLE_RUN_COLOR, type ConcatChild, type LayerChild } from "./chart-theme.ts";
import type { ChartOptions } from "./chart-run.ts";
import { downsampleMinMax } from "./min-max-downsample.ts";

/**
 * One scraped or queried series (epoch ms). Only the points are read, so server-metrics/time-series.ts's
 * TimeSeries ({ key, unit, points }) is passed as it is.
 */
export interface TimelineSeries {
  points: ReadonlyArray<{ tMs: number; value: number }>;
}

export interface StepWindow {
  concurrency: number;
  /** Epoch ms (StepResult.started_at_ms / ended_at_ms). */
  startedAtMs: number;
  endedAtMs: number;
}

export interface ServerTimelineInput {
  steps: readonly StepWindow[];
  /** KV-cache usage in % (0–100, as StepPeaks.kvCachePctMax); null when absent. */
  kvCachePct: TimelineSeries | null;
  /** Requests waiting (count); null when absent. */
  waiting: TimelineSeries | null;
  /** Requests running (count); null or omitted when absent. */
  running?: TimelineSeries | null;
  /** Epoch ms of time zero; default: the first step's start. */
  runStartMs?: number;
}

export interface TimelinePoint {
  series: string;
  tS: number;
  value: number;
}

export interface StepBand {
  label: string;
  startS: number;
  endS: number;
  midS: number;
  opacity: number;
  /** Whether "c=N" fits inside the band at the chart's width; a narrow band stays unlabelled. */
  labelled: boolean;
}

const TIME_TITLE = "Time since run start (s)";
const WIDTH = CHART_SIZE.fullWidth;
const HEIGHT = CHART_SIZE.stackedHeight;
/** Generous width of a mark-label character (px), so a label is dropped rather than clipped. */
const LABEL_CHAR_PX = FONT_SIZE.mark * 0.62;

export function stepWindows(steps: ReadonlyArray<{ max_concurrency?: number | null; started_at_ms?: number; ended_at_ms?: number }>): StepWindow[] {
  return steps.flatMap((s) =>
    typeof s.max_concurrency === "number" && s.started_at_ms !== undefined && s.ended_at_ms !== undefined
      ? [{ concurrency: s.max_concurrency, startedAtMs: s.started_at_ms, endedAtMs: s.ended_at_ms }]
      : [],
  );
}

/** The finite points of a series, in seconds since `t0Ms`, thinned to the plot's pixels; empty for an absent series. */
export function timelinePoints(series: TimelineSeries | null | undefined, label: string, t0Ms: number): TimelinePoint[] {
  if (!series) return [];
  const points = series.points
    .filter((p) => Number.isFinite(p.tMs) && Number.isFinite(p.value) && p.tMs >= t0Ms)
    .map((p) => ({ series: label, tS: (p.tMs - t0Ms) / 1000, value: p.value }));
  return downsampleMinMax(points, WIDTH);
}

export function stepBands(steps: readonly StepWindow[], t0Ms: number, endS: number): StepBand[] {
  const pxPerS = endS > 0 ? WIDTH / endS : 0;
  return [...steps]
    .filter((s) => Number.isFinite(s.startedAtMs) && Number.isFinite(s.endedAtMs) && s.endedAtMs > s.startedAtMs)
    .sort((a, b) => a.startedAtMs - b.startedAtMs)
    .map((s, i) => {
      const startS = (s.startedAtMs - t0Ms) / 1000;
      const endBandS = (s.endedAtMs - t0Ms) / 1000;
      const label = `c=${s.concurrency}`;
      const labelled = (endBandS - startS) * pxPerS >= label.length * LABEL_CHAR_PX + 4;
      return { label, startS, endS: endBandS, midS: (startS + endBandS) / 2, opacity: i % 2 === 0 ? 0.05 : 0.13, labelled };
    });
}

export function serverTimelineChart(input: ServerTimelineInput, opts: ChartOptions = {}): TopLevelSpec {
  const firstStart = Math.min(...input.steps.map((s) => s.startedAtMs).filter(Number.isFinite));
  const t0Ms = input.runStartMs ?? (Number.isFinite(firstStart) ? firstStart : 0);
  const kv = timelinePoints(input.kvCachePct, "KV-cache usage", t0Ms);
  const waiting = timelinePoints(input.waiting, "waiting", t0Ms);
  const running = timelinePoints(input.running, "running", t0Ms);
  const lastStepS = Math.max(0, ...input.steps.map((s) => (s.endedAtMs - t0Ms) / 1000).filter(Number.isFinite));
  const endS = maxOf([...kv, ...waiting, ...running].map((p) => p.tS), lastStepS) || 1;
  const bands = stepBands(input.steps, t0Ms, endS);
  const x = { field: "tS", type: "quantitative", title: TIME_TITLE, scale: { domain: [0, endS], nice: false } } as const;

  const requests = [...waiting, ...running];
  const present = [waiting.length > 0 ? "waiting" : null, running.length > 0 ? "running" : null].filter((n) => n !== null);
  const absent = ["waiting", "running"].filter((n) => !present.includes(n));
  const kvPanel = panel({
    bands,
    labelBands: true,
    points: kv,
    yTitle: "KV-cache usage (%)",
    yMax: maxOf(kv.map((p) => p.value), 100),
    x,
    color: { value: SINGLE_RUN_COLOR },
    emptyNote: "KV-cache usage: series absent (not drawn)",
    showX: false,
  });
  const requestsPanel = panel({
    bands,
    labelBands: false,
    points: requests,
    yTitle: "Requests (count)",
    yMax: maxOf(requests.map((p) => p.value), 1),
    x,
    color: {
      field: "series",
      type: "nominal",
      title: "Requests",
      scale: { domain: present, range: present.map((n) => (n === "waiting" ? "#e45756" : "#54a24b")) },
    },
    emptyNote: "waiting and running requests: series absent (not drawn)",
    showX: true,
  });
  // One of the two request series absent: said under the title, where it cannot cover the other's line.
  const partlyAbsent = present.length === 1 ? [`${absent.join(", ")} requests: series absent (not drawn)`] : [];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "KV-cache usage and queue over time",
      subtitle: ["shaded bands: sweep steps, labelled with their concurrency", ...partlyAbsent, ...(opts.subtitle ? [opts.subtitle] : [])],
    },
    vconcat: [kvPanel, requestsPanel],
    spacing: 12,
    resolve: { scale: { color: "independent" } },
    config: CHART_CONFIG,
  };
}

/** The largest of `values` and `floor`, without spreading (a day of 1 s scrapes is 86,400 arguments). */
function maxOf(values: readonly number[], floor: number): number {
  return values.reduce((m, v) => (v > m ? v : m), floor);
}

type XDef = { readonly field: "tS"; readonly type: "quantitative"; readonly title: string; readonly scale: { readonly domain: readonly number[]; readonly nice: false } };
type Color = NonNullable<NonNullable<Extract<LayerChild, { mark: unknown }>["encoding"]>["color"]>;

interface PanelParts {
  bands: StepBand[];
  labelBands: boolean;
  points: TimelinePoint[];
  yTitle: string;
  yMax: number;
  x: XDef;
  color: Color;
  /** Shown in the middle of the panel when it has no points. */
  emptyNote: string;
  showX: boolean;
}

function panel(p: PanelParts): ConcatChild {
  const x = { ...p.x, scale: { ...p.x.scale, domain: [...p.x.scale.domain] }, ...(p.showX ? {} : { axis: { title: null, labels: false } }) };
  const empty = p.points.length === 0;
  const y = {
    type: "quantitative" as const,
    scale: { domain: [0, p.yMax], nice: true },
    axis: empty ? { title: p.yTitle, labels: false, ticks: false, grid: false } : { title: p.yTitle },
  };
  const layers: LayerChild[] = [
    {
      data: { values: p.bands },
      mark: { type: "rect", color: "#4a4a4a" },
      encoding: { x: { ...x, field: "startS" }, x2: { field: "endS" }, y: { ...y, datum: 0 }, y2: { datum: p.yMax }, opacity: { field: "opacity", type: "quantitative", scale: null } },
    },
  ];
  if (p.labelBands && p.bands.some((b) => b.labelled)) {
    layers.push({
      data: { values: p.bands.filter((b) => b.labelled) },
      mark: { type: "text", baseline: "bottom", fontSize: FONT_SIZE.mark, color: "#333333" },
      encoding: { x: { ...x, field: "midS" }, y: { value: -4 }, text: { field: "label" } },
    });
  }
  if (p.points.length > 0) {
    layers.push({
      data: { values: p.points },
      mark: { type: "line", clip: true, interpolate: "step-after", point: p.points.length <= 60 ? { size: 14 } : false },
      encoding: { x, y: { ...y, field: "value" }, color: p.color, detail: { field: "series" } },
    });
  }
  if (empty) {
    layers.push({
      data: { values: [{ note: p.emptyNote }] },
      mark: { type: "text", fontSize: FONT_SIZE.mark + 1, fontStyle: "italic", color: NOTE_COLOR, align: "center", baseline: "middle" },
      encoding: { x: { value: WIDTH / 2 }, y: { value: HEIGHT / 2 }, text: { field: "note" } },
    });
  }
  return { width: WIDTH, height: HEIGHT, layer: layers };
}
