/**
 * Token-sized text of a synthetic_agentic session, as inference-perf 0.7.0 sizes it (fit_filler, _fit_padded_text,
 * _render_system_head): real content padded with the theme's own filler words to a sampled token target, the word
 * count derived once from the tokens-per-word ratio of a 512-word sample and corrected once. Every built-in theme
 * has filler templates, so 0.7.0's Shakespeare fallback pool is never reached and is not carried here.
 */
import type { NumpyGenerator } from "./numpy-generator.ts";
import { cycledWords } from "./agent-text.ts";
import { pySplit } from "./py-format.ts";
import { pick } from "./theme-render.ts";
import { ROOT_SYSTEM_PROMPTS, SUBAGENT_SYSTEM_PROMPTS } from "./themes/system-prompts.ts";

/** The two token counts 0.7.0 takes: CustomTokenizer.count_tokens (special tokens included) and the raw length. */
export interface AgenticTokenCounter {
  countTokens(text: string): Promise<number>;
  /** `hf.encode(text, add_special_tokens=False)` length. */
  rawLength(text: string): Promise<number>;
}

export const TOOL_CALL_MARGIN = 64;
const FILLER_OPEN =
  "<context>\n" +
  "Supplementary background (logs / metrics / notes gathered while triaging). " +
  "This is context only, not the primary task; focus on the task stated after this block.\n";
const FILLER_CLOSE = "\n</context>";
const SYSTEM_HEAD_FILLER_HEADER = "\n\n## Operational context\n";
const RATIO_SAMPLE_WORDS = 512;

async function fitPaddedText(tok: AgenticTokenCounter, fillerBudget: number, fixedCost: number, words: readonly string[], emit: (n: number) => string): Promise<string> {
  const sample = cycledWords(words, Math.min(RATIO_SAMPLE_WORDS, words.length));
  const sampleTokens = await tok.rawLength(sample.join(" "));
  const tokensPerWord = sample.length > 0 && sampleTokens > 0 ? sampleTokens / sample.length : 1.0;
  const nWords = Math.max(1, Math.trunc(Math.ceil(fillerBudget / tokensPerWord)));
  let buf = emit(nWords);
  const actual = await tok.rawLength(buf);
  const fillerActual = actual - fixedCost;
  if (actual !== fixedCost + fillerBudget && fillerActual > 0) {
    const corrected = Math.max(1, Math.trunc(Math.ceil(fillerBudget / (fillerActual / nWords))));
    if (corrected !== nWords) buf = emit(corrected);
  }
  return buf;
}

/** 0.7.0 `fit_filler`: `<context>filler</context> fixed` sized to `targetTokens`, or `fixed` alone when it cannot fit. */
export async function fitFiller(tok: AgenticTokenCounter, targetTokens: number, fixed: string, words: readonly string[] | null): Promise<string> {
  const fixedCost = await tok.countTokens(`${FILLER_OPEN}${FILLER_CLOSE} ${fixed}`);
  const budget = targetTokens - fixedCost;
  if (budget <= 0 || !words || words.length === 0) return fixed;
  return fitPaddedText(tok, budget, fixedCost, words, (n) => `${FILLER_OPEN}${cycledWords(words, Math.max(1, n)).join(" ")}${FILLER_CLOSE} ${fixed}`);
}

/** 0.7.0 `_render_system_head`: a role's real system prompt, truncated or padded to `targetTokens`. */
export async function renderSystemHead(tok: AgenticTokenCounter, targetTokens: number, isRoot: boolean, rng: NumpyGenerator, words: readonly string[] | null): Promise<string> {
  const prompt = pick(rng, isRoot ? ROOT_SYSTEM_PROMPTS : SUBAGENT_SYSTEM_PROMPTS);
  const promptTokens = await tok.countTokens(prompt);
  if (promptTokens >= targetTokens) {
    const w = pySplit(prompt);
    let keep = Math.max(1, Math.trunc((w.length * targetTokens) / Math.max(1, promptTokens)));
    while (keep > 1 && (await tok.countTokens(w.slice(0, keep).join(" "))) > targetTokens) keep -= 1;
    return w.slice(0, keep).join(" ");
  }
  const headerCost = await tok.countTokens(prompt + SYSTEM_HEAD_FILLER_HEADER);
  const budget = targetTokens - headerCost;
  if (budget <= 0 || !words || words.length === 0) return prompt;
  return fitPaddedText(tok, budget, headerCost, words, (n) => `${prompt}${SYSTEM_HEAD_FILLER_HEADER}${cycledWords(words, Math.max(1, n)).join(" ")}`);
}
