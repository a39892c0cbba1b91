/**
 * The comparison of a run with its baseline: the last recorded run of the same model and request shape, and of
 * the same kind and GPU (a simulated run never becomes a GPU baseline; an A100 run is not compared with an H100). Per common concurrency: throughput and latency deltas; a regression is a throughput drop or a latency
 * rise beyond the threshold. Pure.
 */
import type { RecordedRun, RecordedStep } from "./recorded-run.ts";

export interface StepDelta {
  c: number;
  /** Relative changes, e.g. -0.12 = 12% lower. null when the baseline value was 0 or missing. */
  outTokPerS: number | null;
  ttftP50Ms: number | null;
  e2elP50Ms: number | null;
  itlP50Ms: number | null;
  regressions: string[];
}

export interface BaselineDiff {
  baseline: RecordedRun;
  steps: StepDelta[];
  regressions: string[];
}

export const DEFAULT_REGRESSION_THRESHOLD = 0.1;

export function findBaseline(current: RecordedRun, previous: readonly RecordedRun[]): RecordedRun | null {
  for (let i = previous.length - 1; i >= 0; i--) {
    const p = previous[i]!;
    if (p.runId === current.runId) continue;
    if (p.model !== current.model || p.shape !== current.shape || p.simulated !== current.simulated) continue;
    if (p.gpu !== current.gpu) continue; // an A100 run is not a regression of an H100 baseline
    return p;
  }
  return null;
}

const rel = (now: number | null, then: number | null): number | null => (now === null || then === null || !(then > 0) ? null : now / then - 1);

export function diffAgainstBaseline(current: RecordedRun, baseline: RecordedRun, threshold = DEFAULT_REGRESSION_THRESHOLD): BaselineDiff {
  const byC = new Map<number, RecordedStep>(baseline.steps.map((s) => [s.c, s]));
  const steps: StepDelta[] = [];
  for (const s of current.steps) {
    const b = byC.get(s.c);
    if (!b) continue;
    const d: StepDelta = {
      c: s.c,
      outTokPerS: rel(s.outTokPerS, b.outTokPerS),
      ttftP50Ms: rel(s.ttftP50Ms, b.ttftP50Ms),
      e2elP50Ms: rel(s.e2elP50Ms, b.e2elP50Ms),
      itlP50Ms: rel(s.itlP50Ms, b.itlP50Ms),
      regressions: [],
    };
    const pct = (x: number) => `${x > 0 ? "+" : ""}${Math.round(x * 100)}%`;
    if (d.outTokPerS !== null && d.outTokPerS < -threshold) d.regressions.push(`output tok/s ${pct(d.outTokPerS)} at c=${s.c}`);
    for (const [key, label] of [["ttftP50Ms", "TTFT p50"], ["itlP50Ms", "ITL p50"], ["e2elP50Ms", "E2EL p50"]] as const) {
      const v = d[key];
      if (v !== null && v > threshold) d.regressions.push(`${label} ${pct(v)} at c=${s.c}`);
    }
    steps.push(d);
  }
  return { baseline, steps, regressions: steps.flatMap((s) => s.regressions) };
}
