/**
 * Prompts of an exact token length, the way vLLM's `random` dataset builds them (research/vllm-bench.md §1.6),
 * with one change: request i's ids are drawn independently at random from the ordinary vocabulary (vLLM takes
 * consecutive ids from a random offset, which makes two requests' prompts collide with a probability that is
 * not negligible for small id ranges, and a collision is a prefix-cache hit). The ids are decoded to text,
 * re-encoded, and truncated or padded with seeded random ids until the text encodes to the target length
 * (at most 10 rounds). The target excludes the special tokens the server adds (a BOS makes 256 → 255), so
 * the server's usage.prompt_tokens equals the requested input length. Same seed → byte-identical prompts.
 */
import type { TokenizerPort } from "../tokenizer/tokenizer-port.ts";
import { createRng, deriveSeed } from "./rng.ts";

export interface Prompt {
  text: string;
  /** Tokens of `text` without special tokens, as the tokenizer counts them. */
  tokens: number;
  /** Tokens the server is expected to count (tokens + special tokens). */
  expectedPromptTokens: number;
}

export interface PromptSet {
  prompts: Prompt[];
  /** Prompts whose text did not re-encode to the target within the allowed rounds. */
  mismatched: number;
  targetTokens: number;
  specialTokens: number;
}

const MAX_ROUNDS = 10;
const PARALLEL_TOKENIZE_CALLS = 8;

async function buildOne(tok: TokenizerPort, seed: number, i: number, target: number): Promise<{ text: string; tokens: number }> {
  const rng = createRng(deriveSeed(seed, i));
  const [lo, hi] = tok.idRange;
  let ids = Array.from({ length: target }, () => rng.int(lo, hi));
  let text = await tok.decode(ids);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const encoded = await tok.encode(text);
    if (encoded.length === target) return { text, tokens: target };
    ids = encoded.length > target ? encoded.slice(0, target) : [...encoded, ...Array.from({ length: target - encoded.length }, () => rng.int(lo, hi))];
    text = await tok.decode(ids);
  }
  return { text, tokens: (await tok.encode(text)).length };
}

/**
 * Prompts `first` … `first + count − 1` of the set (`first` 0 by default): prompt i depends only on the seed and i,
 * so a shard builds its own slice of a step's set and the shards' slices join into the unsharded set.
 */
export async function buildPrompts(tok: TokenizerPort, opts: { count: number; inputLen: number; seed: number; first?: number }): Promise<PromptSet> {
  const first = opts.first ?? 0;
  const specialTokens = await tok.specialTokenCount();
  const targetTokens = Math.max(1, opts.inputLen - specialTokens);
  const prompts: Prompt[] = new Array(opts.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      const i = next++;
      const { text, tokens } = await buildOne(tok, opts.seed, first + i, targetTokens);
      prompts[i] = { text, tokens, expectedPromptTokens: tokens + specialTokens };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_TOKENIZE_CALLS, opts.count) }, worker));
  return { prompts, mismatched: prompts.filter((p) => p.tokens !== targetTokens).length, targetTokens, specialTokens };
}
