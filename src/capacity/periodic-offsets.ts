/**
 * Evenly spaced arrivals (`--arrival periodic`): request i is due at i / rate seconds. Unlike inference-perf's
 * `constant` timer (constant-offsets.ts: exponential gaps rescaled to the stage, so Poisson-like jitter), there is
 * no burst, so a server below its service rate never queues: the arrival pattern whose capacity a deterministic
 * model gives in closed form. Pure.
 */
export function periodicOffsetsMs(rateRps: number, count: number): Float64Array {
  const offsets = new Float64Array(Math.max(0, count));
  const gapMs = 1000 / rateRps;
  for (let i = 0; i < offsets.length; i++) offsets[i] = i * gapMs;
  return offsets;
}
