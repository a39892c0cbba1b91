/**
 * Peaks over a step's timeline, as `vllm bench serve` computes `max_concurrent_requests` and
 * `max_output_tokens_per_s` (research/vllm-bench.md §1.5; serve.py calculate_metrics). Both are taken
 * over successful requests only; the caller passes only those.
 */
import { DenseCounts, Float64Chunks } from "./sample-buffers.ts";

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
  return maxOverlap(starts, ends);
}

/** maxConcurrentRequests over starts and ends given as two arrays of one length (sorted here, in place). */
export function maxOverlap(starts: Float64Array, ends: Float64Array): number {
  const n = starts.length;
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

/**
 * The [send, last token-bearing chunk) intervals of a step's successful requests, in epoch ms, kept as compact
 * float64 pairs (16 B a request) so `max_concurrent_requests` stays exact after shards are merged.
 */
export class RequestIntervals {
  readonly starts = new Float64Chunks();
  readonly ends = new Float64Chunks();

  add(startMs: number, endMs: number): void {
    this.starts.push(startMs);
    this.ends.push(endMs);
  }

  merge(other: RequestIntervals): void {
    this.starts.append(other.starts.toArray());
    this.ends.append(other.ends.toArray());
  }

  get count(): number {
    return this.starts.length;
  }

  /** maxConcurrentRequests of every interval. */
  maxConcurrent(): number {
    return maxOverlap(this.starts.toArray(), this.ends.toArray());
  }
}

/** Width of a cell once the timeline stops keeping every event time. */
export const TOKEN_CELL_MS = 1;

/** max_output_tokens_per_s of a timeline, and whether it was counted from every event time. */
export interface TokenPeak {
  peak: number;
  exact: boolean;
  /** |peak − vLLM's peak| ≤ this many events: the most events in the two edge cells of any one-second bucket; 0 when exact. */
  maxErrorEvents: number;
}

/**
 * The token-bearing chunk times (epoch ms) and earliest send of a step's successful requests, mergeable, for
 * `max_output_tokens_per_s` (peakOutputTokensPerSecond's definition). Every event time is kept while their count
 * fits `exactCap`: then the peak is exact, also after a merge (the buckets hang off the earliest send of all
 * shards, known only at the end). Past the cap, events are counted in 1 ms cells on the epoch grid ⌊t⌋; a
 * bucket takes the cells whose start lies in it, so only the two cells straddling its edges can be misplaced,
 * and the peak is within `maxErrorEvents` of vLLM's (about 0.2 % at 100 tokens/ms).
 */
export class TokenTimeline {
  readonly exactCap: number;
  earliestSendMs = Infinity;
  #count = 0;
  #events: Float64Chunks | null = new Float64Chunks();
  #cells: DenseCounts | null = null;

  constructor(exactCap: number) {
    this.exactCap = exactCap;
  }

  get count(): number {
    return this.#count;
  }

  get exact(): boolean {
    return this.#events !== null;
  }

  /** One successful request: its send and token-bearing chunk times, already in epoch ms. */
  addSend(sendMs: number): void {
    if (sendMs < this.earliestSendMs) this.earliestSendMs = sendMs;
  }

  addEvent(tMs: number): void {
    if (this.#events !== null && this.#count < this.exactCap) this.#events.push(tMs);
    else this.#toCells().add(Math.floor(tMs / TOKEN_CELL_MS), 1);
    this.#count++;
  }

  merge(other: TokenTimeline): void {
    this.earliestSendMs = Math.min(this.earliestSendMs, other.earliestSendMs);
    const theirs = other.#events?.toArray() ?? null;
    if (theirs !== null && this.#events !== null && this.#count + theirs.length <= this.exactCap) this.#events.append(theirs);
    else if (theirs !== null) {
      const cells = this.#toCells();
      for (let i = 0; i < theirs.length; i++) cells.add(Math.floor((theirs[i] as number) / TOKEN_CELL_MS), 1);
    } else {
      const cells = this.#toCells();
      for (const [key, c] of (other.#cells as DenseCounts).entries()) cells.add(key, c);
    }
    this.#count += other.#count;
  }

  peak(): TokenPeak {
    if (this.#count === 0) return { peak: 0, exact: this.exact, maxErrorEvents: 0 };
    const origin = this.earliestSendMs;
    if (this.#events !== null) {
      const events = this.#events.toArray();
      const perBucket = new Map<number, number>();
      let peak = 0;
      for (let i = 0; i < events.length; i++) {
        const bucket = Math.floor(((events[i] as number) - origin) / 1000);
        if (bucket < 0) continue; // before the earliest send: vLLM drops it too
        const count = (perBucket.get(bucket) ?? 0) + 1;
        perBucket.set(bucket, count);
        if (count > peak) peak = count;
      }
      return { peak, exact: true, maxErrorEvents: 0 };
    }
    const cells = this.#cells as DenseCounts;
    const perBucket = new Map<number, number>();
    const edges = new Map<number, number>();
    let peak = 0;
    for (const [key, c] of cells.entries()) {
      const startMs = key * TOKEN_CELL_MS;
      // Every event is at or after its send, so at or after the origin: the cell holding the origin is bucket 0's.
      const bucket = Math.max(0, Math.floor((startMs - origin) / 1000));
      // A cell reaching past its bucket's end may hold events of two buckets.
      const straddles = Math.floor((startMs + TOKEN_CELL_MS - origin) / 1000) !== bucket;
      if (straddles) for (const b of [bucket, bucket + 1]) edges.set(b, (edges.get(b) ?? 0) + c);
      const count = (perBucket.get(bucket) ?? 0) + c;
      perBucket.set(bucket, count);
      if (count > peak) peak = count;
    }
    let maxErrorEvents = 0;
    for (const e of edges.values()) maxErrorEvents = Math.max(maxErrorEvents, e);
    return { peak, exact: false, maxErrorEvents };
  }

  /** Every event time while exact, else null. */
  events(): Float64Array | null {
    return this.#events?.toArray() ?? null;
  }

  /** Cells as [key, count] pairs while not exact, else null. */
  cells(): [number, number][] | null {
    return this.#cells === null ? null : [...this.#cells.entries()];
  }

  /** A timeline from its parts (stepStateFromJson). */
  static fromParts(exactCap: number, earliestSendMs: number, content: Float64Array | [number, number][]): TokenTimeline {
    const t = new TokenTimeline(exactCap);
    t.earliestSendMs = earliestSendMs;
    if (content instanceof Float64Array) {
      t.#events?.append(content);
      t.#count = content.length;
    } else {
      const cells = t.#toCells();
      for (const [key, c] of content) {
        cells.add(key, c);
        t.#count += c;
      }
    }
    return t;
  }

  #toCells(): DenseCounts {
    if (this.#cells !== null) return this.#cells;
    const cells = new DenseCounts(1024);
    const events = this.#events?.toArray() ?? new Float64Array(0);
    for (let i = 0; i < events.length; i++) cells.add(Math.floor((events[i] as number) / TOKEN_CELL_MS), 1);
    this.#cells = cells;
    this.#events = null;
    return cells;
  }
}
