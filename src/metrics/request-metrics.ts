/**
 * Per-request metrics derived from one RequestRecord, with `vllm bench serve`'s definitions
 * (research/vllm-bench.md §1.4–1.5, DESIGN.md §3). A "token-bearing chunk" is an SSE chunk with
 * non-empty `choices`; the usage-only chunk and `[DONE]` never appear in `chunkTimesMs`.
 */
import type { RequestRecord } from "../engine/request-record.ts";

export interface RequestMetrics {
  /** TTFT = first token-bearing chunk − send. */
  ttftMs: number;
  /** E2EL = last token-bearing chunk − send (vLLM's `latency`, PR #12288: last token, not last chunk). */
  e2elMs: number;
  /**
   * ITL = every gap between consecutive token-bearing chunks, in arrival order (n chunks → n − 1 gaps).
   * Not divided by tokens per chunk: with `--stream-interval` > 1 a gap spans several tokens, as in vLLM.
   */
  itlsMs: number[];
  /** TPOT = (E2EL − TTFT) / (outputTokens − 1), only when outputTokens > 1; otherwise null. */
  tpotMs: number | null;
  /** `usage.completion_tokens`; when missing or 0, the count of text-bearing chunks; when that is 0 too, 1. */
  outputTokens: number;
  /** "usage" when outputTokens came from the server; "counted" when it fell back to counting chunks. */
  outputTokensSource: "usage" | "counted";
  /** `usage.prompt_tokens` when the server sent it, else the plan's client-side count. */
  promptTokens: number;
  promptTokensSource: "usage" | "planned";
}

/**
 * A request succeeded when it has no error and at least one token-bearing chunk arrived (vLLM:
 * HTTP 200 and a valid chunk, else "Never received a valid chunk to calculate TTFT.").
 */
export function isSuccessful(rec: RequestRecord): boolean {
  return rec.error === null && rec.chunkTimesMs.length > 0;
}

/**
 * The metrics of one request, or null when it did not succeed (see isSuccessful): failed requests
 * are left out of every latency list and count 0 tokens, as in vLLM's calculate_metrics.
 */
export function deriveRequestMetrics(rec: RequestRecord): RequestMetrics | null {
  if (!isSuccessful(rec)) return null;
  const chunks = rec.chunkTimesMs;
  const first = chunks[0] as number;
  const last = chunks[chunks.length - 1] as number;
  const ttftMs = first - rec.sendMs;
  const e2elMs = last - rec.sendMs;

  const itlsMs = new Array<number>(chunks.length - 1);
  for (let i = 1; i < chunks.length; i++) itlsMs[i - 1] = (chunks[i] as number) - (chunks[i - 1] as number);

  // vLLM: `if not output_len:` re-tokenizes the generated text (1 without a tokenizer). We have no
  // tokenizer in the hot path, so we count text-bearing chunks instead and say so via the source.
  const usageOutput = rec.completionTokens;
  const fromUsage = usageOutput !== null && usageOutput > 0;
  const outputTokens = fromUsage ? usageOutput : Math.max(rec.textChunks, 1);
  const tpotMs = outputTokens > 1 ? (e2elMs - ttftMs) / (outputTokens - 1) : null;

  const usagePrompt = rec.promptTokens;
  return {
    ttftMs,
    e2elMs,
    itlsMs,
    tpotMs,
    outputTokens,
    outputTokensSource: fromUsage ? "usage" : "counted",
    promptTokens: usagePrompt !== null ? usagePrompt : rec.plannedPromptTokens,
    promptTokensSource: usagePrompt !== null ? "usage" : "planned",
  };
}
