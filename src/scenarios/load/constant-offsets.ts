/**
 * inference-perf's `constant` load timer (ConstantLoadTimer, research/inference-perf.md §2.4), seeded:
 * num_requests = int(rate · duration) (Python's int() truncates, as Math.trunc does on the same double);
 * num_requests exponential gaps of mean 1/rate, rescaled so that they sum exactly to the duration. The count is
 * exact and the last request is due at the end of the stage; the spacing has Poisson-like jitter, not a fixed
 * period. Pure: the uniform source comes in as a parameter.
 */

/** Send times of a constant stage as offsets from its start, ms, ascending; the last one is the duration. */
export function constantOffsetsMs(rateRps: number, durationS: number, random: () => number): Float64Array {
  const count = Math.trunc(rateRps * durationS);
  const offsets = new Float64Array(Math.max(0, count));
  if (count <= 0) return offsets;
  const durationMs = durationS * 1000;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    // Exponential by inversion; 1 − u ∈ (0, 1] so the log is finite. The mean 1/rate cancels in the rescaling,
    // so the unit gap is drawn directly.
    const gap = -Math.log(1 - random());
    sum += gap;
    offsets[i] = sum;
  }
  if (!(sum > 0)) {
    // Every draw was exactly 0 (a degenerate source): even spacing keeps the count and the duration.
    for (let i = 0; i < count; i++) offsets[i] = ((i + 1) * durationMs) / count;
    return offsets;
  }
  const scale = durationMs / sum;
  for (let i = 0; i < count; i++) offsets[i] = Math.min(offsets[i]! * scale, durationMs);
  offsets[count - 1] = durationMs;
  return offsets;
}
