/**
 * The endpoint picker in front of `kneepoint sim --replicas N`: llm-d's scheduling strategies as seed 004 configures
 * them (EndpointPickerConfig plugins, weights in parentheses), each a weighted sum of scorers in [0, 1] and a
 * max-score picker (ties broken at random), or a random picker:
 *   random          random-picker
 *   load            queue-scorer (1) + kv-cache-scorer (1)
 *   prefix-approx   queue-scorer (1) + kv-cache-scorer (1) + prefix-cache-scorer (2), the default scheduling: the
 *                   prefix scorer knows only what it routed (an LRU index of block hash → replicas it sent it to)
 *   prefix-precise  prefix-cache-scorer in cache_tracking mode (2) + kv-cache-scorer (1) + queue-scorer (1): the
 *                   prefix scorer reads each replica's real KV cache (vLLM's KV events, here the engine's cache)
 * Scorers: queue = 1 for the shortest waiting queue, 0 for the longest, linear between (1 when all are equal);
 * kv-cache = 1 − KV usage; prefix = the request's leading prompt blocks the replica has ÷ its prompt blocks.
 * Seeded, so a run routes the same way twice. Pure apart from the replicas' live state it reads.
 */
import { mulberry32 } from "../workload/rng.ts";
import type { GenerationRequest } from "./openai-request.ts";
import { promptBlockHashes } from "./prefix-hashes.ts";

export const ROUTER_STRATEGIES = ["random", "load", "prefix-approx", "prefix-precise"] as const;
export type RouterStrategy = (typeof ROUTER_STRATEGIES)[number];

/** What the router reads of a replica. */
export interface RoutedReplica {
  waiting(): number;
  kvUsage(): number;
  /** Leading blocks of `hashes` in the replica's KV cache (0 without prefix caching). */
  cachedPrefixBlocks(hashes: readonly string[]): number;
}

const WEIGHTS: Record<Exclude<RouterStrategy, "random">, { queue: number; kv: number; prefix: number }> = {
  load: { queue: 1, kv: 1, prefix: 0 },
  "prefix-approx": { queue: 1, kv: 1, prefix: 2 },
  "prefix-precise": { queue: 1, kv: 1, prefix: 2 },
};

/** Block hashes the approximate index remembers; the oldest are forgotten first. */
export const APPROX_INDEX_CAPACITY = 500_000;

export interface Router {
  readonly strategy: RouterStrategy;
  /** The replica index for this request. */
  pick(request: GenerationRequest): number;
  /** Requests sent to each replica so far. */
  counts(): number[];
}

/** queue-scorer: 1 for the shortest queue, 0 for the longest, linear between; 1 for all when they are equal. */
export function queueScores(waiting: readonly number[]): number[] {
  const min = Math.min(...waiting);
  const max = Math.max(...waiting);
  return waiting.map((w) => (max === min ? 1 : (max - w) / (max - min)));
}

export function createRouter(replicas: readonly RoutedReplica[], strategy: RouterStrategy, opts: { seed: number; blockSize: number }): Router {
  if (replicas.length === 0) throw new Error("createRouter: no replicas");
  const random = mulberry32(opts.seed);
  const counts = new Array<number>(replicas.length).fill(0);
  /** prefix-approx: block hash → the replicas it was routed to, in insertion (LRU) order. */
  const index = new Map<string, Set<number>>();

  const remember = (hashes: readonly string[], replica: number): void => {
    for (const h of hashes) {
      const seen = index.get(h);
      index.delete(h); // re-inserted: most recently used last
      index.set(h, seen ? seen.add(replica) : new Set([replica]));
      if (index.size > APPROX_INDEX_CAPACITY) index.delete(index.keys().next().value as string);
    }
  };
  const approxPrefix = (hashes: readonly string[], replica: number): number => {
    let n = 0;
    for (const h of hashes) {
      if (!index.get(h)?.has(replica)) break;
      n++;
    }
    return n;
  };

  const pickMax = (scores: readonly number[]): number => {
    const best = Math.max(...scores);
    const ties = scores.flatMap((s, i) => (s === best ? [i] : []));
    return ties[Math.floor(random() * ties.length)]!;
  };

  return {
    strategy,
    pick(request) {
      let chosen: number;
      let hashes: string[] = [];
      if (strategy === "random") chosen = Math.floor(random() * replicas.length);
      else {
        const w = WEIGHTS[strategy];
        const queue = queueScores(replicas.map((r) => r.waiting()));
        if (w.prefix > 0) hashes = promptBlockHashes(request.promptIds, opts.blockSize, request.lora);
        const scores = replicas.map((r, i) => {
          let s = w.queue * queue[i]! + w.kv * (1 - r.kvUsage());
          if (w.prefix > 0 && hashes.length > 0) {
            const matched = strategy === "prefix-precise" ? r.cachedPrefixBlocks(hashes) : approxPrefix(hashes, i);
            s += w.prefix * (matched / hashes.length);
          }
          return s;
        });
        chosen = pickMax(scores);
        if (strategy === "prefix-approx") remember(hashes, chosen);
      }
      counts[chosen]!++;
      return chosen;
    },
    counts: () => [...counts],
  };
}
