/**
 * data.use_chat_template as inference-perf 0.7.0 does it (datagen/synthetic/random_datagen.py, datagen_utils.py):
 * each random prompt is rendered as one user turn of the tokenizer's chat template (with the generation prompt),
 * the input length targets the whole templated prompt counted without added special tokens (the template holds
 * its own BOS), and the completion body says `add_special_tokens: false` so the server adds none either. A
 * minimum input length at or below the template's overhead (the tokens of the template around an empty prompt)
 * is refused at start, with inference-perf's reason.
 *
 * Lengths stay exact without a tokenizer call per request: up front, prompts of n word atoms are rendered and
 * counted for a few n; when the template adds the same number of tokens to each, that number is the overhead and
 * a prompt of (length - overhead) atoms is the length. When it does not (a template that merges with the prompt's
 * edge), lengths are approximate and the run says so, as for atoms.
 */
import { UsageError } from "../../errors.ts";
import type { ChatTemplate } from "../../tokenizer/chat-template.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { createRng, deriveSeed } from "../../workload/rng.ts";
import { finishPrompt, randomAtomText, type WordAtoms } from "./word-atoms.ts";

const CHECK_LENGTHS = [1, 7, 64, 509];

export interface PromptWrap {
  /** The text sent for a prompt of word atoms. */
  wrap: (text: string) => string;
  /** Tokens the sent prompt has beyond its atoms: the server's BOS, or the chat template's. */
  overheadTokens: number;
  /** False when the overhead was not the same for every checked length. */
  exact: boolean;
}

/** The tokenizer's chat template, or inference-perf's refusal when it has none. */
export function requireChatTemplate(tok: TokenizerPort): ChatTemplate {
  if (tok.chatTemplate) return tok.chatTemplate;
  throw new UsageError(
    `data.use_chat_template is set but the tokenizer (${tok.source}) has no chat template (kneepoint reads it only from the files of tokenizer.pretrained_model_name_or_path; the server's /tokenize and approximate counts carry none)`,
    "set tokenizer.pretrained_model_name_or_path to a chat/instruct model's tokenizer (tokenizer_config.json chat_template or chat_template.jinja), or unset data.use_chat_template",
  );
}

export async function calibrateChatTemplate(tok: TokenizerPort, template: ChatTemplate, atoms: WordAtoms, seed: number, minInputTokens: number): Promise<PromptWrap> {
  const count = async (text: string) => (await tok.encode(text)).length;
  const emptyOverhead = await count(template.render(""));
  if (minInputTokens <= emptyOverhead) {
    throw new UsageError(
      `data.input_distribution: the minimum input length (${minInputTokens}) must exceed the chat template overhead (${emptyOverhead} tokens) when use_chat_template is set: input lengths target the fully templated prompt`,
      "raise data.input_distribution.min (inference-perf refuses this config at start too)",
    );
  }
  // The user turn's content starts at its first word (atoms of the "lead" form carry a space before it), as
  // inference-perf's decoded text does; the template writes its own separator.
  const wrap = (text: string) => template.render(text.startsWith(" ") ? text.slice(1) : text);
  const overheads = await Promise.all(
    CHECK_LENGTHS.map(async (n, k) => {
      const text = finishPrompt(randomAtomText(atoms.words, n, createRng(deriveSeed(seed, 0xc7a, k))), atoms.form);
      return (await count(wrap(text))) - n;
    }),
  );
  return { wrap, overheadTokens: overheads[2]!, exact: overheads.every((o) => o === overheads[0]) };
}
