/**
 * A sweep step's mergeable state: everything its summary needs, accumulated one record at a time (records are
 * not held), mergeable across shards, and written to JSON. summarizeStepState is the one summary path;
 * summarize-step.ts's summarizeStep is a wrapper over it. Times are epoch ms (monotonic ms + the sending
 * process's epoch offset), so shards from different machines line up. Pure.
 */
import type { ErrorReason, RequestError, RequestRecord } from "../engine/request-record.ts";
import { RequestIntervals, TokenTimeline } from "./concurrency.ts";
import { hasSlos, meetsSlos, type GoodputSlosMs } from "./goodput.ts";
import { deriveRequestMetrics } from "./request-metrics.ts";
import { DEFAULT_EXACT_CAP, Samples } from "./samples.ts";
import { LATENCY_METRICS, percentileKey, type LatencyMetric } from "./step-result-keys.ts";
import type { LatencyStats, StepContext, StepResult } from "./summarize-step.ts";

export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 95, 99];
export const DEFAULT_BACKEND = "kneepoint-native";

/** The first error of one reason: the one sent earliest (epoch ms), so the pick does not depend on shard order. */
export interface FirstError {
  error: RequestError;
  sendEpochMs: number;
}

export interface StepState {
  /** The SLOs request_goodput counts against; shards merge only with equal SLOs. */
  goodput: GoodputSlosMs | undefined;
  exactCap: number;
  /** Records added (sent requests, successful or not). */
  sent: number;
  completed: number;
  /** Failed requests by reason, in the order the reasons were first seen (a record with no chunk: "empty-stream"). */
  errorsByReason: Partial<Record<ErrorReason, number>>;
  firstErrors: Partial<Record<ErrorReason, FirstError>>;
  totalInputTokens: number;
  totalOutputTokens: number;
  /** Successful requests whose output count fell back to counting text chunks. */
  outputTokensCounted: number;
  /** Successful requests whose prompt count is the plan's. */
  promptTokensPlanned: number;
  /** Successful requests meeting every SLO (0 without SLOs). */
  goodputMet: number;
  ttftMs: Samples;
  tpotMs: Samples;
  itlMs: Samples;
  e2elMs: Samples;
  /** send − scheduled, every record that was given a scheduled time. */
  scheduleDelayMs: Samples;
  /** settled − send (RequestRecord.endMs), every record that has endMs, successful or not. */
  requestLatencyMs: Samples;
  /** Token-bearing chunk times of successful requests, for max_output_tokens_per_s. */
  tokenTimeline: TokenTimeline;
  /** [send, last chunk) of successful requests, for max_concurrent_requests. */
  intervals: RequestIntervals;
  /** The step's measured window, epoch ms; null until setStepWindow. */
  windowStartEpochMs: number | null;
  windowEndEpochMs: number | null;
  /** CPU time the load client spent in the step (set by the runner; summed on merge). */
  clientCpuMs: number;
}

export function createStepState(opts: { goodput?: GoodputSlosMs; exactCap?: number } = {}): StepState {
  const exactCap = opts.exactCap ?? DEFAULT_EXACT_CAP;
  const samples = (): Samples => new Samples({ exactCap });
  return {
    goodput: hasSlos(opts.goodput) ? { ...opts.goodput } : undefined,
    exactCap,
    sent: 0,
    completed: 0,
    errorsByReason: {},
    firstErrors: {},
    totalInputTokens: 0,
    totalOutputTokens: 0,
    outputTokensCounted: 0,
    promptTokensPlanned: 0,
    goodputMet: 0,
    ttftMs: samples(),
    tpotMs: samples(),
    itlMs: samples(),
    e2elMs: samples(),
    scheduleDelayMs: samples(),
    requestLatencyMs: samples(),
    tokenTimeline: new TokenTimeline(exactCap),
    intervals: new RequestIntervals(),
    windowStartEpochMs: null,
    windowEndEpochMs: null,
    clientCpuMs: 0,
  };
}

/**
 * Adds one record. epochOffsetMs: add to a monotonic ms (performance.now() of the sending process) to get epoch ms;
 * shards on different machines line up on epoch time. scheduledMs (monotonic, optional): when the request was due
 * (closed loop: the moment its slot was freed), for the schedule delay.
 */
