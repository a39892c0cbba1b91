/**
 * What the simulated model will answer: how many tokens, why it stops, and which tokens.
 * Seeded by (--seed, prompt text), so the same prompt gets the same answer on every run and
 * regardless of the order in which concurrent requests arrive (like greedy decoding).
 *
 * - ignore_eos: exactly the budget (max_tokens), finish_reason "length".
 * - otherwise: a per-request stop length drawn from a log-normal with median 180 tokens and
 *   σ = 0.9 (a chat-answer-like spread, our choice); if it is within the budget the request ends
 *   there with finish_reason "stop" (EOS), else at the budget with "length".
 * Output tokens are word pieces only, so the answer's text tokenizes back to exactly its count.
 */
import { createRng, hashString, intBelow, normalDraw } from "./seeded-random.ts";
import { getVocabulary, ORDINARY_TOKENS } from "./vocabulary.ts";

const STOP_MEDIAN_TOKENS = 180;
const STOP_SIGMA = 0.9;

export interface OutputPlan {
  tokens: number;
  finishReason: "length" | "stop";
  /** The next output token id; call once per generated token, in order. */
  nextTokenId: () => number;
  /** Text of each id nextTokenId returns, and its JSON string literal (for chunks). */
  texts: readonly string[];
  jsonTexts: readonly string[];
}

export function planOutput(options: { seed: number; promptKey: string; budget: number; ignoreEos: boolean }): OutputPlan {
  const rng = createRng(hashString(options.promptKey, options.seed));
  let tokens = options.budget;
  let finishReason: OutputPlan["finishReason"] = "length";
  if (!options.ignoreEos) {
    const stopAt = Math.max(1, Math.round(Math.exp(Math.log(STOP_MEDIAN_TOKENS) + STOP_SIGMA * normalDraw(rng))));
    if (stopAt < options.budget) {
      tokens = stopAt;
      finishReason = "stop";
    }
  }
  const vocab = getVocabulary();
  const first = vocab.firstWordId;
  return { tokens, finishReason, nextTokenId: () => first + intBelow(rng, ORDINARY_TOKENS - first), texts: vocab.texts, jsonTexts: vocab.jsonTexts };
}

/** A plan that answers these token texts in order (structured output, structured-output.ts). */
export function planFixedOutput(pieces: readonly string[], finishReason: OutputPlan["finishReason"]): OutputPlan {
  let next = 0;
  return { tokens: pieces.length, finishReason, nextTokenId: () => next++, texts: pieces, jsonTexts: pieces.map((p) => JSON.stringify(p)) };
}
