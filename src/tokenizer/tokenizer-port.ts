import type { ChatTemplate } from "./chat-template.ts";

/**
 * What prompt generation needs from a tokenizer. Implementations: the target server's /tokenize and
 * /detokenize (server-tokenizer.ts), or none (approximate lengths, see workload/prompts.ts).
 */
export interface TokenizerPort {
  /** Where the counts come from, for reports: e.g. "server /tokenize". */
  readonly source: string;
  /** Token ids of `text` without special tokens. */
  encode(text: string): Promise<number[]>;
  decode(ids: number[]): Promise<string>;
  /** Token ids of `text` with the special tokens (e.g. BOS) the tokenizer adds: transformers' `encode(text)`. Local tokenizers only. */
  encodeWithSpecialTokens?(text: string): Promise<number[]>;
  /** How many special tokens (e.g. BOS) the server adds to a completion prompt. */
  specialTokenCount(): Promise<number>;
  /** The id range [lo, hi) random prompt tokens are drawn from: ordinary tokens of this vocabulary. */
  readonly idRange: readonly [number, number];
  /** tokenizer_config.json's model_max_length when it sets a real one: transformers truncates counts there (count_tokens). */
  readonly modelMaxLength?: number | null;
  /** The tokenizer's chat template, when it has one (a local tokenizer with tokenizer_config.json's chat_template). */
  readonly chatTemplate?: ChatTemplate | null;
}
