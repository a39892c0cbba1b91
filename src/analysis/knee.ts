/**
 * The saturation knee (DESIGN.md §4): the smallest concurrency after which throughput gains less than
 * `minGainPerDoubling` per doubling of concurrency while latency grows by more than `minLatencyGrowth`.
 * Gains are normalized per doubling so uneven ladders (1, 4, 32) compare fairly:
 *   gain = (thr_next / thr)^(1 / log2(c_next / c)) − 1.
 * Pure.
 */
export interface KneeInput {
  concurrency: number;
  /** Output tokens/s of the step. */
  outputThroughput: number;
  /** The latency that must grow for a plateau to count: median E2EL, ms. */
  latencyMs: number;
}

export interface KneeThresholds {
  /** Default 0.10: less than +10% throughput per doubling counts as flat. */
  minGainPerDoubling: number;
  /** Default 0.10: latency must grow by more than 10% across the same step. */
  minLatencyGrowth: number;
}

export const DEFAULT_KNEE_THRESHOLDS: KneeThresholds = { minGainPerDoubling: 0.1, minLatencyGrowth: 0.1 };

export interface Knee {
  /** The knee's concurrency, or null when throughput was still rising at the last step. */
  concurrency: number | null;
  /** Per pair of consecutive steps: throughput gain per doubling (null when the lower step had no throughput). */
  gains: Array<{ from: number; to: number; gainPerDoubling: number | null; latencyGrowth: number | null }>;
}

export function gainPerDoubling(c0: number, thr0: number, c1: number, thr1: number): number | null {
  if (!(thr0 > 0) || !(c1 > c0)) return null;
  return Math.pow(thr1 / thr0, 1 / Math.log2(c1 / c0)) - 1;
}

export function findKnee(steps: readonly KneeInput[], t: KneeThresholds = DEFAULT_KNEE_THRESHOLDS): Knee {
  const sorted = [...steps].sort((a, b) => a.concurrency - b.concurrency);
  const gains: Knee["gains"] = [];
  let knee: number | null = null;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    const g = gainPerDoubling(a.concurrency, a.outputThroughput, b.concurrency, b.outputThroughput);
    const lat = a.latencyMs > 0 ? b.latencyMs / a.latencyMs - 1 : null;
    gains.push({ from: a.concurrency, to: b.concurrency, gainPerDoubling: g, latencyGrowth: lat });
    if (knee === null && g !== null && lat !== null && g < t.minGainPerDoubling && lat > t.minLatencyGrowth) knee = a.concurrency;
  }
  return { concurrency: knee, gains };
}
