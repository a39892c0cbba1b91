/**
 * The mergeable numbers behind one inference-perf lifecycle report (a stage, the summary, an adapter's bucket) and
 * behind the stage's BR v0.2 partial: counts, sums, time window, and a Samples (src/metrics/samples.ts) per
 * distribution, filled one record at a time from inference-perf's view of it (inference-perf-request.ts,
 * lifecycle-metrics.ts). build-lifecycle-report.ts and br-partial-report.ts read only this. Pure.
 *
 * Times of the window (`*EpochMs`) are the record's monotonic ms plus the fold's `epochOffsetMs`, a clock common
 * to every state that will be merged; durations (latencies, schedule delay) are computed from the record's own
 * clock, so they do not depend on the offset. Every sum is of integers (token counts) or is min/max, so merging
 * is exact; Samples merge exactly while under their cap.
 */
import { Samples } from "../../metrics/samples.ts";
import { addErrorLabel, mergeErrorLabels, type ErrorLabelsState } from "./error-label-state.ts";
import { addGoodputRequest, createGoodputCounts, mergeGoodputCounts, type GoodputConstraints, type GoodputCounts } from "./goodput-metrics.ts";
import { SERVER_OUTPUT_TOKEN_KEYS, SERVER_PROMPT_TOKEN_KEYS, serverReportedTokens, type InferencePerfRequest } from "./inference-perf-request.ts";
import type { LifecycleMetrics } from "./lifecycle-metrics.ts";
import { addRetry, mergeRetryStates, type RetryState } from "./retry-summary.ts";
import { mergeMediaStates, type MediaState } from "./media-state.ts";

/** `prompt_tokens`: total, cached (Σ usage.prompt_tokens_details.cached_tokens) and the per-request counts. */
export interface TokenUsageState {
  total: number;
  cached: number;
  perRequest: Samples;
}

export interface SuccessState {
  count: number;
  /** Send of the first and end of the last success (goodput's span). */
  minSendEpochMs: number;
  maxEndEpochMs: number;
  requestLatencyS: Samples;
  /** request_latency / effective output tokens, 0 without output tokens (the lifecycle report's NTPOT). */
  ntpotS: Samples;
  tpotS: Samples;
  ttftS: Samples;
  /** Every gap between token times of every success, pooled. */
  itlS: Samples;
  requestSizeBytes: Samples;
  /** Σ effective output tokens (throughput). */
  effectiveOutputTotal: number;
  promptTokens: TokenUsageState;
  /** The client's output count of successes with response metrics (`output_len`). */
  outputLen: Samples;
  /** The server's output count, else the client's, else 0 (`output_tokens`), and its sum. */
  outputTokens: Samples;
  outputTokensTotal: number;
  tokenCountMismatches: number;
  fallbackPrompt: number;
  fallbackOutput: number;
  goodput: GoodputCounts;
  /** BR v0.2: NTPOT of the successes with output tokens (no 0 folded in). */
  brNtpotS: Samples;
  /** BR v0.2 output_length (effective count of successes with response metrics); null: it is `outputLen`. */
  brOutputLength: Samples | null;
  /** Images, videos and audio of the successes (media-state.ts); only in a run whose requests carry media. */
  media?: MediaState;
}

export interface FailureState {
  count: number;
  requestLatencyS: Samples;
  promptTokens: TokenUsageState;
  labels: ErrorLabelsState;
}

export interface LifecycleState {
  /** Requests sent (successes + failures). */
  count: number;
  minSendEpochMs: number;
  maxSendEpochMs: number;
  maxEndEpochMs: number;
  scheduleDelayS: Samples;
  successes: SuccessState;
  failures: FailureState;
  /** load.request_retries: the retried requests (retry-summary.ts); absent until one is added. */
  retries?: RetryState;
}

/** What filling a state needs beyond the record (fixed for a state: merges check them, stage-state.ts). */
export interface LifecycleFoldOptions {
  useServerOutputTokens: boolean;
  maxErrorMessages: number;
  goodput: GoodputConstraints | null;
  exactCap?: number;
}

const tokenUsage = (samples: () => Samples): TokenUsageState => ({ total: 0, cached: 0, perRequest: samples() });

