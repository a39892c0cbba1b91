/**
 * The token ids inference-perf 0.7.0 puts where a Weka trace has only block hashes
 * (datagen/replay/weka_trace_replay_datagen.py `HashIdRandomGenerator`, `_reconstruct_raw_calls`'s
 * `decode_block_tokens` and `sample_partial_tail_tokens`), over the tokenized corpus
 * (`encode("Pick as many lines as you can from these poem lines:\n" + corpus)`, special tokens included):
 *   - block hash h of trace T → `block_size` ids from a start drawn by Python's `random.Random(seed).randrange(len)`,
 *     seed = the first 8 bytes (big-endian) of sha256("<base_seed>:<T>:<h>"), wrapping once past the end; the same
 *     hash is the same ids throughout the trace;
 *   - a partial tail of n tokens keyed by a string s → the ids at sha256(s)[:8] mod max(len − n, 1) (no wrap).
 * Pure (node:crypto's sha256 is a pure function).
 */
import { createHash } from "node:crypto";
import { pythonRandbelow, pythonRandom } from "./python-random.ts";

export const WEKA_BASE_PROMPT = "Pick as many lines as you can from these poem lines:\n";

export interface WekaBlockTokens {
  /** The ids of these block hashes, concatenated. */
  blocks(hashIds: readonly number[]): number[];
  /** n ids keyed by seed (the partial tail of an input, or a last call's expected output). */
  tail(n: number, seed: string): number[];
}

const sha256Head = (s: string): bigint => createHash("sha256").update(s, "utf8").digest().readBigUInt64BE(0);

export function wekaBlockTokens(corpus: readonly number[], baseSeed: number, traceId: string, blockSize: number): WekaBlockTokens {
  const size = corpus.length;
  const cache = new Map<number, number[]>();
  return {
    blocks(hashIds) {
      const out: number[] = [];
      for (const h of hashIds) {
        let ids = cache.get(h);
        if (ids === undefined) {
          const start = pythonRandbelow(pythonRandom(sha256Head(`${baseSeed}:${traceId}:${h}`)), size);
          const end = start + blockSize;
          ids = corpus.slice(start, end);
          if (end > size) ids = ids.concat(corpus.slice(0, end - size));
          cache.set(h, ids);
        }
        out.push(...ids);
      }
      return out;
    },
    tail(n, seed) {
      if (n <= 0) return [];
      const offset = Number(sha256Head(seed) % BigInt(Math.max(size - n, 1)));
      return corpus.slice(offset, offset + n);
    },
  };
}
