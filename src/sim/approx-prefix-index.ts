/**
 * The default ("approximate") prefix-cache scorer of llm-d's scheduling, as the Gateway API Inference Extension's
 * `prefix-cache-scorer` plugin builds it (pkg/epp/scheduling/framework/plugins/multi/prefix: plugin.go, indexer.go):
 *  - it never sees a replica's cache: it remembers which replica it routed each prompt block to;
 *  - a prompt is hashed as text, not tokens: the model name is hash 0, then each full 64-byte block of the prompt
 *    chained to the previous hash (DefaultHashBlockSize 64, "a good guess of average characters per token is 4");
 *  - only the first 256 blocks (16,384 bytes) count (DefaultMaxPrefixBlocks); longer prompts that agree up to there
 *    are indistinguishable;
 *  - each replica's remembered blocks are an LRU of 31,250 entries (DefaultLRUCapacityPerServer); a block falls out
 *    of a replica's set only when that LRU evicts it, never because the replica's real cache did;
 *  - score = the longest run of leading hashes remembered for the replica ÷ the request's hash count.
 * So a prompt whose first 16 KB it has routed before scores 1.0 on that replica, whatever happened since: the
 * replica may have evicted it, and a long shared prefix pins its group to the replicas it first went to.
 * Our hash is SHA-1 (GIE uses xxhash64): only equality matters here.
 */
import { createHash } from "node:crypto";

export const APPROX_HASH_BLOCK_BYTES = 64;
export const APPROX_MAX_PREFIX_BLOCKS = 256;
export const APPROX_LRU_CAPACITY_PER_SERVER = 31_250;

/** GIE's hashPrompt: [hash(model), hash(block 0 + prev), …], full blocks of the first maxBlocks × blockBytes bytes. */
export function approxPromptHashes(prompt: string, model: string, blockBytes = APPROX_HASH_BLOCK_BYTES, maxBlocks = APPROX_MAX_PREFIX_BLOCKS): string[] {
  let bytes = Buffer.from(prompt, "utf8");
  if (bytes.length < blockBytes) return [];
  if (bytes.length > blockBytes * maxBlocks) bytes = bytes.subarray(0, blockBytes * maxBlocks);
  const out = [createHash("sha1").update(model).digest("base64")];
  for (let i = 0; i + blockBytes <= bytes.length; i += blockBytes) {
    out.push(createHash("sha1").update(bytes.subarray(i, i + blockBytes)).update(out[out.length - 1]!).digest("base64"));
  }
  return out;
}

/** GIE's indexer: hash → replicas that may hold it, with one LRU of hashes per replica. */
export class ApproxPrefixIndex {
  private readonly holders = new Map<string, Set<number>>();
  /** Per replica: its hashes, least recently added first (a Map keeps insertion order). */
  private readonly lrus: Array<Map<string, true>>;

  constructor(
    replicas: number,
    private readonly capacityPerServer = APPROX_LRU_CAPACITY_PER_SERVER,
  ) {
    this.lrus = Array.from({ length: replicas }, () => new Map());
  }

  /** PreRequest: the request's hashes were routed to `replica`. */
  add(hashes: readonly string[], replica: number): void {
    const lru = this.lrus[replica]!;
    for (const h of hashes) {
      lru.delete(h);
      lru.set(h, true);
      let set = this.holders.get(h);
      if (!set) this.holders.set(h, (set = new Set()));
      set.add(replica);
      if (lru.size > this.capacityPerServer) this.evict(replica, lru.keys().next().value as string);
    }
  }

  /** matchLongestPrefix: per replica, how many leading hashes it is remembered for (stops at the first nobody has). */
  matches(hashes: readonly string[]): number[] {
    const out = new Array<number>(this.lrus.length).fill(0);
    for (const h of hashes) {
      const set = this.holders.get(h);
      if (!set || set.size === 0) break;
      for (const r of set) out[r]!++;
    }
    return out;
  }

  /** Entries remembered for a replica (for tests). */
  size(replica: number): number {
    return this.lrus[replica]!.size;
  }

  private evict(replica: number, hash: string): void {
    this.lrus[replica]!.delete(hash);
    const set = this.holders.get(hash);
    set?.delete(replica);
    if (set?.size === 0) this.holders.delete(hash);
  }
}