export function createLifecycleState(o: LifecycleFoldOptions): LifecycleState {
  const samples = () => new Samples(o.exactCap !== undefined ? { exactCap: o.exactCap } : {});
  return {
    count: 0,
    minSendEpochMs: Infinity,
    maxSendEpochMs: -Infinity,
    maxEndEpochMs: -Infinity,
    scheduleDelayS: samples(),
    successes: {
      count: 0,
      minSendEpochMs: Infinity,
      maxEndEpochMs: -Infinity,
      requestLatencyS: samples(),
      ntpotS: samples(),
      tpotS: samples(),
      ttftS: samples(),
      itlS: samples(),
      requestSizeBytes: samples(),
      effectiveOutputTotal: 0,
      promptTokens: tokenUsage(samples),
      outputLen: samples(),
      outputTokens: samples(),
      outputTokensTotal: 0,
      tokenCountMismatches: 0,
      fallbackPrompt: 0,
      fallbackOutput: 0,
      goodput: createGoodputCounts(o.goodput),
      brNtpotS: samples(),
      brOutputLength: o.useServerOutputTokens ? samples() : null,
    },
    failures: { count: 0, requestLatencyS: samples(), promptTokens: tokenUsage(samples), labels: [] },
  };
}

function addTokenUsage(u: TokenUsageState, ip: InferencePerfRequest): void {
  const details = ip.responseMetrics?.server_usage?.prompt_tokens_details;
  const c = details !== null && typeof details === "object" ? Number((details as Record<string, unknown>).cached_tokens) : NaN;
  if (Number.isFinite(c)) u.cached += c;
  u.total += ip.inputTokens;
  u.perRequest.add(ip.inputTokens);
}

/**
 * Adds one request: `ip` is inference-perf's view of the record, `m` its latencies (null for a failure), `sizeBytes`
 * the request_size_bytes of its body (undefined without one).
 */
export function addToLifecycleState(s: LifecycleState, ip: InferencePerfRequest, m: LifecycleMetrics | null, sizeBytes: number | undefined, epochOffsetMs: number, o: LifecycleFoldOptions): void {
  const rec = ip.rec;
  const sendEpochMs = rec.sendMs + epochOffsetMs;
  const endEpochMs = rec.endMs + epochOffsetMs;
  s.count++;
  if (sendEpochMs < s.minSendEpochMs) s.minSendEpochMs = sendEpochMs;
  if (sendEpochMs > s.maxSendEpochMs) s.maxSendEpochMs = sendEpochMs;
  if (endEpochMs > s.maxEndEpochMs) s.maxEndEpochMs = endEpochMs;
  s.scheduleDelayS.add(ip.startS - ip.scheduledS);
  if (ip.retries) s.retries = addRetry(s.retries, ip.retries, o.exactCap);

  if (m === null) {
    const f = s.failures;
    f.count++;
    f.requestLatencyS.add(ip.endS - ip.startS);
    addTokenUsage(f.promptTokens, ip);
    addErrorLabel(f.labels, ip.error!, endEpochMs, o.maxErrorMessages);
    return;
  }

  const ok = s.successes;
  ok.count++;
  if (sendEpochMs < ok.minSendEpochMs) ok.minSendEpochMs = sendEpochMs;
  if (endEpochMs > ok.maxEndEpochMs) ok.maxEndEpochMs = endEpochMs;
  ok.requestLatencyS.add(m.requestLatencyS);
  ok.ntpotS.add(m.ntpotS);
  if (m.tpotS !== null) ok.tpotS.add(m.tpotS);
  if (m.ttftS !== null) ok.ttftS.add(m.ttftS);
  for (const d of m.itlDeltasS) ok.itlS.add(d);
  if (sizeBytes !== undefined) ok.requestSizeBytes.add(sizeBytes);
  ok.effectiveOutputTotal += m.effectiveOutputTokens;
  addTokenUsage(ok.promptTokens, ip);
  if (m.clientOutputTokens !== null) ok.outputLen.add(m.clientOutputTokens);
  // inference-perf summarize_output_token_usage: the server's count, else the client's, else 0.
  const serverOrClient = m.serverOutputTokens ?? m.clientOutputTokens ?? 0;
  ok.outputTokens.add(serverOrClient);
  ok.outputTokensTotal += serverOrClient;
  if (ip.tokenCountMismatch) ok.tokenCountMismatches++;
  const usage = ip.responseMetrics?.server_usage ?? null;
  if (serverReportedTokens(usage, SERVER_PROMPT_TOKEN_KEYS) === null) ok.fallbackPrompt++;
  if (serverReportedTokens(usage, SERVER_OUTPUT_TOKEN_KEYS) === null) ok.fallbackOutput++;
  // 0.7.0 reads the header SLOs for a streamed answer with content chunks (its output_token_times when recorded).
  const rm = ip.responseMetrics;
  addGoodputRequest(ok.goodput, m, o.goodput, rm !== null && "chunk_times" in rm && rm.chunk_times.length > 0);
  if (m.effectiveOutputTokens > 0) ok.brNtpotS.add(m.ntpotS);
  if (ok.brOutputLength !== null && ip.responseMetrics !== null) ok.brOutputLength.add(m.effectiveOutputTokens);
}

