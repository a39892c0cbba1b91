/**
 * The stages a sweep runs once the saturation rate is known, as inference-perf generates them
 * (load_generator.py `generateRates`, research inference-perf.md §2.4): `linear` = linspace(1, sat, n);
 * `geometric` = 1 + sat − geomspace(sat, 1, n), which packs stages near saturation; each rounded to 2 decimals
 * with Python's round() and run for `stage_duration` seconds. Pure.
 */
import type { StagePlan } from "../types.ts";

/** load.sweep, in kneepoint's units. */
export interface SweepSpec {
  type: "linear" | "geometric";
  /**
   * inference-perf: the probe burst's size, so the most requests its probe can have in flight. Here: the highest
   * concurrency the saturation ladder may reach (it doubles from 1 while throughput rises).
   */
  numRequests: number;
  /** Seconds one ladder rung may run before it is cut (inference-perf: the probe's timeout). */
  timeoutS: number;
  numStages: number;
  stageDurationS: number;
  /**
   * inference-perf's percentile of burn-down rates. The ladder measures throughput directly and has no
   * distribution of rates to take a percentile of: it is kept for the record and not used.
   */
  saturationPercentile: number;
  /** load.type of the generated stages. */
  stageKind: "constant" | "poisson";
}

/**
 * Python's round(x, 2): correctly rounded on the double's exact value, ties to even. Exact ties at 2 decimals
 * are doubles of the form m/8 with m odd (…​.125, .375, .625, .875); everything else rounds as toFixed does.
 */
export function roundTo2(x: number): number {
  const eighths = x * 8;
  if (Number.isInteger(eighths) && eighths % 2 !== 0) {
    const cents = Math.floor(x * 100); // exact: x·100 = 12.5·m is representable
    return (cents % 2 === 0 ? cents : cents + 1) / 100;
  }
  return Number(x.toFixed(2));
}

/** numpy.linspace(start, stop, n) (endpoint included, the last value set to `stop`). */
export function linspace(start: number, stop: number, n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  const out = Array.from({ length: n }, (_, i) => start + i * step);
  out[n - 1] = stop;
  return out;
}

/** numpy.geomspace(start, stop, n) for positive start and stop (endpoints set exactly). */
export function geomspace(start: number, stop: number, n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [start];
  const logStart = Math.log10(start);
  const logStop = Math.log10(stop);
  const out = linspace(logStart, logStop, n).map((e) => 10 ** e);
  out[0] = start;
  out[n - 1] = stop;
  return out;
}

export function sweepRates(saturationRps: number, numStages: number, type: SweepSpec["type"]): number[] {
  if (type === "geometric") return geomspace(saturationRps, 1, numStages).map((g) => roundTo2(1 + saturationRps - g));
  return linspace(1, saturationRps, numStages).map(roundTo2);
}

export function sweepStages(saturationRps: number, spec: Pick<SweepSpec, "numStages" | "type" | "stageDurationS" | "stageKind">): StagePlan[] {
  return sweepRates(saturationRps, spec.numStages, spec.type).map((rate) => ({ kind: spec.stageKind, rate, durationS: spec.stageDurationS }));
}
