/**
 * inference-perf's `poisson` load timer (PoissonLoadTimer, research/inference-perf.md §2.4), seeded: second by
 * second, k ~ Poisson(rate) requests are placed over that second with the constant timer (exponential gaps
 * rescaled to the second); a second that draws k = 0 stays empty. As in inference-perf, a stage sends exactly
 * int(rate · duration) requests taken from this process, so its last request may fall a little before or after
 * the nominal duration (by about √count / rate seconds). Pure: the uniform source comes in as a parameter.
 */
import { constantOffsetsMs } from "./constant-offsets.ts";

/** Knuth's multiplication method is exact but needs e^−λ > 0; larger means are split (a sum of Poissons is Poisson). */
const KNUTH_MAX_MEAN = 30;

/** One draw of a Poisson(mean) count. O(mean) uniforms. */
export function samplePoisson(mean: number, random: () => number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`Poisson mean must be finite and ≥ 0, got ${mean}`);
  if (mean === 0) return 0;
  const parts = Math.ceil(mean / KNUTH_MAX_MEAN);
  const partMean = mean / parts;
  const limit = Math.exp(-partMean);
  let total = 0;
  for (let j = 0; j < parts; j++) {
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    total += k;
  }
  return total;
}

/** Send times of a poisson stage as offsets from its start, ms, ascending; exactly int(rate · duration) of them. */
export function poissonOffsetsMs(rateRps: number, durationS: number, random: () => number): Float64Array {
  const count = Math.max(0, Math.trunc(rateRps * durationS));
  const offsets = new Float64Array(count);
  let placed = 0;
  for (let second = 0; placed < count; second++) {
    const k = samplePoisson(rateRps, random);
    if (k === 0) continue;
    const within = constantOffsetsMs(k, 1, random);
    for (let i = 0; i < k && placed < count; i++) offsets[placed++] = second * 1000 + within[i]!;
  }
  return offsets;
}
