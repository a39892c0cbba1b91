/**
 * The tokenizer side of inference-perf's report definitions, prepared once after a run: every distinct answer
 * text and chunk text the records captured is encoded (without special tokens, as inference-perf's
 * `count_tokens(…, add_special_tokens=False)`) through the run's tokenizer — in process for a local
 * tokenizer.json, over /tokenize for the server's — and the report builders get a synchronous lookup.
 * Only an exact tokenizer is used: with approximate lengths the reports count one token per content chunk.
 */
import type { StageRun } from "../types.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

export interface ReportTokenizer {
  /** false for word-count estimates (src/tokenizer/approximate-tokenizer.ts). */
  exact: boolean;
  encode(text: string): Promise<number[]>;
}

const PARALLEL_ENCODES = 8;

/** A synchronous token count over the texts `encode` was asked for (0 for "" and for a text it never saw). */
export async function buildTokenCounter(texts: Iterable<string>, encode: (text: string) => Promise<number[]>): Promise<(text: string) => number> {
  const todo = [...new Set(texts)].filter((t) => t !== "");
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const text = todo[next++] as string;
      counts.set(text, (await encode(text)).length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_ENCODES, todo.length) }, worker));
  return (text) => counts.get(text) ?? 0;
}

/** Every text of the reported records a report may count: each answer whole, and each chunk when re-tokenizing. */
export function capturedTexts(stages: readonly StageRun[], retokenizeChunks: boolean): string[] {
  const out: string[] = [];
  for (const s of stages) {
    if (s.index < 0) continue;
    for (const rec of s.records) {
      const cap = rec.capture;
      if (!cap || rec.stage < 0) continue;
      out.push(cap.contentTexts.join(""));
      if (retokenizeChunks) out.push(...cap.contentTexts);
    }
  }
  return out;
}

/**
 * `countTokens` and `retokenizeChunks` for the run's report options. `tokenizerConfigured`: the config has a
 * `tokenizer` block (inference-perf re-tokenizes chunks only then).
 */
export async function responseTokenOptions(
  stages: readonly StageRun[],
  tokenizer: ReportTokenizer,
  tokenizerConfigured: boolean,
): Promise<Pick<ScenarioReportOptions, "countTokens" | "retokenizeChunks">> {
  if (!tokenizer.exact) return {};
  const countTokens = await buildTokenCounter(capturedTexts(stages, tokenizerConfigured), (t) => tokenizer.encode(t));
  return { countTokens, ...(tokenizerConfigured ? { retokenizeChunks: true } : {}) };
}
