/**
 * Resource peaks of one sweep step, read over the step's wall-clock window from Prometheus or from a direct
 * scrape. `null` means the series was absent (never 0): a report shows "absent", and the verdict's confidence
 * drops. Units are in the names; ratios are 0–1, percentages 0–100.
 */
export interface StepPeaks {
  /** DCGM_FI_DEV_GPU_UTIL, %, max over the window. */
  gpuUtilPctMax: number | null;
  /** DCGM_FI_DEV_FB_USED / (FB_USED + FB_FREE) × 100, max. vLLM preallocates, so this is flat by design. */
  gpuMemUsedPctMax: number | null;
  /** DCGM_FI_PROF_DRAM_ACTIVE (ratio; practical ceiling ≈ 0.8), max. Absent without DCP profiling. */
  dramActiveMax: number | null;
  /** DCGM_FI_PROF_PIPE_TENSOR_ACTIVE (ratio), max. Absent without DCP profiling. */
  tensorActiveMax: number | null;
  /** DCGM_FI_DEV_POWER_USAGE, W, max. */
  powerWMax: number | null;
  /** vllm:kv_cache_usage_perc (or the legacy vllm:gpu_cache_usage_perc) × 100, max. */
  kvCachePctMax: number | null;
  /** vllm:num_requests_running, max (summed over engines). */
  runningMax: number | null;
  /** vllm:num_requests_waiting, max (summed over engines). */
  waitingMax: number | null;
  /** increase(vllm:num_preemptions_total) over the window. */
  preemptions: number | null;
  /** vllm:num_requests_swapped (vLLM V0 only; absent on V1), max (summed over engines). */
  swappedMax?: number | null;
  /** p90 over the window (Prometheus `quantile_over_time(0.9, …)`, linear interpolation), where a max alone may be a spike. */
  gpuUtilPctP90?: number | null;
  dramActiveP90?: number | null;
  tensorActiveP90?: number | null;
  kvCachePctP90?: number | null;
  waitingP90?: number | null;
  /** Scrapes that fell inside the window (fewer than 2 → under-sampled). */
  samples: number;
  underSampled: boolean;
}

export const ABSENT_PEAKS: StepPeaks = {
  gpuUtilPctMax: null,
  gpuMemUsedPctMax: null,
  dramActiveMax: null,
  tensorActiveMax: null,
  powerWMax: null,
  kvCachePctMax: null,
  runningMax: null,
  waitingMax: null,
  preemptions: null,
  samples: 0,
  underSampled: true,
};
