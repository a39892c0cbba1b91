/**
 * inference-perf's `shared_prefix` data (research/inference-perf.md §1.2.2, its shared_prefix_datagen.py):
 * num_groups system prompts of system_prompt_len random tokens, num_prompts_per_group questions of
 * question_len tokens each; prompt = group prefix + " " + question, output_len → max_tokens. Lengths are
 * ints or Distributions (an int is a fixed length; the legacy question_distribution/output_distribution
 * apply when the length is an int). The group×prompt list is shuffled with the seeded rng, and request i
 * takes prompt i mod (groups × prompts), cycling. The server's count of a prompt is system_prompt_len +
 * question_len: the prefix carries the special tokens (BOS) the server adds.
 */
import { createRng, deriveSeed } from "../../workload/rng.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import type { SharedPrefixConfig } from "../config/data-schema.ts";
import type { BodyWriter } from "./body-writer.ts";
import { approximateWarning } from "./random-source.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { describeDistribution, sampleLength } from "./sample-length.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

export interface SharedPrompt {
  group: number;
  /** Its index before the shuffle, group × num_prompts_per_group + prompt (0.7.0 names its session after it). */
  user: number;
  /** JSON string literal of prefix + question, serialized once (the group's prefix literal is reused). */
  promptJson: string;
  promptTokens: number;
  outputLen: number;
}

/** An int length as inference-perf's _resolve_distribution turns it into a Distribution. */
function asDistribution(len: number | Distribution, legacy: Distribution | null = null): Distribution {
  if (typeof len === "object") return len;
  if (legacy !== null) return legacy;
  return { min: len, max: len, mean: len, std_dev: 0, total_count: null, type: "normal", variance: null, skew: 0 };
}

export function describeLen(d: Distribution): string {
  return d.min === d.max ? String(d.min) : describeDistribution(d);
}

/** The groups' prompts in the seeded shuffled order requests take them (and the lengths they were drawn from). */
export function buildSharedPrompts(sp: SharedPrefixConfig, specialTokens: number, atoms: WordAtoms, seed: number) {
  const rng = createRng(sp.seed ?? deriveSeed(seed, 0x5b));
  const system = asDistribution(sp.system_prompt_len);
  const question = asDistribution(sp.question_len, sp.question_distribution);
  const output = asDistribution(sp.output_len, sp.output_distribution);
  const prompts: SharedPrompt[] = [];
  for (let g = 0; g < sp.num_groups; g++) {
    const systemLen = sampleLength(system, rng);
    const prefixTokens = Math.max(1, systemLen - specialTokens);
    const prefix = JSON.stringify(finishPrompt(randomAtomText(atoms.words, prefixTokens, rng), atoms.form)).slice(0, -1);
    for (let p = 0; p < sp.num_prompts_per_group; p++) {
      const questionLen = sampleLength(question, rng);
      const outputLen = sampleLength(output, rng);
      prompts.push({
        group: g,
        user: g * sp.num_prompts_per_group + p,
        promptJson: prefix + JSON.stringify(randomAtomText(atoms.words, questionLen, rng)).slice(1),
        promptTokens: prefixTokens + specialTokens + questionLen,
        outputLen,
      });
    }
  }
  for (let i = prompts.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [prompts[i], prompts[j]] = [prompts[j]!, prompts[i]!];
  }
  return { prompts, system, question, output };
}

export function createSharedPrefixSource(sp: SharedPrefixConfig, specialTokens: number, atoms: WordAtoms, body: BodyWriter, seed: number): ScenarioRequestSource {
  const { prompts, system, question, output } = buildSharedPrompts(sp, specialTokens, atoms, seed);
  return {
    warnings: atoms.exact ? [] : [approximateWarning("data.type shared_prefix")],
    request(i) {
      const p = prompts[i % prompts.length]!;
      return { body: body.forPromptJson(p.promptJson, p.outputLen), plannedPromptTokens: p.promptTokens, plannedOutputTokens: p.outputLen, group: p.group };
    },
    describe: () =>
      `shared_prefix: ${sp.num_groups} groups × ${sp.num_prompts_per_group} prompts (${prompts.length}, cycled in a seeded shuffle); ` +
      `system prompt ${describeLen(system)}, question ${describeLen(question)}, output ${describeLen(output)} tokens`,
  };
}
