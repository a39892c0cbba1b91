/**
 * ScenarioRecords → inference-perf's lifecycle report (`summarize_requests`, kubernetes-sigs/inference-perf 0.7.0
 * inference_perf/reportgen/base.py; shape and key order in lifecycle-report.ts). Pure.
 * Each record is first seen as inference-perf would have recorded it (inference-perf-request.ts: success rule,
 * token times, output count); per-request latencies in lifecycle-metrics.ts, in seconds. Then:
 *   benchmark_time_seconds = max end − min start over all requests; every throughput divides by it;
 *   load_summary.schedule_delay = start − scheduled start, over all requests (successes and failures);
 *   stage reports add send_duration = max start − min start, requested_rate (the stage's rate; a concurrent
 *   stage's is inference-perf's rewritten rate, its request count), achieved_rate = count / send_duration (0 when
 *   that is 0), and concurrency for closed-loop stages;
 *   latency distributions over the successes; inter_token_latency pools every gap of every success;
 *   request_size_bytes = UTF-8 bytes of Python's json.dumps(body) (python-json.ts) per success;
 *   prompt_tokens = {total, cached (Σ usage.prompt_tokens_details.cached_tokens), uncached = max(total − cached, 0),
 *   dist}; output_len = the client's output count of the successes with response metrics; output_tokens =
 *   {total, dist} of the server's count, else the client's (0 without response metrics);
 *   token_count_mismatches (only with a configured tokenizer); client_fallback_requests = successes whose usage
 *   has no prompt / output count.
 * Failures: count, request_latency, prompt_tokens (0 each: inference-perf's failed InferenceInfo), by_label.
 * One path: records are folded into a StageState (stage-state.ts), and the report is built from the state, so a
 * run that keeps only states, and shards merged, write the same numbers (exact while the samples are).
 */
import type { ScenarioRecord, StagePlan } from "../types.ts";
import { buildErrorCountsFromState } from "./error-label-state.ts";
import { goodputMetricsOf, type GoodputConstraints } from "./goodput-metrics.ts";
import type { LifecycleMetricOptions } from "./lifecycle-metrics.ts";
import type { LifecycleReport, LoadSummary, TokenUsage } from "./lifecycle-report.ts";
import type { LifecycleState, TokenUsageState } from "./lifecycle-state.ts";
import { addScenarioRecord, createStageState, type StageFoldContext, type StageState, type StageStateOptions } from "./stage-state.ts";
import { summarizeSamples } from "./summarize-distribution.ts";
import { retrySummaryOf } from "./retry-summary.ts";
import { mediaReportOf } from "./media-state.ts";
import type { RequestMedia } from "../data/multimodal-content.ts";

export interface LifecycleReportOptions extends LifecycleMetricOptions {
  /** `report.request_lifecycle.percentiles`, each in [0, 100]. */
  percentiles: readonly number[];
  /** `report.request_lifecycle.max_error_messages`: distinct messages kept per failure label. */
  maxErrorMessages: number;
  /** `report.goodput.constraints`, in seconds; no goodput_metrics without any. */
  goodput?: GoodputConstraints | null;
  /** The stage's plan for a stage report (adds send_duration, requested/achieved rate); absent for the summary. */
  stage?: StagePlan;
  /** The JSON body a record sent, for request_size_bytes (null in the report without it). */
  requestBody?: (rec: ScenarioRecord) => string | undefined;
  /** The media a record's request carried (multimodal data). */
  requestMedia?: (rec: ScenarioRecord) => RequestMedia | undefined;
}

/** What a report's view of the records is, as StageState options and fold context. */
export function stageStateOptionsOf(opts: LifecycleMetricOptions & { maxErrorMessages: number; goodput?: GoodputConstraints | null }, perAdapter = false): StageStateOptions {
  return {
    useServerOutputTokens: opts.useServerOutputTokens,
    streaming: opts.streaming !== false,
    countsTokens: opts.countTokens !== undefined,
    retokenizeChunks: opts.retokenizeChunks === true && opts.countTokens !== undefined,
    maxErrorMessages: opts.maxErrorMessages,
    goodput: opts.goodput ?? null,
    perAdapter,
  };
}

export function foldContextOf(opts: Pick<LifecycleMetricOptions, "countTokens"> & Pick<LifecycleReportOptions, "requestBody" | "requestMedia"> & { loraAdapter?: (rec: ScenarioRecord) => string | null }): StageFoldContext {
  return {
    ...(opts.countTokens !== undefined ? { countTokens: opts.countTokens } : {}),
    ...(opts.requestBody !== undefined ? { requestBody: opts.requestBody } : {}),
    ...(opts.requestMedia !== undefined ? { requestMedia: opts.requestMedia } : {}),
    ...(opts.loraAdapter !== undefined ? { loraAdapter: opts.loraAdapter } : {}),
  };
}

/** The records folded into one state. */
export function foldStageState(records: Iterable<ScenarioRecord>, options: StageStateOptions, ctx: StageFoldContext): StageState {
  const state = createStageState(options);
  for (const rec of records) addScenarioRecord(state, rec, ctx);
  return state;
}

