/**
 * How a whole number of things (workers, requests, trace entries) is divided among N shards so that the shares
 * are disjoint, contiguous and add up to the whole. Pure.
 */
import type { ShardSpec } from "./shard-spec.ts";

export interface Share {
  /** First item of this shard's share, 0-based in the whole. */
  offset: number;
  count: number;
}

/**
 * Even split: shard i gets ⌊t/N⌋ + (i < t mod N ? 1 : 0), the earlier shards taking the remainder, at offset
 * i·⌊t/N⌋ + min(i, t mod N). Shard i's share is also the number of items j < t with j mod N = i, so an
 * interleaved assignment (item j → shard j mod N) gives the same counts.
 */
export function evenShare(total: number, shard: ShardSpec): Share {
  const base = Math.floor(total / shard.count);
  const rest = total % shard.count;
  return { offset: shard.index * base + Math.min(shard.index, rest), count: base + (shard.index < rest ? 1 : 0) };
}

/**
 * Split in proportion to integer weights (the shards' closed-loop workers) by largest remainder: shard i gets
 * ⌊t·w_i/W⌋, and the t − Σ⌊…⌋ left over go one each to the largest remainders, ties to the lower index. Shares
 * are contiguous in index order, add up to t, differ from t·w_i/W by less than 1, are 0 where the weight is 0,
 * and are at least w_i when t ≥ W. With equal weights this is the even split (the earlier shards take the rest).
 */
export function weightedShares(total: number, weights: readonly number[]): Share[] {
  const sumW = weights.reduce((a, b) => a + b, 0);
  if (sumW <= 0) return weights.map(() => ({ offset: 0, count: 0 }));
  // Integer arithmetic: total·weight stays far below 2^53 for any plan a config can express.
  const counts = weights.map((w) => Math.floor((total * w) / sumW));
  const left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = weights.map((w, i) => ({ i, r: (total * w) % sumW })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; k < left; k++) counts[byRemainder[k]!.i]!++;
  let at = 0;
  return counts.map((count) => {
    const share = { offset: at, count };
    at += count;
    return share;
  });
}

/** Closed-loop workers and the requests they send: workers split evenly, requests in proportion to the workers. */
export function closedLoopShare(concurrency: number, requests: number, shard: ShardSpec): { workers: Share; requests: Share } {
  const workers = Array.from({ length: shard.count }, (_, index) => evenShare(concurrency, { index, count: shard.count }).count);
  return { workers: evenShare(concurrency, shard), requests: weightedShares(requests, workers)[shard.index]! };
}
