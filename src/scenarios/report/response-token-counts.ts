/**
 * The tokenizer side of inference-perf's report definitions, prepared once after a run: every distinct answer
 * text and chunk text the records captured is encoded (without special tokens, as inference-perf's
 * `count_tokens(…, add_special_tokens=False)`) through the run's tokenizer — in process for a local
 * tokenizer.json, over /tokenize for the server's — and the report builders get a synchronous lookup.
 * Only an exact tokenizer is used: with approximate lengths the reports count one token per content chunk.
 * A run that folds records as they complete (stage-state.ts, per-request-writer.ts) uses `createRecordTokenCounter`
 * instead: each record's texts are encoded before it is folded and forgotten after, so nothing grows with the run.
 */
import type { ScenarioRecord, StageRun } from "../types.ts";
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

/** The texts of one record a report may count: its answer whole, and each chunk when re-tokenizing. */
export function recordTexts(rec: ScenarioRecord, retokenizeChunks: boolean): string[] {
  const cap = rec.capture;
  if (!cap || rec.stage < 0) return [];
  return retokenizeChunks ? [cap.contentTexts.join(""), ...cap.contentTexts] : [cap.contentTexts.join("")];
}

/** Every text of the reported records a report may count: each answer whole, and each chunk when re-tokenizing. */
export function capturedTexts(stages: readonly StageRun[], retokenizeChunks: boolean): string[] {
  const out: string[] = [];
  for (const s of stages) {
    if (s.index < 0) continue;
    for (const rec of s.records) out.push(...recordTexts(rec, retokenizeChunks));
  }
  return out;
}

/** Token counts of the records in flight between their completion and their fold (see the file comment). */
export interface RecordTokenCounter {
  /** Encodes the texts of `rec` (await it before folding the record or writing its per-request entry). */
  prepare(rec: ScenarioRecord): Promise<void>;
  /** The count of a prepared text, synchronously (0 for "" and for a text not prepared): ScenarioReportOptions.countTokens. */
  countTokens(text: string): number;
  /** Forgets the texts of `rec` once it is folded and written. */
  release(rec: ScenarioRecord): void;
}

/** Distinct texts whose counts outlive their records (chunk texts repeat across answers: "the", " of", …). */
export const TOKEN_COUNT_CACHE_ENTRIES = 65_536;

export function createRecordTokenCounter(encode: (text: string) => Promise<number[]>, retokenizeChunks: boolean): RecordTokenCounter {
  // `ready` lets a record in flight with the same text wait for the one encode already asked for.
  const counts = new Map<string, { tokens: number; users: number; ready: Promise<void> }>();
  // Counts of released texts, oldest first out: a later record with the same chunk text is not encoded again (over
  // /tokenize, one call per chunk of every answer would cost more than the run). Bounded, so memory does not grow.
  const cache = new Map<string, number>();
  const remember = (text: string, tokens: number): void => {
    if (cache.size >= TOKEN_COUNT_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(text, tokens);
  };
  return {
    async prepare(rec) {
      for (const text of new Set(recordTexts(rec, retokenizeChunks))) {
        if (text === "") continue;
        const cached = cache.get(text);
        if (cached !== undefined && !counts.has(text)) {
          // In use again: held by this record until it is released (never evicted while a record needs it).
          cache.delete(text);
          counts.set(text, { tokens: cached, users: 1, ready: Promise.resolve() });
          continue;
        }
        let entry = counts.get(text);
        if (entry) entry.users++;
        else {
          const e = { tokens: 0, users: 1, ready: Promise.resolve() };
          e.ready = encode(text).then(
            (ids) => void (e.tokens = ids.length),
            (err: unknown) => {
              counts.delete(text); // a later record asks again
              throw err;
            },
          );
          counts.set(text, (entry = e));
        }
        await entry.ready;
      }
    },
    countTokens: (text) => counts.get(text)?.tokens ?? 0,
    release(rec) {
      for (const text of new Set(recordTexts(rec, retokenizeChunks))) {
        const known = counts.get(text);
        if (known && --known.users === 0) {
          counts.delete(text);
          remember(text, known.tokens);
        }
      }
    },
  };
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
