/**
 * Parts shared by the scenario charts with a rate on x: which rate a stage is drawn at, the x encoding whose
 * title says which rate it is (inference-perf issue #741: its axis said "requested" and plotted the achieved
 * rate), and the colour by run label. Achieved = requests sent / send duration (inference-perf's
 * `achieved_rate`); requested = the stage's configured rate. Pure.
 */
import { UsageError } from "../../errors.ts";
import type { LabelledRun, ScenarioStage } from "../compare/scenario-report.ts";
import { SINGLE_RUN_COLOR } from "./chart-theme.ts";
import { runColors, type ColorEncoding, type XEncoding } from "./concurrency-encodings.ts";

export type RateAxis = "achieved" | "requested";
export const RATE_AXES: readonly RateAxis[] = ["achieved", "requested"];

export const RATE_AXIS_TITLES: Record<RateAxis, string> = {
  achieved: "Achieved rate (req/s sent, measured)",
  requested: "Requested rate (QPS, as configured)",
};

/** The stage's rate on the chosen axis, or null (a closed-loop stage has no requested rate). */
export function stageRateRps(stage: ScenarioStage, axis: RateAxis): number | null {
  const v = axis === "achieved" ? stage.lifecycle.load.achievedRateRps : stage.lifecycle.load.requestedRateRps;
  return v !== null && Number.isFinite(v) && v >= 0 ? v : null;
}

/** Every requested rate of any run, ascending: the ticks of a requested-rate axis. */
export function requestedRates(runs: readonly LabelledRun[]): number[] {
  const all = new Set<number>();
  for (const r of runs) for (const s of r.report.stages) {
    const v = stageRateRps(s, "requested");
    if (v !== null) all.add(v);
  }
  return [...all].sort((a, b) => a - b);
}

/** x = `rateRps`, linear from 0, titled with the rate it is; on the requested axis the ticks are the configured rates. */
export function rateX(axis: RateAxis, runs: readonly LabelledRun[]): XEncoding {
  const ticks = axis === "requested" ? requestedRates(runs) : [];
  return {
    field: "rateRps",
    type: "quantitative",
    title: RATE_AXIS_TITLES[axis],
    scale: { zero: true, nice: true },
    axis: ticks.length > 0 && ticks.length <= 12 ? { values: ticks, format: "~g", labelOverlap: true } : { format: "~g" },
  };
}

export function isRunComparison(runs: readonly LabelledRun[]): boolean {
  return runs.length > 1;
}

/** Colour by `run` with a legend for several runs; one colour, no legend, for one. */
export function runLabelColor(runs: readonly LabelledRun[]): ColorEncoding {
  if (!isRunComparison(runs)) return { value: SINGLE_RUN_COLOR };
  return { field: "run", type: "nominal", title: "Run", scale: { domain: runs.map((r) => r.label), range: runColors(runs.length) } };
}

/** UsageError on duplicate labels: two runs with one label would draw as one line. */
export function assertDistinctLabels(runs: readonly LabelledRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.label)) throw new UsageError(`charts: two runs are both labelled "${r.label}"`, "give each compared run its own --label");
    seen.add(r.label);
  }
}
