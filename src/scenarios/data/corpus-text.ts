/**
 * A text corpus prepared for exact-length slices (inference-perf's `synthetic` data: slices of a corpus,
 * adjusted to an exact token length). The corpus is normalized to single-spaced words; every distinct word
 * is counted once with the tokenizer (" word" → n tokens), so the token length of any run of words is a
 * difference of prefix sums, and a slice of exactly T tokens is: whole words up to T, then single-token
 * atoms for the remainder. Slicing is O(log n) with no tokenizer call. The additivity is verified on
 * sample slices; when it fails, lengths are marked approximate.
 */
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { createRng, deriveSeed, type Rng } from "../../workload/rng.ts";
import { finishPrompt, mapParallel, randomAtomText, wordAlone, type AtomForm } from "./word-atoms.ts";

export interface Corpus {
  /** " w₀ w₁ … w_{n−1}": the corpus, one space before every word. */
  text: string;
  /** Character offset of word k's leading space; wordStart[n] = text.length. */
  wordStart: Int32Array;
  /** Tokens of words [0, k); tokenPrefix[n] = the corpus' tokens. */
  tokenPrefix: Float64Array;
  words: number;
  exact: boolean;
}

export async function buildCorpus(tok: TokenizerPort, raw: string, seed: number, form: AtomForm): Promise<Corpus> {
  const words = raw.split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) throw new Error("the corpus has no words");
  const distinct = [...new Set(words)];
  const lengths = await mapParallel(distinct, async (w) => (await tok.encode(wordAlone(w, form))).length);
  const counts = new Map(distinct.map((w, k) => [w, lengths[k]!]));

  const n = words.length;
  const wordStart = new Int32Array(n + 1);
  const tokenPrefix = new Float64Array(n + 1);
  let chars = 0;
  for (let k = 0; k < n; k++) {
    wordStart[k] = chars;
    chars += 1 + words[k]!.length;
    tokenPrefix[k + 1] = tokenPrefix[k]! + counts.get(words[k]!)!;
  }
  wordStart[n] = chars;
  const corpus: Corpus = { text: " " + words.join(" "), wordStart, tokenPrefix, words: n, exact: true };

  const rng = createRng(deriveSeed(seed, 0xc0));
  const samples = Array.from({ length: 6 }, () => {
    const a = rng.int(0, n);
    const b = Math.min(n, a + 1 + rng.int(0, 400));
    return { text: corpus.text.slice(wordStart[a], wordStart[b]), tokens: tokenPrefix[b]! - tokenPrefix[a]! };
  });
  const checks = await Promise.all(samples.map(async (s) => (await tok.encode(finishPrompt(s.text, form))).length === s.tokens));
  corpus.exact = checks.every(Boolean);
  return corpus;
}

/** The last word index e ≥ start with tokenPrefix[e] − tokenPrefix[start] ≤ budget (binary search). */
function lastFit(c: Corpus, start: number, budget: number): number {
  let lo = start;
  let hi = c.words;
  const limit = c.tokenPrefix[start]! + budget;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c.tokenPrefix[mid]! <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Exactly `tokens` tokens of corpus text (with a space before every word; see finishPrompt) from word `start`, wrapping to the beginning at the end; the last
 * few tokens that no whole word fits are single-token atoms drawn with `rng`.
 */
export function sliceCorpus(c: Corpus, start: number, tokens: number, atoms: readonly string[], rng: Rng): string {
  const parts: string[] = [];
  let remaining = tokens;
  let from = start % c.words;
  for (;;) {
    const end = lastFit(c, from, remaining);
    if (end > from) {
      parts.push(c.text.slice(c.wordStart[from], c.wordStart[end]));
      remaining -= c.tokenPrefix[end]! - c.tokenPrefix[from]!;
    }
    if (remaining === 0) break;
    if (end === c.words) {
      from = 0; // wrap: continue from the first word
      if (c.tokenPrefix[1]! > remaining) break;
      continue;
    }
    break; // the next word does not fit
  }
  if (remaining > 0) parts.push(randomAtomText(atoms, remaining, rng));
  return parts.join("");
}
