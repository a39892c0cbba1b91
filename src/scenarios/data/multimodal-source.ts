/**
 * 0.7.0's multimodal data (datagen/synthetic/multimodal_datagen.py, and shared_prefix_datagen.py with multimodal):
 *  - `synthetic` with `data.multimodal`: per request a media spec (multimodal-spec.ts), then a text of
 *    input_distribution tokens (100 without one) of random single-token words, sent as one user message whose
 *    content is the text with the media woven in (multimodal-content.ts). 0.7.0 reads no output_distribution here:
 *    max_tokens is its client default, 30.
 *  - `shared_prefix` with `data.multimodal` and/or `shared_prefix.multimodal`: the shared_prefix prompts (groups ×
 *    questions, shuffled), each sent as chat content: the group's prefix text with the group's media (drawn once per
 *    group; the same bytes for every request of the group, so a server's prefix cache can hit), joined to the question
 *    with the request's own media; max_tokens the prompt's output_len.
 * Request i is seeded by (seed, i), so rebuilding it for the report gives the same body; the last bodies are kept
 * so that rebuild does not encode the images again.
 */
import { createRng, deriveSeed, type Rng } from "../../workload/rng.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import type { MultimodalConfig } from "../config/multimodal-schema.ts";
import type { SharedPrefixConfig } from "../config/data-schema.ts";
import type { ScenarioRequest } from "../types.ts";
import type { BodyWriter } from "./body-writer.ts";
import { emptyMedia, joinPrefixContent, materializeMedia, mergeMedia, type ContentPart, type RequestMedia } from "./multimodal-content.ts";
import { describeMultimodal, sampleMediaSpec, type MediaSpec } from "./multimodal-spec.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { describeDistribution, sampleLength } from "./sample-length.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

export const MULTIMODAL_DEFAULT_TEXT_TOKENS = 100;
const KEPT_REQUESTS = 64;

/** request(i) memoized for the last KEPT_REQUESTS indices (the report asks again soon after the send). */
function keepRecent(build: (i: number) => ScenarioRequest): (i: number) => ScenarioRequest {
  const kept = new Map<number, ScenarioRequest>();
  return (i) => {
    const hit = kept.get(i);
    if (hit !== undefined) return hit;
    const req = build(i);
    kept.set(i, req);
    if (kept.size > KEPT_REQUESTS) kept.delete(kept.keys().next().value!);
    return req;
  };
}

const userMessage = (content: ContentPart[]) => JSON.stringify([{ role: "user", content }]);
const words = (atoms: WordAtoms, n: number, rng: Rng) => (n > 0 ? finishPrompt(randomAtomText(atoms.words, n, rng), atoms.form) : "");

/** `specialTokens`: what the server adds to a text (its client-side count, used only without usage, is text + these). */
export function createMultimodalSyntheticSource(mm: MultimodalConfig, input: Distribution | null, atoms: WordAtoms, specialTokens: number, body: BodyWriter, seed: number): ScenarioRequestSource {
  return {
    warnings: [],
    request: keepRecent((i) => {
      const rng = createRng(deriveSeed(seed, 0x6d, i));
      const spec = sampleMediaSpec(mm, rng);
      const textTokens = input ? sampleLength(input, rng) : MULTIMODAL_DEFAULT_TEXT_TOKENS;
      const { content, media } = materializeMedia(words(atoms, textTokens, rng), spec, createRng(deriveSeed(seed, 0x6e, i)));
      return { body: body.forMessagesJson(userMessage(content), null), plannedPromptTokens: textTokens + specialTokens, plannedOutputTokens: null, media };
    }),
    describe: () => `synthetic multimodal: ${describeMultimodal(mm)}; text ${input ? describeDistribution(input) : `${MULTIMODAL_DEFAULT_TEXT_TOKENS} (fixed)`} tokens of random words; max_tokens 30 (0.7.0 reads no output_distribution here)`,
  };
}

function asDistribution(len: number | Distribution, legacy: Distribution | null = null): Distribution {
  if (typeof len === "object") return len;
  if (legacy !== null) return legacy;
  return { min: len, max: len, mean: len, std_dev: 0, total_count: null, type: "normal", variance: null, skew: 0 };
}

interface Prompt {
  group: number;
  prefix: string;
  question: string;
  promptTokens: number;
  outputLen: number;
}

export function createMultimodalSharedPrefixSource(sp: SharedPrefixConfig, payloadMm: MultimodalConfig | null, specialTokens: number, atoms: WordAtoms, body: BodyWriter, seed: number): ScenarioRequestSource {
  const rng = createRng(sp.seed ?? deriveSeed(seed, 0x5b));
  const system = asDistribution(sp.system_prompt_len);
  const question = asDistribution(sp.question_len, sp.question_distribution);
  const output = asDistribution(sp.output_len, sp.output_distribution);
  const prompts: Prompt[] = [];
  const groupSpecs: Array<MediaSpec | null> = [];
  for (let g = 0; g < sp.num_groups; g++) {
    const prefixTokens = Math.max(1, sampleLength(system, rng) - specialTokens);
    const prefix = words(atoms, prefixTokens, rng);
    groupSpecs.push(sp.multimodal ? sampleMediaSpec(sp.multimodal, rng) : null);
    for (let p = 0; p < sp.num_prompts_per_group; p++) {
      const questionLen = sampleLength(question, rng);
      const outputLen = sampleLength(output, rng);
      prompts.push({ group: g, prefix, question: words(atoms, questionLen, rng), promptTokens: prefixTokens + specialTokens + questionLen, outputLen });
    }
  }
  for (let i = prompts.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [prompts[i], prompts[j]] = [prompts[j]!, prompts[i]!];
  }
  // The group's media bytes: drawn from the group's own stream, the same for each of its requests.
  const prefixContent = new Map<number, { content: ContentPart[]; media: RequestMedia }>();
  const prefixOf = (p: Prompt) => {
    let hit = prefixContent.get(p.group);
    if (hit === undefined) {
      const spec = groupSpecs[p.group];
      hit = spec ? materializeMedia(p.prefix, spec, createRng(deriveSeed(seed, 0x70, p.group))) : { content: p.prefix ? [{ type: "text", text: p.prefix }] : [], media: emptyMedia() };
      prefixContent.set(p.group, hit);
    }
    return hit;
  };
  return {
    warnings: [],
    request: keepRecent((i) => {
      const p = prompts[i % prompts.length]!;
      const pre = prefixOf(p);
      const payload = payloadMm
        ? materializeMedia(p.question, sampleMediaSpec(payloadMm, createRng(deriveSeed(seed, 0x71, i))), createRng(deriveSeed(seed, 0x72, i)))
        : { content: p.question ? [{ type: "text", text: p.question }] : [], media: emptyMedia() };
      const content = joinPrefixContent(pre.content, payload.content);
      return { body: body.forMessagesJson(userMessage(content), p.outputLen), plannedPromptTokens: p.promptTokens, plannedOutputTokens: p.outputLen, group: p.group, media: mergeMedia(pre.media, payload.media) };
    }),
    describe: () =>
      `shared_prefix multimodal: ${sp.num_groups} groups × ${sp.num_prompts_per_group} prompts (${prompts.length}, cycled in a seeded shuffle); ` +
      `system prompt ${describeDistribution(system)}, question ${describeDistribution(question)}, output ${describeDistribution(output)} tokens` +
      (sp.multimodal ? `; per group: ${describeMultimodal(sp.multimodal)}` : "") +
      (payloadMm ? `; per request: ${describeMultimodal(payloadMm)}` : ""),
  };
}
