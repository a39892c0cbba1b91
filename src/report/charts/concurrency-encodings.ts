/**
 * Parts shared by the charts with concurrency on x: the log2 axis with the swept values as ticks, the
 * colour by run (a constant for one run, a legend for several) and the knee mark (dashed rule + label).
 * Pure.
 */
import type { ChartRun } from "./chart-run.ts";
import { drawableKnee, sweptConcurrencies } from "./chart-run.ts";
import { FONT_SIZE, KNEE_COLOR, RUN_COLORS, SINGLE_RUN_COLOR, type LayerChild } from "./chart-theme.ts";

type UnitChild = Extract<LayerChild, { mark: unknown }>;
type Encoding = NonNullable<UnitChild["encoding"]>;
export type XEncoding = NonNullable<Encoding["x"]>;
export type YEncoding = NonNullable<Encoding["y"]>;
export type ColorEncoding = NonNullable<Encoding["color"]>;

export const CONCURRENCY_TITLE = "Concurrency (requests in flight, log₂ scale)";
/** For narrow small multiples. */
export const SHORT_CONCURRENCY_TITLE = "Concurrency (log₂ scale)";

/** x = `concurrency` on a log2 scale whose ticks are exactly the swept values. */
export function concurrencyX(ticks: readonly number[], title: string = CONCURRENCY_TITLE): XEncoding {
  const lo = ticks[0] ?? 1;
  const hi = ticks[ticks.length - 1] ?? lo;
  const domain = lo === hi ? [lo / 2, hi * 2] : [lo, hi];
  return {
    field: "concurrency",
    type: "quantitative",
    title,
    scale: { type: "log", base: 2, domain, nice: false, padding: 14 },
    axis: { values: [...ticks], format: "d", labelOverlap: false },
  };
}

export function isComparison(runs: readonly ChartRun[]): boolean {
  return runs.length > 1;
}

/** Colour by the `run` field with a legend for several runs; one colour and no legend for one. */
export function runColor(runs: readonly ChartRun[]): ColorEncoding {
  if (!isComparison(runs)) return { value: SINGLE_RUN_COLOR };
  return {
    field: "run",
    type: "nominal",
    title: "Run",
    scale: { domain: runs.map((r) => r.name), range: runColors(runs.length) },
  };
}

export function runColors(count: number): string[] {
  return Array.from({ length: count }, (_, i) => RUN_COLORS[i % RUN_COLORS.length] ?? SINGLE_RUN_COLOR);
}

export interface KneeMark {
  run: string;
  concurrency: number;
  label: string;
  /** Pixels from the top of the plot (negative: above it, where no data is), stacked one line per run. */
  labelY: number;
  /** The knee is the last swept value: the label goes left of the rule so it stays inside the chart. */
  alignRight: boolean;
}

export function kneeMarks(runs: readonly ChartRun[]): KneeMark[] {
  const lastSwept = Math.max(...sweptConcurrencies(runs));
  const marks: KneeMark[] = [];
  for (const run of runs) {
    const knee = drawableKnee(run);
    if (knee === null) continue;
    marks.push({ run: run.name, concurrency: knee, label: `knee c=${knee}`, labelY: 0, alignRight: knee === lastSwept });
  }
  // Bottom-up, so the first run's label sits lowest, just above the plot.
  marks.forEach((m, i) => (m.labelY = -4 - i * (FONT_SIZE.mark + 3)));
  return marks;
}

/**
 * A dashed vertical rule at each run's knee with a "knee c=N" label just above the plot (coloured by run
 * in a comparison); no layers at all when no run has a knee. `labels: false` for the panels after the
 * first of a row of small multiples.
 */
export function kneeLayers(runs: readonly ChartRun[], opts: { labels?: boolean } = {}): LayerChild[] {
  const marks = kneeMarks(runs);
  if (marks.length === 0) return [];
  const color: ColorEncoding = isComparison(runs) ? runColor(runs) : { value: KNEE_COLOR };
  const x = { field: "concurrency", type: "quantitative" } as const;
  const rule: LayerChild = {
    data: { values: marks },
    mark: { type: "rule", strokeDash: [6, 4], strokeWidth: 1.6 },
    encoding: { x, color },
  };
  if (opts.labels === false) return [rule];
  const label = (alignRight: boolean): LayerChild => ({
    data: { values: marks.filter((m) => m.alignRight === alignRight) },
    mark: {
      type: "text",
      align: alignRight ? "right" : "left",
      baseline: "bottom",
      dx: alignRight ? 4 : -4,
      fontWeight: "bold",
      fontSize: FONT_SIZE.mark,
    },
    encoding: { x, y: { field: "labelY", type: "quantitative", scale: null }, text: { field: "label" }, color },
  });
  return [rule, ...[false, true].filter((r) => marks.some((m) => m.alignRight === r)).map(label)];
}