export function buildLifecycleReport(records: readonly ScenarioRecord[], opts: LifecycleReportOptions): LifecycleReport {
  const state = foldStageState(records, stageStateOptionsOf(opts), foldContextOf(opts));
  return buildLifecycleReportFromState(state.core, { percentiles: opts.percentiles, goodput: opts.goodput ?? null, ...(opts.stage ? { stage: opts.stage } : {}) });
}

/**
 * A stage's send window and rates (the load engine's definition, src/scenarios/load/stage-load-summary.ts, from
 * the state's numbers): send_duration = max send − min send (0 below two sends); achieved = count / that (0 when
 * it is 0); requested = the stage's rate, inference-perf's rewritten rate (its request count) for a concurrent one.
 */
export function stageLoadFields(plan: StagePlan, s: Pick<LifecycleState, "count" | "minSendEpochMs" | "maxSendEpochMs">): Required<Pick<LoadSummary, "send_duration" | "requested_rate" | "achieved_rate">> & Pick<LoadSummary, "concurrency"> {
  const windowMs = s.count >= 2 ? s.maxSendEpochMs - s.minSendEpochMs : 0;
  return {
    send_duration: windowMs / 1000,
    requested_rate: plan.kind === "concurrent" ? plan.numRequests : plan.rate,
    // A window too short to divide by (a denormal) is no window.
    achieved_rate: windowMs / 1000 > 0 ? s.count / (windowMs / 1000) : 0,
    ...(plan.kind === "concurrent" ? { concurrency: plan.concurrency } : plan.kind === "session_replay" ? { concurrency: plan.concurrentSessions } : {}),
  };
}

/** inference-perf `summarize_prompt_token_usage`: total, cached, uncached = max(total − cached, 0), the distribution. */
function tokenUsage(u: TokenUsageState, percentiles: readonly number[]): TokenUsage {
  return { total: u.total, cached: u.cached, uncached: Math.max(u.total - u.cached, 0), ...summarizeSamples(u.perRequest, percentiles) };
}

/** The lifecycle report of a state; `stage` adds the stage keys of load_summary. */
export function buildLifecycleReportFromState(s: LifecycleState, o: { percentiles: readonly number[]; goodput: GoodputConstraints | null; stage?: StagePlan }): LifecycleReport {
  const dist = (samples: Parameters<typeof summarizeSamples>[0]) => summarizeSamples(samples, o.percentiles);
  const totalTimeS = s.count > 0 ? s.maxEndEpochMs / 1000 - s.minSendEpochMs / 1000 : 0;
  const perSecond = (x: number) => (totalTimeS > 0 && Number.isFinite(x / totalTimeS) ? x / totalTimeS : 0);

  const loadSummary: LoadSummary = { count: s.count, schedule_delay: dist(s.scheduleDelayS) };
  if (o.stage !== undefined) Object.assign(loadSummary, stageLoadFields(o.stage, s));

  const ok = s.successes;
  const inputTotal = ok.promptTokens.total;
  const outputTotal = ok.effectiveOutputTotal;
  const media = mediaReportOf(ok.media, ok.count, perSecond, o.percentiles);
  const retries = retrySummaryOf(s.retries, o.percentiles);
  const goodput = goodputMetricsOf(ok.goodput, ok.count, ok.maxEndEpochMs / 1000 - ok.minSendEpochMs / 1000, o.goodput);

  return {
    benchmark_time_seconds: totalTimeS,
    load_summary: loadSummary,
    successes: {
      count: ok.count,
      latency: {
        request_latency: dist(ok.requestLatencyS),
        normalized_time_per_output_token: dist(ok.ntpotS),
        time_per_output_token: dist(ok.tpotS),
        time_to_first_token: dist(ok.ttftS),
        inter_token_latency: dist(ok.itlS),
      },
      throughput: {
        input_tokens_per_sec: perSecond(inputTotal),
        output_tokens_per_sec: perSecond(outputTotal),
        total_tokens_per_sec: perSecond(inputTotal + outputTotal),
        requests_per_sec: perSecond(ok.count),
        ...media.throughput,
      },
      request_size_bytes: dist(ok.requestSizeBytes),
      image: media.image,
      video: media.video,
      audio: media.audio,
      prompt_tokens: tokenUsage(ok.promptTokens, o.percentiles),
      output_len: dist(ok.outputLen),
      output_tokens: { total: ok.outputTokensTotal, ...dist(ok.outputTokens) },
      token_count_mismatches: ok.tokenCountMismatches,
      client_fallback_requests: { prompt: ok.fallbackPrompt, output: ok.fallbackOutput },
      ...(goodput !== null ? { goodput_metrics: goodput } : {}),
    },
    failures: {
      count: s.failures.count,
      request_latency: dist(s.failures.requestLatencyS),
      prompt_tokens: tokenUsage(s.failures.promptTokens, o.percentiles),
      by_label: buildErrorCountsFromState(s.failures.labels),
    },
    ...(retries !== null ? { retries } : {}),
  };
}
