/**
 * inference-perf's sweep estimator, re-stated from research/inference-perf.md §2.4 so the ladder can be compared
 * with it on the same simulator: a burst at num_requests / 5 req/s for 5 s; the number of requests in flight is
 * sampled every 0.5 s (until the probe's timeout); every fall between two samples gives a rate |Δ in-flight / Δt|;
 * the saturation rate is the `saturationPercentile`-th percentile (numpy's linear method) of those rates.
 * Here the samples are read back from the records (in flight at t = sent ≤ t < ended), which is what
 * inference-perf's active-request counter counts.
 */
import { percentile } from "../src/metrics/stats.ts";

export function burnDownEstimateRps(
  records: ReadonlyArray<{ sendMs: number; endMs: number }>,
  originMs: number,
  timeoutMs: number,
  saturationPercentile: number,
  sampleEveryMs = 500,
): { rateRps: number | null; rates: number[] } {
  const lastEndMs = Math.max(...records.map((r) => r.endMs));
  const samples: Array<{ t: number; active: number }> = [];
  for (let t = originMs; t < originMs + timeoutMs && t <= lastEndMs + sampleEveryMs; t += sampleEveryMs) {
    let active = 0;
    for (const r of records) if (r.sendMs <= t && t < r.endMs) active++;
    samples.push({ t, active });
  }
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const drop = samples[i]!.active - samples[i - 1]!.active;
    if (drop < 0) rates.push(Math.abs(drop / ((samples[i]!.t - samples[i - 1]!.t) / 1000)));
  }
  if (rates.length <= 1) return { rateRps: null, rates }; // inference-perf: "failed to gather enough samples"
  return { rateRps: percentile(Float64Array.from(rates).sort(), saturationPercentile), rates };
}
