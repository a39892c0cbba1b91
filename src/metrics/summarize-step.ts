/**
 * One step's summary: the RequestRecords of a step → vLLM's result JSON (research/vllm-bench.md §1.5,
 * §1.7), keys in vLLM's insertion order, then kneepoint's own keys. Pure: the window and clock
 * readings come in through ctx. No value is ever NaN or Infinity (zero durations and empty sets give 0).
 */
import type { ErrorReason, RequestRecord } from "../engine/request-record.ts";
import { maxConcurrentRequests, peakOutputTokensPerSecond } from "./concurrency.ts";
import { hasSlos, meetsSlos, type GoodputSlosMs } from "./goodput.ts";
import { deriveRequestMetrics, type RequestMetrics } from "./request-metrics.ts";
import { describe } from "./stats.ts";
import { LATENCY_METRICS, percentileKey, type LatencyMetric, type PercentileKey } from "./step-result-keys.ts";

export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 95, 99];
export const DEFAULT_BACKEND = "kneepoint-native";

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

type LatencyStats = { [M in LatencyMetric as `mean_${M}_ms` | `median_${M}_ms` | `std_${M}_ms`]: number } & {
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
 */
export function summarizeStep(records: readonly RequestRecord[], ctx: StepContext): StepResult {
  const percentiles = ctx.percentiles ?? DEFAULT_PERCENTILES;
  const backend = ctx.backend ?? DEFAULT_BACKEND;
  const durationS = Math.max(0, finiteOrZero(ctx.durationMs)) / 1000;
  // Below a microsecond a duration is not a measurement (and count / 1e-321 s would be Infinity).
  const perSecond = (count: number): number => (durationS >= 1e-6 ? count / durationS : 0);

  const successes: { rec: RequestRecord; m: RequestMetrics }[] = [];
  const errorsByReason: Partial<Record<ErrorReason, number>> = {};
  let totalInput = 0;
  let totalOutput = 0;
  let outputCounted = 0;
  let promptPlanned = 0;
  let itlCount = 0;
  for (const rec of records) {
    const m = deriveRequestMetrics(rec);
    if (m === null) {
      const reason: ErrorReason = rec.error?.reason ?? "empty-stream";
      errorsByReason[reason] = (errorsByReason[reason] ?? 0) + 1;
      continue;
    }
    successes.push({ rec, m });
    totalInput += m.promptTokens;
    totalOutput += m.outputTokens;
    if (m.outputTokensSource === "counted") outputCounted++;
    if (m.promptTokensSource === "planned") promptPlanned++;
    itlCount += m.itlsMs.length;
  }
  const completed = successes.length;

  const ttfts = new Float64Array(completed);
  const e2els = new Float64Array(completed);
  const tpots: number[] = [];
  const itls = new Float64Array(itlCount);
  let itlAt = 0;
  successes.forEach(({ m }, i) => {
    ttfts[i] = m.ttftMs;
    e2els[i] = m.e2elMs;
    if (m.tpotMs !== null) tpots.push(m.tpotMs);
    for (const gap of m.itlsMs) itls[itlAt++] = gap;
  });

  const slos = ctx.goodput;
  const goodput = hasSlos(slos) ? perSecond(successes.filter(({ m }) => meetsSlos(m, slos)).length) : null;
  const samples: Record<LatencyMetric, ArrayLike<number>> = { ttft: ttfts, tpot: tpots, itl: itls, e2el: e2els };

  const head = {
    // vLLM takes datetime.now() in local time after the run; we format the step's end in UTC so the
    // result does not depend on the machine's time zone.
    date: formatResultDate(finiteOrZero(ctx.endedAtMs)),
    endpoint_type: ctx.endpointType ?? backend,
    backend,
    label: ctx.label,
    model_id: ctx.modelId,
    tokenizer_id: ctx.tokenizerId,
    num_prompts: ctx.numPrompts,
    request_rate: ctx.requestRate === "inf" || ctx.requestRate === Infinity ? ("inf" as const) : ctx.requestRate,
    burstiness: ctx.burstiness,
    max_concurrency: ctx.maxConcurrency,
    duration: durationS,
    completed,
    failed: records.length - completed,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    request_throughput: perSecond(completed),
    request_goodput: goodput,
    output_throughput: perSecond(totalOutput),
    total_token_throughput: perSecond(totalInput + totalOutput),
    max_output_tokens_per_s: peakOutputTokensPerSecond(successes.map(({ rec }) => rec)),
    max_concurrent_requests: maxConcurrentRequests(
      // [send, last token-bearing chunk): vLLM's [start, start + latency).
      successes.map(({ rec }) => ({ startMs: rec.sendMs, endMs: rec.chunkTimesMs[rec.chunkTimesMs.length - 1] as number })),
    ),
  };

  const latency: Record<string, number> = {};
  for (const metric of LATENCY_METRICS) {
    const d = describe(samples[metric], percentiles);
    latency[`mean_${metric}_ms`] = d.mean;
    latency[`median_${metric}_ms`] = d.median;
    latency[`std_${metric}_ms`] = d.std;
    for (const p of percentiles) latency[percentileKey(metric, p)] = d.percentiles.get(p) ?? 0;
  }

  return {
    ...head,
    ...(latency as LatencyStats),
    started_at_ms: finiteOrZero(ctx.startedAtMs),
    ended_at_ms: finiteOrZero(ctx.endedAtMs),
    errors_by_reason: errorsByReason,
    output_tokens_counted: outputCounted,
    prompt_tokens_planned: promptPlanned,
  };
}

/** A step's failures by reason, as every report prints them: "http ×54, disconnect ×2". */
export function describeErrorCounts(byReason: Partial<Record<string, number>>): string {
  return Object.entries(byReason)
    .map(([reason, n]) => `${reason} ×${n}`)
    .join(", ");
}

/** `YYYYMMDD-HHMMSS` of an epoch-ms instant in UTC (vLLM's strftime("%Y%m%d-%H%M%S"), but local time there). */
export function formatResultDate(epochMs: number): string {
  // Clamped to years 1970–9999, the only ones a YYYYMMDD field can hold (real windows are recent epoch ms).
  const d = new Date(Math.min(Math.max(Number.isFinite(epochMs) ? epochMs : 0, 0), 253402300799999));
  const two = (n: number): string => String(n).padStart(2, "0");
  const day = `${String(d.getUTCFullYear()).padStart(4, "0")}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
  return `${day}-${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

function finiteOrZero(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
