/**
 * What the simulated GPU did over the last sample period, for the DCGM endpoint: busy time, bytes
 * moved and FLOPs, accumulated per step into time buckets (virtual ms) and summed over a sliding
 * window, like DCGM's interval averages. Pure bookkeeping: times come in as arguments.
 */
const BUCKETS_PER_WINDOW = 10;

export interface ActivitySample {
  /** Fraction of the window the engine was stepping (GPU_UTIL, GR_ENGINE_ACTIVE). */
  busy: number;
  bytes: number;
  flops: number;
  windowS: number;
}

export interface GpuActivity {
  record(endMs: number, durationMs: number, bytes: number, flops: number): void;
  sample(nowMs: number): ActivitySample;
}

export function createGpuActivity(windowMs: number): GpuActivity {
  const bucketMs = windowMs / BUCKETS_PER_WINDOW;
  const size = BUCKETS_PER_WINDOW + 2;
  const index = new Float64Array(size).fill(-1);
  const busy = new Float64Array(size);
  const bytes = new Float64Array(size);
  const flops = new Float64Array(size);

  return {
    record(endMs, durationMs, b, f) {
      const k = Math.floor(endMs / bucketMs);
      const slot = k % size;
      if (index[slot] !== k) {
        index[slot] = k;
        busy[slot] = 0;
        bytes[slot] = 0;
        flops[slot] = 0;
      }
      busy[slot]! += durationMs;
      bytes[slot]! += b;
      flops[slot]! += f;
    },
    sample(nowMs) {
      const current = Math.floor(nowMs / bucketMs);
      // the window is the last BUCKETS_PER_WINDOW complete buckets
      const from = current - BUCKETS_PER_WINDOW;
      let sBusy = 0;
      let sBytes = 0;
      let sFlops = 0;
      for (let slot = 0; slot < size; slot++) {
        const k = index[slot]!;
        if (k >= from && k < current) {
          sBusy += busy[slot]!;
          sBytes += bytes[slot]!;
          sFlops += flops[slot]!;
        }
      }
      return { busy: Math.min(1, sBusy / windowMs), bytes: sBytes, flops: sFlops, windowS: windowMs / 1000 };
    },
  };
}
