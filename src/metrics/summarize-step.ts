/**
 * One step's summary: the RequestRecords of a step → vLLM's result JSON (research/vllm-bench.md §1.5,
 * §1.7), keys in vLLM's insertion order, then kneepoint's own keys. Pure: the window and clock
 * readings come in through ctx. No value is ever NaN or Infinity (zero durations and empty sets give 0).
 */
import type { ErrorReason, RequestRecord } from "../engine/request-record.ts";
import type { GoodputSlosMs } from "./goodput.ts";
import { addRecord, createStepState, setStepWindow, summarizeStepStateOver } from "./step-state.ts";
import type { LatencyMetric, PercentileKey } from "./step-result-keys.ts";

// The summary itself lives in step-state.ts (one path for records and merged shards); these keep their old home.
export { DEFAULT_BACKEND, DEFAULT_PERCENTILES, formatResultDate } from "./step-state.ts";

export interface StepContext {
  /** Wall time of the step's main run (vLLM: perf_counter around the gather), ms. */
  durationMs: number;
  /** Wall-clock epoch ms at which the step's window opened and closed (for server metrics). */
  startedAtMs: number;
  endedAtMs: number;
  /** Default "kneepoint-native". */
  backend?: string;
  /** vLLM writes the backend here "for backward compatibility"; default: the backend. */
  endpointType?: string;
  label: string | null;
  modelId: string;
  tokenizerId: string | null;
  numPrompts: number;
  /** Requests per second, or "inf" / Infinity for all at once (written as the string "inf", as vLLM). */
  requestRate: number | "inf";
  burstiness: number;
  maxConcurrency: number | null;
  /** Percentiles in [0, 100] for every latency metric; default 50, 90, 95, 99. */
  percentiles?: readonly number[];
  /** Goodput SLOs in ms; without any, request_goodput is null. */
  goodput?: GoodputSlosMs;
}

export type LatencyStats = { [M in LatencyMetric as `mean_${M}_ms` | `median_${M}_ms` | `std_${M}_ms`]: number } & {
  [key: PercentileKey]: number;
};

export type StepResult = {
  /** `YYYYMMDD-HHMMSS` of the step's end. */
  date: string;
  endpoint_type: string;
  backend: string;
  label: string | null;
  model_id: string;
  tokenizer_id: string | null;
  num_prompts: number;
  request_rate: number | "inf";
  burstiness: number;
  max_concurrency: number | null;
  /** Seconds. */
  duration: number;
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  request_goodput: number | null;
  output_throughput: number;
  total_token_throughput: number;
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
} & LatencyStats & {
  started_at_ms: number;
  ended_at_ms: number;
  errors_by_reason: Partial<Record<ErrorReason, number>>;
  /** Successful requests whose output count fell back to counting text chunks (no usage). */
  output_tokens_counted: number;
  /** Successful requests whose prompt count is the plan's (no usage.prompt_tokens). */
  prompt_tokens_planned: number;
  /**
   * Only when some statistics are estimates (a metric's samples went past the exact cap into the histogram):
   * which ("itl", …, "max_output_tokens_per_s"), and the largest relative error bound among them.
   */
  estimated_metrics?: string[];
  estimate_relative_error?: number;
};

/**
 * A step's result as any engine reports it. The native engine's StepResult has every key; a `vllm bench serve`
 * result has what its version wrote (research/vllm-bench.md §1.7), so everything but `duration` and `completed` is
 * optional, and renderers show an absent key as "–", never as 0.
 */
export type StepSummary = Partial<Omit<StepResult, "errors_by_reason">> & {
  duration: number;
  completed: number;
  errors_by_reason: Partial<Record<string, number>>;
};

/**
 * Summarize one step. Definitions (vLLM calculate_metrics): completed = successful requests;
 * failed = the rest (a record with no error but no token-bearing chunk counts as "empty-stream");
 * totals sum successful requests only; request_throughput = completed / duration;
 * output_throughput = Σ output tokens / duration; total_token_throughput = (Σ prompt + Σ output) / duration;
 * request_goodput = requests meeting every SLO / duration; each rate is 0 when duration is 0.
 * Statistics: TTFT, TPOT (requests with output > 1 only) and E2EL per request; ITL pooled over all
 * gaps of all requests; numpy-style (stats.ts), in ms.
 * One summary path: the records go one by one into a StepState (step-state.ts), which summarizeStepState reads;
 * the records' monotonic times are used as they are (epoch offset 0), with ctx's duration and window.
 */
export function summarizeStep(records: readonly RequestRecord[], ctx: StepContext): StepResult {
  // The caller holds every record anyway, so every sample stays exact (bit-identical to the summary before states).
  const state = createStepState({ goodput: ctx.goodput, exactCap: Number.MAX_SAFE_INTEGER });
  for (const rec of records) addRecord(state, rec, 0);
  setStepWindow(state, ctx.startedAtMs, ctx.endedAtMs);
  return summarizeStepStateOver(state, ctx);
}

/** A step's failures by reason, as every report prints them: "http ×54, disconnect ×2". */
export function describeErrorCounts(byReason: Partial<Record<string, number>>): string {
  return Object.entries(byReason)
    .map(([reason, n]) => `${reason} ×${n}`)
    .join(", ");
}
