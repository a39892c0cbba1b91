/**
 * Summary statistics with numpy's semantics, so our numbers line up with `vllm bench serve`
 * (research/vllm-bench.md §1.5: np.mean, np.median, np.std, np.percentile; empty lists → 0).
 */

/** Summary of one latency distribution, in the unit of its input (ms everywhere in kneepoint). */
export interface Distribution {
  /** Arithmetic mean, as np.mean. */
  mean: number;
  /** Middle value, or the mean of the two middle values for even n, as np.median. */
  median: number;
  /** Population standard deviation (ddof = 0), as np.std's default. */
  std: number;
  /** Value at each requested percentile p ∈ [0, 100], keyed by p as given. */
  percentiles: Map<number, number>;
}

/**
 * The p-th percentile of values already sorted ascending, as `np.percentile(values, p)` with its
 * default method "linear": rank r = (p / 100) · (n − 1), i = ⌊r⌋, t = r − i, result = lerp(x[i], x[i+1], t).
 * numpy's lerp is a + (b − a)·t for t < 0.5 and b − (b − a)·(1 − t) for t ≥ 0.5 (better rounding near b);
 * we do the same so results agree to the last bit. Empty input → 0 (vLLM passes `values or 0`).
 * Throws a RangeError for p outside [0, 100], which numpy rejects too.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const n = sortedAscending.length;
  if (n === 0) return 0;
  const rank = (n - 1) * (p / 100);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, n - 1);
  const t = rank - below;
  const a = sortedAscending[below] as number;
  const b = sortedAscending[above] as number;
  const diff = b - a;
  const value = t < 0.5 ? a + diff * t : b - diff * (1 - t);
  // Rounding can only push the lerp an ulp past its endpoints; keep it inside [a, b].
  return Math.min(Math.max(value, a), b);
}

/**
 * mean, median, population std and the given percentiles of `values` (any order).
 * One copy into a Float64Array and one numeric sort: O(n log n), no per-value allocation, fine for
 * millions of ITL samples. Empty input → every field 0, as vLLM (`np.mean(values or 0)` …).
 * std is two-pass: sqrt(Σ (x − mean)² / n), as np.std computes it.
 */
export function describe(values: ArrayLike<number>, percentiles: readonly number[]): Distribution {
  return describeSorted(Float64Array.from(values).sort(), percentiles);
}

/** describe() of values already sorted ascending (samples.ts sorts its own copy, so it skips describe's). */
export function describeSorted(sorted: Float64Array, percentiles: readonly number[]): Distribution {
  const n = sorted.length;
  const byP = new Map<number, number>();
  for (const p of percentiles) byP.set(p, percentile(sorted, p));
  if (n === 0) return { mean: 0, median: 0, std: 0, percentiles: byP };

  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (sorted[i] as number) - mean;
    squares += d * d;
  }
  return { mean, median: medianOfSorted(sorted), std: Math.sqrt(squares / n), percentiles: byP };
}

/** np.median: the middle value, or (a + b) / 2 of the two middle ones (np.mean of them) for even n. */
function medianOfSorted(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}
