/**
 * Parts shared by the charts with concurrency on x: the log2 axis with the swept values as ticks, the
 * colour by run (a constant for one run, a legend for several) and the knee mark (dashed rule + label).
 * Pure.
 */
import type { ChartRun } from "./chart-run.ts";
import { drawableKnee } from "./chart-run.ts";
import { FONT_SIZE, KNEE_COLOR, RUN_COLORS, SINGLE_RUN_COLOR, type LayerChild } from "./chart-theme.ts";

type UnitChild = Extract<LayerChild, { mark: unknown }>;
type Encoding = NonNullable<UnitChild["encoding"]>;
export type XEncoding = NonNullable<Encoding["x"]>;
export type ColorEncoding = NonNullable<Encoding["color"]>;

export const CONCURRENCY_TITLE = "Concurrency (requests in flight, log₂ scale)";

/** x = `concurrency` on a log2 scale whose ticks are exactly the swept values. */
export function concurrencyX(ticks: readonly number[]): XEncoding {
  const lo = ticks[0] ?? 1;
  const hi = ticks[ticks.length - 1] ?? lo;
  const domain = lo === hi ? [lo / 2, hi * 2] : [lo, hi];
  return {
    field: "concurrency",
    type: "quantitative",
    title: CONCURRENCY_TITLE,
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
  /** Pixels from the top of the plot, so several runs' labels stack instead of overlapping. */
  labelY: number;
}

export function kneeMarks(runs: readonly ChartRun[]): KneeMark[] {
  const marks: KneeMark[] = [];
  for (const run of runs) {
    const knee = drawableKnee(run);
    if (knee === null) continue;
    const label = isComparison(runs) ? `knee c=${knee} (${run.name})` : `knee c=${knee}`;
    marks.push({ run: run.name, concurrency: knee, label, labelY: 4 + marks.length * (FONT_SIZE.mark + 4) });
  }
  return marks;
}

/**
 * A dashed vertical rule at each run's knee with a "knee c=N" label at the top of the plot; no layers at
 * all when no run has a knee. `labels: false` for the panels after the first of a row of small multiples.
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
  const label: LayerChild = {
    data: { values: marks },
    mark: { type: "text", align: "left", baseline: "top", dx: 5, fontWeight: "bold", fontSize: FONT_SIZE.mark },
    encoding: { x, y: { field: "labelY", type: "quantitative", scale: null }, text: { field: "label" }, color },
  };
  return [rule, label];
}
