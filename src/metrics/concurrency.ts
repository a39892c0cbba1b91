/**
 * Peaks over a step's timeline, as `vllm bench serve` computes `max_concurrent_requests` and
 * `max_output_tokens_per_s` (research/vllm-bench.md §1.5; serve.py calculate_metrics). Both are taken
 * over successful requests only; the caller passes only those.
 */

export interface IntervalMs {
  startMs: number;
  endMs: number;
}

/** A successful request's timeline: send time and the time of each token-bearing chunk. */
export interface ChunkTimelineMs {
  sendMs: number;
  chunkTimesMs: readonly number[];
}

/**
 * Exact maximum number of overlapping half-open intervals [start, end): a sweep over start (+1) and
 * end (−1) events where, at equal times, ends come first, so an interval ending exactly when another
 * starts does not overlap it. vLLM uses [send, send + latency) per request. A zero-length interval is
 * empty and overlaps nothing (vLLM gives 0 for it too). Empty input → 0.
 * Implementation: sort starts and ends separately and merge, O(n log n), no per-event objects.
 */
export function maxConcurrentRequests(intervals: readonly IntervalMs[]): number {
  const n = intervals.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const interval = intervals[i] as IntervalMs;
    starts[i] = interval.startMs;
    ends[i] = interval.endMs;
  }
  starts.sort();
  ends.sort();
  let current = 0;
  let peak = 0;
  let e = 0;
  for (let s = 0; s < n; s++) {
    const start = starts[s] as number;
    // Every end at or before this start leaves first (half-open: end == start does not overlap).
    while (e < n && (ends[e] as number) <= start) {
      current--;
      e++;
    }
    current++;
    if (current > peak) peak = current;
  }
  return peak;
}

/**
 * vLLM's `max_output_tokens_per_s`: one-second buckets counted from the earliest send among the
 * given (successful) requests; each request adds one event at send + TTFT and one at each later
 * token-bearing chunk (vLLM rebuilds these as send + ttft + cumulative ITLs, i.e. exactly the chunk
 * times); an event at t falls in bucket ⌊(t − earliestSend) / 1000 ms⌋; the peak is the largest
 * bucket count. It counts chunks, not usage tokens (so with several tokens per chunk it is lower
 * than the token rate, research §1.5). No requests → 0.
 */
export function peakOutputTokensPerSecond(requests: readonly ChunkTimelineMs[]): number {
  if (requests.length === 0) return 0;
  let earliestSendMs = Infinity;
  for (const r of requests) if (r.sendMs < earliestSendMs) earliestSendMs = r.sendMs;

  // Buckets are few (one per second of the step), so a Map keyed by bucket index stays small.
  const perBucket = new Map<number, number>();
  let peak = 0;
  for (const r of requests) {
    for (const t of r.chunkTimesMs) {
      const bucket = Math.floor((t - earliestSendMs) / 1000);
      if (bucket < 0) continue; // before the earliest send: impossible on a monotonic clock; vLLM drops it too
      const count = (perBucket.get(bucket) ?? 0) + 1;
      perBucket.set(bucket, count);
      if (count > peak) peak = count;
    }
  }
  return peak;
}
