/**
 * Thins a long time series for drawing without losing its peaks: the time range is cut into `buckets`
 * equal slices (about one per pixel) and each slice keeps its first, lowest, highest and last point, in
 * time order (M4 aggregation). A day of 1 s scrapes becomes ≤ 4 points per pixel instead of 86,400. Pure.
 */
export interface TimePoint {
  tS: number;
  value: number;
}

export function downsampleMinMax<P extends TimePoint>(points: readonly P[], buckets: number): P[] {
  if (points.length <= 4 * buckets || buckets < 1) return [...points];
  const sorted = [...points].sort((a, b) => a.tS - b.tS);
  const t0 = sorted[0]!.tS;
  const span = sorted[sorted.length - 1]!.tS - t0 || 1;
  const kept: P[] = [];
  let i = 0;
  while (i < sorted.length) {
    const bucket = Math.min(buckets - 1, Math.floor(((sorted[i]!.tS - t0) / span) * buckets));
    const first = sorted[i]!;
    let min = first;
    let max = first;
    let last = first;
    for (i++; i < sorted.length && Math.min(buckets - 1, Math.floor(((sorted[i]!.tS - t0) / span) * buckets)) === bucket; i++) {
      const p = sorted[i]!;
      if (p.value < min.value) min = p;
      if (p.value > max.value) max = p;
      last = p;
    }
    for (const p of new Set([first, min, max, last].sort((a, b) => a.tS - b.tS))) kept.push(p);
  }
  return kept;
}
