/**
 * inference-perf 0.7.0's `random` data with `data.trace` (RandomDataGenerator, datagen/synthetic/random_datagen.py):
 * request k of a stage is a prompt of random tokens of exactly the k-th row's ContextTokens, asking for its
 * GeneratedTokens as max_tokens; the distributions are ignored. Every stage restarts at the first row (0.7.0 asks
 * the generator afresh per stage); a trace_replay stage with data.trace sends one request per row, so the run's
 * request i is row i mod rows. Lengths count the special tokens the server adds, as random-source.ts does, so
 * the server's usage.prompt_tokens is ContextTokens.
 */
import { createRng, deriveSeed } from "../../workload/rng.ts";
import type { TraceRow } from "../config/trace-schema.ts";
import type { BodyWriter } from "./body-writer.ts";
import { approximateWarning } from "./random-source.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

export interface TraceLengths {
  file: string;
  rows: readonly TraceRow[];
  /** Special tokens the server adds to a prompt (BOS); with a chat template, the template's tokens. */
  specialTokens: number;
  /** data.use_chat_template: the prompt rendered in the chat template (chat-template-prompts.ts). */
  wrap?: ((text: string) => string) | undefined;
}

export function createTraceLengthSource(trace: TraceLengths, atoms: WordAtoms, body: BodyWriter, seed: number): ScenarioRequestSource {
  const { rows } = trace;
  const wrap = trace.wrap ?? ((text: string) => text);
  return {
    warnings: atoms.exact ? [] : [approximateWarning("data.type random with data.trace")],
    request(i) {
      const row = rows[i % rows.length]!;
      const rng = createRng(deriveSeed(seed, 0x4b, i));
      const textTokens = Math.max(1, row.inputTokens - trace.specialTokens);
      return {
        body: body.forPrompt(wrap(finishPrompt(randomAtomText(atoms.words, textTokens, rng), atoms.form)), row.outputTokens),
        plannedPromptTokens: textTokens + trace.specialTokens,
        plannedOutputTokens: row.outputTokens,
      };
    },
    describe: () =>
      `random with data.trace ${trace.file}: ${rows.length} rows, each request's prompt and max_tokens the row's ContextTokens and GeneratedTokens; ` +
      `prompts of random word tokens (${atoms.words.length} single-token words of the vocabulary)${atoms.exact ? "" : ", approximate lengths"}`,
  };
}