/** A copy of `first` with the others' samples appended, in order. */
function mergeSamples(parts: readonly Samples[]): Samples {
  const out = new Samples({ exactCap: parts[0]!.exactCap });
  for (const p of parts) out.merge(p);
  return out;
}

function mergeTokenUsage(parts: readonly TokenUsageState[]): TokenUsageState {
  return {
    total: parts.reduce((a, p) => a + p.total, 0),
    cached: parts.reduce((a, p) => a + p.cached, 0),
    perRequest: mergeSamples(parts.map((p) => p.perRequest)),
  };
}

const minOf = (xs: readonly number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const maxOf = (xs: readonly number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

/** The state of every request of `parts` (at least one); the options are the same (stage-state.ts checks). */
export function mergeLifecycleStates(parts: readonly LifecycleState[], o: LifecycleFoldOptions): LifecycleState {
  const ok = parts.map((p) => p.successes);
  const fail = parts.map((p) => p.failures);
  const samplesOf = <T>(xs: readonly T[], f: (x: T) => Samples) => mergeSamples(xs.map(f));
  const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
  const retries = mergeRetryStates(parts.map((p) => p.retries));
  const media = mergeMediaStates(ok, o.exactCap);
  return {
    ...(retries ? { retries } : {}),
    count: sum(parts, (p) => p.count),
    minSendEpochMs: minOf(parts.map((p) => p.minSendEpochMs)),
    maxSendEpochMs: maxOf(parts.map((p) => p.maxSendEpochMs)),
    maxEndEpochMs: maxOf(parts.map((p) => p.maxEndEpochMs)),
    scheduleDelayS: samplesOf(parts, (p) => p.scheduleDelayS),
    successes: {
      count: sum(ok, (s) => s.count),
      minSendEpochMs: minOf(ok.map((s) => s.minSendEpochMs)),
      maxEndEpochMs: maxOf(ok.map((s) => s.maxEndEpochMs)),
      requestLatencyS: samplesOf(ok, (s) => s.requestLatencyS),
      ntpotS: samplesOf(ok, (s) => s.ntpotS),
      tpotS: samplesOf(ok, (s) => s.tpotS),
      ttftS: samplesOf(ok, (s) => s.ttftS),
      itlS: samplesOf(ok, (s) => s.itlS),
      requestSizeBytes: samplesOf(ok, (s) => s.requestSizeBytes),
      effectiveOutputTotal: sum(ok, (s) => s.effectiveOutputTotal),
      promptTokens: mergeTokenUsage(ok.map((s) => s.promptTokens)),
      outputLen: samplesOf(ok, (s) => s.outputLen),
      outputTokens: samplesOf(ok, (s) => s.outputTokens),
      outputTokensTotal: sum(ok, (s) => s.outputTokensTotal),
      tokenCountMismatches: sum(ok, (s) => s.tokenCountMismatches),
      fallbackPrompt: sum(ok, (s) => s.fallbackPrompt),
      fallbackOutput: sum(ok, (s) => s.fallbackOutput),
      goodput: mergeGoodputCounts(
        ok.map((s) => s.goodput),
        o.goodput,
      ),
      brNtpotS: samplesOf(ok, (s) => s.brNtpotS),
      brOutputLength: o.useServerOutputTokens ? samplesOf(ok, (s) => s.brOutputLength!) : null,
      ...(media ? { media } : {}),
    },
    failures: {
      count: sum(fail, (f) => f.count),
      requestLatencyS: samplesOf(fail, (f) => f.requestLatencyS),
      promptTokens: mergeTokenUsage(fail.map((f) => f.promptTokens)),
      labels: mergeErrorLabels(
        fail.map((f) => f.labels),
        o.maxErrorMessages,
      ),
    },
  };
}
