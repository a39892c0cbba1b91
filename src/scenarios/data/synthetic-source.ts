/**
 * inference-perf's `synthetic` data: slices of a text corpus adjusted to an exact token length
 * (input_distribution), asking for output_distribution tokens. Request i starts its slice at word
 * (stride·i + offset) mod n, a stride coprime with n, so the first n requests start at n different words;
 * and every prompt opens with 4 random single-token words, so no two prompts share a cached prefix even
 * when a long run wraps around the corpus. Lengths count the special tokens the server adds.
 */
import { createRng, deriveSeed } from "../../workload/rng.ts";
import type { BodyWriter } from "./body-writer.ts";
import { sliceCorpus, type Corpus } from "./corpus-text.ts";
import { approximateWarning, type LengthSpec } from "./random-source.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { describeDistribution, sampleLength } from "./sample-length.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

export const UNIQUE_HEAD_TOKENS = 4;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A stride near n/φ that is coprime with n, so i ↦ stride·i mod n visits every word once per n requests. */
export function coprimeStride(n: number): number {
  let s = Math.max(1, Math.round(n * 0.6180339887));
  while (gcd(s, n) !== 1) s++;
  return s;
}

export function createSyntheticSource(lengths: LengthSpec, corpus: Corpus, corpusName: string, atoms: WordAtoms, body: BodyWriter, seed: number): ScenarioRequestSource {
  const stride = coprimeStride(corpus.words);
  const offset = createRng(deriveSeed(seed, 0x5e)).int(0, corpus.words);
  const exact = corpus.exact && atoms.exact;
  return {
    warnings: exact ? [] : [approximateWarning("data.type synthetic")],
    request(i) {
      const rng = createRng(deriveSeed(seed, 0x5f, i));
      const inputLen = sampleLength(lengths.input, rng);
      const outputLen = sampleLength(lengths.output, rng);
      const textTokens = Math.max(1, inputLen - lengths.specialTokens);
      const head = Math.min(UNIQUE_HEAD_TOKENS, textTokens);
      const start = (stride * (i % corpus.words) + offset) % corpus.words;
      const text = finishPrompt(randomAtomText(atoms.words, head, rng) + sliceCorpus(corpus, start, textTokens - head, atoms.words, rng), atoms.form);
      return { body: body.forPrompt(text, outputLen), plannedPromptTokens: textTokens + lengths.specialTokens, plannedOutputTokens: outputLen };
    },
    describe: () =>
      `synthetic: input ${describeDistribution(lengths.input)}, output ${describeDistribution(lengths.output)} tokens; ` +
      `slices of ${corpusName} (${corpus.words} words, ${corpus.tokenPrefix[corpus.words]} tokens), each after ${UNIQUE_HEAD_TOKENS} random words${exact ? "" : ", approximate lengths"}`,
  };
}
