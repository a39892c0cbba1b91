/**
 * inference-perf's `{dist}` object: `mean, min, max`, then one key per configured percentile, in the
 * configured order, 50 → `median`, else `p{p:g}` (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/base.py `summarize`). An empty list is `null`, as there. Values keep the
 * unit they came in (the reports use seconds). Percentiles and mean come from src/metrics/stats.ts
 * (numpy's linear interpolation, bit-exact; np.mean to ~1e-12 — numpy sums pairwise).
 * From mergeable Samples (src/metrics/samples.ts): the same numbers while they hold every value; beyond their
 * exact cap, their histogram's (percentiles within its stated relative error, count/min/max exact).
 */
import type { Samples } from "../../metrics/samples.ts";
import { describe } from "../../metrics/stats.ts";

/** `{mean, min, max, p0.1, …, median, …, p99.9}`. */
export type DistributionSummary = { mean: number; min: number; max: number } & Record<string, number>;

/** inference-perf's default `report.request_lifecycle.percentiles`. */
export const INFERENCE_PERF_PERCENTILES: readonly number[] = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];

/** Python's `f"{x:g}"`: 6 significant digits, no trailing zeros, exponent form below 1e-4 or from 1e6. */
export function formatG(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, expText] = x.toExponential(5).split("e") as [string, string];
  const exp = Number(expText);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${trim(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(Math.max(0, 5 - exp)));
}

/** The report key of a percentile: 50 → "median", 99.9 → "p99.9", 1 → "p1". */
export function percentileReportKey(p: number): string {
  return p === 50 ? "median" : `p${formatG(p)}`;
}

export function summarizeDistribution(values: ArrayLike<number>, percentiles: readonly number[]): DistributionSummary | null {
  const n = values.length;
  if (n === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = describe(values, percentiles);
  const out: DistributionSummary = { mean: d.mean, min, max } as DistributionSummary;
  for (const p of percentiles) out[percentileReportKey(p)] = d.percentiles.get(p) as number;
  return out;
}

/** summarizeDistribution of the values a Samples holds: identical while exact, else from its histogram. */
export function summarizeSamples(samples: Samples, percentiles: readonly number[]): DistributionSummary | null {
  if (samples.count === 0) return null;
  const exact = samples.values();
  if (exact !== null) return summarizeDistribution(exact, percentiles);
  const d = samples.describe(percentiles);
  const out: DistributionSummary = { mean: d.mean, min: d.min, max: d.max } as DistributionSummary;
  for (const p of percentiles) out[percentileReportKey(p)] = d.percentiles.get(p) as number;
  return out;
}

/** summarizeDistribution of `n` zeros (the multimodal counts of a text-only request) without allocating them. */
export function summarizeZeros(n: number, percentiles: readonly number[]): DistributionSummary | null {
  if (n === 0) return null;
  const out: DistributionSummary = { mean: 0, min: 0, max: 0 } as DistributionSummary;
  for (const p of percentiles) out[percentileReportKey(p)] = 0;
  return out;
}