export function addRecord(state: StepState, rec: RequestRecord, epochOffsetMs: number, scheduledMs?: number): void {
  state.sent++;
  if (scheduledMs !== undefined) state.scheduleDelayMs.add(rec.sendMs - scheduledMs);
  if (rec.endMs !== undefined) state.requestLatencyMs.add(rec.endMs - rec.sendMs);
  const m = deriveRequestMetrics(rec);
  if (m === null) {
    const reason: ErrorReason = rec.error?.reason ?? "empty-stream";
    state.errorsByReason[reason] = (state.errorsByReason[reason] ?? 0) + 1;
    const error = rec.error ?? { reason, message: "HTTP 200 but no token-bearing chunk" };
    const sendEpochMs = rec.sendMs + epochOffsetMs;
    const first = state.firstErrors[reason];
    if (first === undefined || sendEpochMs < first.sendEpochMs) state.firstErrors[reason] = { error, sendEpochMs };
    return;
  }
  state.completed++;
  state.totalInputTokens += m.promptTokens;
  state.totalOutputTokens += m.outputTokens;
  if (m.outputTokensSource === "counted") state.outputTokensCounted++;
  if (m.promptTokensSource === "planned") state.promptTokensPlanned++;
  if (state.goodput !== undefined && meetsSlos(m, state.goodput)) state.goodputMet++;
  state.ttftMs.add(m.ttftMs);
  state.e2elMs.add(m.e2elMs);
  if (m.tpotMs !== null) state.tpotMs.add(m.tpotMs);
  for (const gap of m.itlsMs) state.itlMs.add(gap);

  const chunks = rec.chunkTimesMs;
  const sendEpochMs = rec.sendMs + epochOffsetMs;
  state.tokenTimeline.addSend(sendEpochMs);
  for (const t of chunks) state.tokenTimeline.addEvent(t + epochOffsetMs);
  // [send, last token-bearing chunk): vLLM's [start, start + latency).
  state.intervals.add(sendEpochMs, (chunks[chunks.length - 1] as number) + epochOffsetMs);
}

/** The step's measured window (epoch ms); the summary's duration is end − start. */
export function setStepWindow(state: StepState, startEpochMs: number, endEpochMs: number): void {
  state.windowStartEpochMs = startEpochMs;
  state.windowEndEpochMs = endEpochMs;
}

/**
 * One state holding every shard's requests: counts and token totals add, samples and intervals merge, the window
 * spans from the earliest start to the latest end, client CPU adds. Throws when the shards' goodput SLOs differ
 * (their request_goodput would count different things). The inputs are not changed.
 */
export function mergeStepStates(states: readonly StepState[]): StepState {
  const first = states[0];
  if (first === undefined) throw new Error("mergeStepStates: no states to merge (give at least one shard's state)");
  const merged = createStepState({ goodput: first.goodput, exactCap: first.exactCap });
  const slos = (s: StepState): string => JSON.stringify(sortedKeys(s.goodput ?? {}));
  states.forEach((s, i) => {
    if (slos(s) !== slos(first)) {
      throw new Error(`mergeStepStates: shard ${i} has goodput SLOs ${slos(s)}, shard 0 has ${slos(first)}; run every shard with the same --goodput`);
    }
    mergeInto(merged, s);
  });
  return merged;
}

function mergeInto(into: StepState, s: StepState): void {
  into.sent += s.sent;
  into.completed += s.completed;
  for (const [reason, n] of Object.entries(s.errorsByReason) as [ErrorReason, number][]) {
    into.errorsByReason[reason] = (into.errorsByReason[reason] ?? 0) + n;
  }
  for (const [reason, f] of Object.entries(s.firstErrors) as [ErrorReason, FirstError][]) {
    const mine = into.firstErrors[reason];
    if (mine === undefined || f.sendEpochMs < mine.sendEpochMs) into.firstErrors[reason] = f;
  }
  into.totalInputTokens += s.totalInputTokens;
  into.totalOutputTokens += s.totalOutputTokens;
  into.outputTokensCounted += s.outputTokensCounted;
  into.promptTokensPlanned += s.promptTokensPlanned;
  into.goodputMet += s.goodputMet;
  into.ttftMs.merge(s.ttftMs);
  into.tpotMs.merge(s.tpotMs);
  into.itlMs.merge(s.itlMs);
  into.e2elMs.merge(s.e2elMs);
  into.scheduleDelayMs.merge(s.scheduleDelayMs);
  into.requestLatencyMs.merge(s.requestLatencyMs);
  into.tokenTimeline.merge(s.tokenTimeline);
  into.intervals.merge(s.intervals);
  if (s.windowStartEpochMs !== null) into.windowStartEpochMs = Math.min(into.windowStartEpochMs ?? Infinity, s.windowStartEpochMs);
  if (s.windowEndEpochMs !== null) into.windowEndEpochMs = Math.max(into.windowEndEpochMs ?? -Infinity, s.windowEndEpochMs);
  into.clientCpuMs += s.clientCpuMs;
}

function sortedKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The step's StepResult (definitions in summarize-step.ts), duration = window end − start (0 without a window).
 * request_goodput counts against the state's SLOs (ctx.goodput is not read). When a latency's samples or the
 * token timeline went past the exact cap, `estimated_metrics` names them and `estimate_relative_error` is the
 * largest relative error bound among them (absent when everything is exact).
 */
export function summarizeStepState(state: StepState, ctx: Omit<StepContext, "durationMs" | "startedAtMs" | "endedAtMs">): StepResult {
  const start = state.windowStartEpochMs ?? 0;
  const end = state.windowEndEpochMs ?? start;
  return summarizeStepStateOver(state, { ...ctx, durationMs: end - start, startedAtMs: start, endedAtMs: end });
}

/** summarizeStepState with the duration and window given (summarizeStep's contexts carry their own duration). */
export function summarizeStepStateOver(state: StepState, ctx: StepContext): StepResult {
  const percentiles = ctx.percentiles ?? DEFAULT_PERCENTILES;
  const backend = ctx.backend ?? DEFAULT_BACKEND;
  const durationS = Math.max(0, finiteOrZero(ctx.durationMs)) / 1000;
  // Below a microsecond a duration is not a measurement (and count / 1e-321 s would be Infinity).
  const perSecond = (count: number): number => (durationS >= 1e-6 ? count / durationS : 0);
  const tokenPeak = state.tokenTimeline.peak();

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
    completed: state.completed,
    failed: state.sent - state.completed,
    total_input_tokens: state.totalInputTokens,
    total_output_tokens: state.totalOutputTokens,
    request_throughput: perSecond(state.completed),
    request_goodput: state.goodput !== undefined ? perSecond(state.goodputMet) : null,
    output_throughput: perSecond(state.totalOutputTokens),
    total_token_throughput: perSecond(state.totalInputTokens + state.totalOutputTokens),
    max_output_tokens_per_s: tokenPeak.peak,
    max_concurrent_requests: state.intervals.maxConcurrent(),
  };

  const samples: Record<LatencyMetric, Samples> = { ttft: state.ttftMs, tpot: state.tpotMs, itl: state.itlMs, e2el: state.e2elMs };
  const latency: Record<string, number> = {};
  const estimated: string[] = [];
  let relativeError = 0;
  for (const metric of LATENCY_METRICS) {
    const d = samples[metric].describe(percentiles);
    latency[`mean_${metric}_ms`] = d.mean;
    latency[`median_${metric}_ms`] = d.median;
    latency[`std_${metric}_ms`] = d.std;
    for (const p of percentiles) latency[percentileKey(metric, p)] = d.percentiles.get(p) ?? 0;
    if (!d.exact) {
      estimated.push(metric);
      relativeError = Math.max(relativeError, d.relativeError);
    }
  }
  if (!tokenPeak.exact) {
    estimated.push("max_output_tokens_per_s");
    if (tokenPeak.peak > 0) relativeError = Math.max(relativeError, tokenPeak.maxErrorEvents / tokenPeak.peak);
  }

  return {
    ...head,
    ...(latency as LatencyStats),
    // Whole epoch ms, as Date.now() gives them, outward so the window covers the step (server-metric windows, exports).
    started_at_ms: Math.floor(finiteOrZero(ctx.startedAtMs)),
    ended_at_ms: Math.ceil(finiteOrZero(ctx.endedAtMs)),
    errors_by_reason: { ...state.errorsByReason },
    output_tokens_counted: state.outputTokensCounted,
    prompt_tokens_planned: state.promptTokensPlanned,
    ...(estimated.length > 0 ? { estimated_metrics: estimated, estimate_relative_error: relativeError } : {}),
  };
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
