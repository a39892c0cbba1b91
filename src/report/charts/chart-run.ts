/**
 * What the sweep charts draw: one or several named runs (a `--compare` overlays them, coloured by name),
 * each a list of step results (vLLM keys) and its knee. Pure helpers that read the steps; a value that is
 * absent or not finite is left out of the chart, never drawn as 0.
 */
import { UsageError } from "../../errors.ts";
import type { StepSummary } from "../../metrics/summarize-step.ts";
import { percentileKey, type LatencyMetric } from "../../metrics/step-result-keys.ts";

export interface ChartRun {
  /** Legend name: run id, label or target. Unique among the runs of one chart. */
  name: string;
  steps: readonly StepSummary[];
  /** The knee's concurrency (analysis/knee.ts), or null when throughput was still rising. */
  kneeConcurrency: number | null;
}

export interface ChartOptions {
  /** A line under the title, e.g. the model and run id. */
  subtitle?: string;
}

/** A step with a concurrency (closed-loop steps; rate-based steps have max_concurrency null). */
export type ConcurrencyStep = StepSummary & { max_concurrency: number };

export function stepsByConcurrency(run: ChartRun): ConcurrencyStep[] {
  return run.steps
    .filter((s): s is ConcurrencyStep => typeof s.max_concurrency === "number" && Number.isFinite(s.max_concurrency) && s.max_concurrency > 0)
    .sort((a, b) => a.max_concurrency - b.max_concurrency);
}

/** Every concurrency swept by any run, ascending: the x-axis ticks. */
export function sweptConcurrencies(runs: readonly ChartRun[]): number[] {
  const all = new Set<number>();
  for (const run of runs) for (const s of stepsByConcurrency(run)) all.add(s.max_concurrency);
  return [...all].sort((a, b) => a - b);
}

/** A latency statistic of a step: "p50" is vLLM's median key; other percentiles exist only when configured. */
export function latencyStatMs(step: StepSummary, metric: LatencyMetric, percentile: number): number | null {
  const value = percentile === 50 ? step[`median_${metric}_ms`] : step[percentileKey(metric, percentile)];
  return finiteOrNull(value);
}

export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The knee of a run if it is one of the run's swept concurrencies (a knee off the axis is not drawn). */
export function drawableKnee(run: ChartRun): number | null {
  const knee = run.kneeConcurrency;
  if (knee === null) return null;
  return stepsByConcurrency(run).some((s) => s.max_concurrency === knee) ? knee : null;
}

/** UsageError on duplicate names: two runs with one name would merge into one line. */
export function assertDistinctRunNames(runs: readonly ChartRun[]): void {
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.name)) {
      throw new UsageError(`charts: two runs are both named "${run.name}"`, "give each compared run a distinct name (e.g. its run id)");
    }
    seen.add(run.name);
  }
}
