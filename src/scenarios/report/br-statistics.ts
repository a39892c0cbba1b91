/**
 * The `Statistics` block of an llm-d Benchmark Report v0.2, as inference-perf 0.7.0's BR adapter computes it
 * (kubernetes-sigs/inference-perf inference_perf/reportgen/br/v0_2/adapter.py `_statistics`, `_scalar_statistics`;
 * field order from br/v0_2/schema_v0_2.py `Statistics`, dumped with exclude_none):
 *   units, mean, stddev (only with more than one value), min, p0p1, p1, p5, p10, p25, p50, p75, p90, p95, p99,
 *   p99p9, max — every value a float; an empty list has no block at all (null, then left out).
 * numpy's arithmetic, to the last bit, in the values' own order:
 *  - mean = np.mean: the pairwise sum (numpy's `pairwise_sum`, 8 accumulators in blocks of ≤128, halves above),
 *    divided by n. The order matters: numpy sums the list as given, not sorted.
 *  - stddev = np.std(ddof=1): sqrt(pairwise Σ (x − mean)² / (n − 1)).
 *  - percentiles = np.percentile's default "linear" method (src/metrics/stats.ts `percentile`).
 * Pure.
 */
import type { Samples } from "../../metrics/samples.ts";
import { percentile } from "../../metrics/stats.ts";

export type BrUnits = "count" | "s" | "s/token" | "tokens/s" | "queries/s";

export interface BrStatistics {
  units: BrUnits;
  mean: number;
  stddev?: number;
  min?: number;
  p0p1?: number;
  p1?: number;
  p5?: number;
  p10?: number;
  p25?: number;
  p50?: number;
  p75?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p99p9?: number;
  max?: number;
}

/** adapter.py `_PERCENTILES` and `_PERCENTILE_KEYS`, in order. */
export const BR_PERCENTILES: ReadonlyArray<readonly [key: "p0p1" | "p1" | "p5" | "p10" | "p25" | "p50" | "p75" | "p90" | "p95" | "p99" | "p99p9", p: number]> = [
  ["p0p1", 0.1],
  ["p1", 1],
  ["p5", 5],
  ["p10", 10],
  ["p25", 25],
  ["p50", 50],
  ["p75", 75],
  ["p90", 90],
  ["p95", 95],
  ["p99", 99],
  ["p99p9", 99.9],
];

const PAIRWISE_BLOCK = 128;

/** numpy's `pairwise_sum` of values[lo, lo + n) (numpy/_core/src/umath/loops_utils.h.src). */
function pairwiseSum(values: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += values[lo + i] as number;
    return res;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let k = 0; k < 8; k++) r[k] = values[lo + k] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let k = 0; k < 8; k++) (r[k] as number) += values[lo + i + k] as number;
    }
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += values[lo + i] as number;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, lo, half) + pairwiseSum(values, lo + half, n - half);
}

/** `np.sum` of a float64 array: the identity 0 plus the pairwise sum of the whole array. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwiseSum(values, 0, values.length);
}

/** `np.mean`. NaN for an empty list, as numpy (with its warning). */
export function numpyMean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}

/** `np.std(values, ddof=1)`: two passes, both pairwise. */
export function numpyStdSample(values: ArrayLike<number>): number {
  const n = values.length;
  const mean = numpySum(values) / n;
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    squares[i] = d * d;
  }
  return Math.sqrt(numpySum(squares) / (n - 1));
}

/** adapter.py `_statistics`: null for no value. */
export function brStatistics(values: ArrayLike<number>, units: BrUnits): BrStatistics | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const stats: BrStatistics = { units, mean: numpyMean(values) };
  if (n > 1) stats.stddev = numpyStdSample(values);
  stats.min = sorted[0] as number;
  for (const [key, p] of BR_PERCENTILES) stats[key] = percentile(sorted, p);
  stats.max = sorted[n - 1] as number;
  return stats;
}

/** adapter.py `_scalar_statistics`: a rate as `{units, mean}`. */
export function brScalarStatistics(value: number, units: BrUnits): BrStatistics {
  return { units, mean: value };
}

/**
 * brStatistics of the values a Samples holds, in the order added; beyond its exact cap, from its histogram
 * (percentiles within its relative error; mean and the sample stddev from its running sums).
 */
export function brStatisticsOfSamples(samples: Samples, units: BrUnits): BrStatistics | null {
  const n = samples.count;
  if (n === 0) return null;
  const exact = samples.values();
  if (exact !== null) return brStatistics(exact, units);
  const d = samples.describe(BR_PERCENTILES.map(([, p]) => p));
  const stats: BrStatistics = { units, mean: d.mean };
  // Samples' std is the population one (ddof 0); np.std(ddof=1) = that · √(n / (n − 1)).
  if (n > 1) stats.stddev = d.std * Math.sqrt(n / (n - 1));
  stats.min = d.min;
  for (const [key, p] of BR_PERCENTILES) stats[key] = d.percentiles.get(p) as number;
  stats.max = d.max;
  return stats;
}
