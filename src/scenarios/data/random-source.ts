/**
 * inference-perf's `random` data: prompts of random tokens of an exact length (input_distribution) asking for
 * output_distribution tokens. Request i draws its lengths and tokens from its own seeded stream, so any
 * request can be built in O(prompt length) without the tokenizer and without holding the run's prompts.
 * Lengths count the special tokens the server adds (a BOS): the server's usage.prompt_tokens is the drawn length.
 */
import { createRng, deriveSeed } from "../../workload/rng.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import type { BodyWriter } from "./body-writer.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { describeDistribution, sampleLength } from "./sample-length.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

export interface LengthSpec {
  input: Distribution;
  output: Distribution;
  /** Special tokens the server adds to a prompt (BOS); with a chat template, the template's tokens. */
  specialTokens: number;
  /** data.use_chat_template: the prompt rendered in the chat template (chat-template-prompts.ts). */
  wrap?: ((text: string) => string) | undefined;
}

export function approximateWarning(what: string): string {
  return `${what}: the tokenizer does not count word sequences additively, so prompt lengths are approximate; reports count the server's usage.prompt_tokens`;
}

export function createRandomSource(lengths: LengthSpec, atoms: WordAtoms, body: BodyWriter, seed: number): ScenarioRequestSource {
  const wrap = lengths.wrap ?? ((text: string) => text);
  return {
    warnings: atoms.exact ? [] : [approximateWarning("data.type random")],
    request(i) {
      const rng = createRng(deriveSeed(seed, 0x4a, i));
      const inputLen = sampleLength(lengths.input, rng);
      const outputLen = sampleLength(lengths.output, rng);
      const textTokens = Math.max(1, inputLen - lengths.specialTokens);
      return {
        body: body.forPrompt(wrap(finishPrompt(randomAtomText(atoms.words, textTokens, rng), atoms.form)), outputLen),
        plannedPromptTokens: textTokens + lengths.specialTokens,
        plannedOutputTokens: outputLen,
      };
    },
    describe: () =>
      `random: input ${describeDistribution(lengths.input)}, output ${describeDistribution(lengths.output)} tokens; ` +
      `prompts of random word tokens (${atoms.words.length} single-token words of the vocabulary)${lengths.wrap ? `, in the tokenizer's chat template (${lengths.specialTokens} template tokens)` : ""}${atoms.exact ? "" : ", approximate lengths"}`,
  };
}
