/**
 * The endpoint picker in front of `kneepoint sim --replicas N`: llm-d's scheduling strategies as seed 004 configures
 * them (EndpointPickerConfig plugins, weights in parentheses), each a weighted sum of scorers in [0, 1] and a
 * max-score picker (ties broken at random), or a random picker:
 *   random          random-picker
 *   load            queue-scorer (1) + kv-cache-scorer (1)
 *   prefix-approx   queue-scorer (1) + kv-cache-scorer (1) + prefix-cache-scorer (2), the default scheduling: the
 *                   prefix scorer knows only what it routed (approx-prefix-index.ts: GIE's text-block hashes and
 *                   per-replica LRU), so a group stays pinned where it first went, evicted or not
 *   prefix-precise  prefix-cache-scorer in cache_tracking mode (2) + kv-cache-scorer (1) + queue-scorer (1): the
 *                   prefix scorer reads each replica's real KV cache (vLLM's KV events, here the engine's cache)
 * Scorers: queue = 1 for the shortest waiting queue, 0 for the longest, linear between (1 when all are equal);
 * kv-cache = 1 − KV usage; approximate prefix = the leading prompt hashes remembered for the replica ÷ the prompt's
 * hashes; precise prefix = llm-d's longest-prefix block hits, min-max normalised over the replicas that hold at
 * least one block (1.0 when one does or all hold as many; 0 for a replica with none).
 * Seeded, so a run routes the same way twice. Pure apart from the replicas' live state it reads.
 */
import { mulberry32 } from "../workload/rng.ts";
import type { GenerationRequest } from "./openai-request.ts";
import { requestBlockHashes } from "./prefix-hashes.ts";
import { ApproxPrefixIndex, approxPromptHashes } from "./approx-prefix-index.ts";

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

/**
 * llm-d's precise scorer (indexedScoresToNormalizedScoredPods over the indexer's longest-prefix hits): replicas with
 * no hit are 0; among the others (s − min) ÷ (max − min), or 1.0 for all when min = max.
 */
export function preciseScores(hits: readonly number[]): number[] {
  const held = hits.filter((h) => h > 0);
  if (held.length === 0) return hits.map(() => 0);
  const min = Math.min(...held);
  const max = Math.max(...held);
  return hits.map((h) => (h === 0 ? 0 : max === min ? 1 : (h - min) / (max - min)));
}

export function createRouter(replicas: readonly RoutedReplica[], strategy: RouterStrategy, opts: { seed: number; blockSize: number }): Router {
  if (replicas.length === 0) throw new Error("createRouter: no replicas");
  const random = mulberry32(opts.seed);
  const counts = new Array<number>(replicas.length).fill(0);
  const index = new ApproxPrefixIndex(replicas.length);

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
        let prefix: number[] = replicas.map(() => 0);
        if (strategy === "prefix-approx") {
          hashes = approxPromptHashes(request.promptKey, request.model);
          const matched = index.matches(hashes);
          if (hashes.length > 0) prefix = matched.map((m) => m / hashes.length);
        } else if (strategy === "prefix-precise") {
          const blocks = requestBlockHashes(request, opts.blockSize);
          prefix = preciseScores(replicas.map((r) => (blocks.length > 0 ? r.cachedPrefixBlocks(blocks) : 0)));
        }
        const scores = replicas.map((r, i) => w.queue * queue[i]! + w.kv * (1 - r.kvUsage()) + w.prefix * prefix[i]!);
        chosen = pickMax(scores);
        if (strategy === "prefix-approx") index.add(hashes, chosen);
      }
      counts[chosen]!++;
      return chosen;
    },
    counts: () => [...counts],
  };
}
