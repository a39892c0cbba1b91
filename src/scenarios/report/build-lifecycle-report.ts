/**
 * ScenarioRecords → inference-perf's lifecycle report (`summarize_requests`, kubernetes-sigs/inference-perf
 * inference_perf/reportgen/base.py; shape and key order in lifecycle-report.ts). Pure.
 * Definitions (per request in lifecycle-metrics.ts, in seconds):
 *   benchmark_time_seconds = max end − min send over all requests; every throughput divides by it;
 *   load_summary.schedule_delay = send − scheduled send, over all requests (successes and failures);
 *   stage reports add send_duration = max send − min send, requested_rate (the plan's), achieved_rate =
 *   count / send_duration, and concurrency for closed-loop stages;
 *   latency distributions over the successes; inter_token_latency pools every gap of every success;
 *   time_to_first_token / time_per_output_token only over requests that have them (more than one token time).
 * A request succeeds as in src/metrics/request-metrics.ts `isSuccessful` (no error, ≥ 1 token-bearing chunk).
 */
import { summarizeStageLoad } from "../load/stage-load-summary.ts";
import type { ScenarioRecord, StagePlan } from "../types.ts";
import { buildErrorCounts } from "./error-labels.ts";
import { calculateGoodputMetrics, type GoodputConstraints } from "./goodput-metrics.ts";
import { deriveLifecycleMetrics, inputTokens, requestLatencyS, type LifecycleMetricOptions, type LifecycleMetrics } from "./lifecycle-metrics.ts";
import type { LifecycleReport, LoadSummary, TokenUsage } from "./lifecycle-report.ts";
import { summarizeDistribution } from "./summarize-distribution.ts";

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
}

export function buildLifecycleReport(records: readonly ScenarioRecord[], opts: LifecycleReportOptions): LifecycleReport {
  const dist = (values: ArrayLike<number>) => summarizeDistribution(values, opts.percentiles);

  let minSendMs = Infinity;
  let maxEndMs = -Infinity;
  const scheduleDelaysS = new Float64Array(records.length);
  const successes: Array<{ rec: ScenarioRecord; m: LifecycleMetrics }> = [];
  const failed: ScenarioRecord[] = [];
  records.forEach((rec, i) => {
    if (rec.sendMs < minSendMs) minSendMs = rec.sendMs;
    if (rec.endMs > maxEndMs) maxEndMs = rec.endMs;
    scheduleDelaysS[i] = (rec.sendMs - rec.scheduledMs) / 1000;
    const m = deriveLifecycleMetrics(rec, opts);
    if (m === null) failed.push(rec);
    else successes.push({ rec, m });
  });
  const totalTimeS = records.length > 0 ? (maxEndMs - minSendMs) / 1000 : 0;
  const perSecond = (x: number) => (totalTimeS > 0 ? x / totalTimeS : 0);

  const loadSummary: LoadSummary = { count: records.length, schedule_delay: dist(scheduleDelaysS) };
  if (opts.stage !== undefined) {
    // The load engine's own summary (the rate a stage reached is defined once, in stage-load-summary.ts).
    const load = summarizeStageLoad({ plan: opts.stage, records });
    loadSummary.send_duration = load.sendDurationS;
    // inference-perf rewrites a concurrent stage's rate to its request count; its files carry that number.
    loadSummary.requested_rate = opts.stage.kind === "concurrent" ? opts.stage.numRequests : load.requestedRateRps!;
    // No send window (fewer than two sends): 0, as inference-perf writes it.
    loadSummary.achieved_rate = load.achievedRateRps ?? 0;
    if (load.concurrency !== null) loadSummary.concurrency = load.concurrency;
  }

  const ms = successes.map((s) => s.m);
  const sum = (f: (m: LifecycleMetrics) => number) => ms.reduce((acc, m) => acc + f(m), 0);
  const inputTotal = sum((m) => m.inputTokens);
  const outputTotal = sum((m) => m.effectiveOutputTokens);
  const zeros = new Float64Array(successes.length);
  const bodies = opts.requestBody;
  const requestSizes = bodies ? successes.map(({ rec }) => bodies(rec)).filter((b): b is string => b !== undefined).map((b) => Buffer.byteLength(b, "utf8")) : [];
  const serverOrClient = ms.map((m) => m.serverOutputTokens ?? m.clientOutputTokens);

  const goodput = calculateGoodputMetrics(
    successes.map(({ rec, m }) => ({ metrics: m, startS: rec.sendMs / 1000, endS: rec.endMs / 1000 })),
    opts.goodput,
  );

  return {
    benchmark_time_seconds: totalTimeS,
    load_summary: loadSummary,
    successes: {
      count: successes.length,
      latency: {
        request_latency: dist(ms.map((m) => m.requestLatencyS)),
        normalized_time_per_output_token: dist(ms.map((m) => m.ntpotS)),
        time_per_output_token: dist(ms.flatMap((m) => (m.tpotS === null ? [] : [m.tpotS]))),
        time_to_first_token: dist(ms.flatMap((m) => (m.ttftS === null ? [] : [m.ttftS]))),
        inter_token_latency: dist(ms.flatMap((m) => m.itlDeltasS)),
      },
      throughput: {
        input_tokens_per_sec: perSecond(inputTotal),
        output_tokens_per_sec: perSecond(outputTotal),
        total_tokens_per_sec: perSecond(inputTotal + outputTotal),
        requests_per_sec: perSecond(successes.length),
        images_per_sec: perSecond(0),
        videos_per_sec: perSecond(0),
        audios_per_sec: perSecond(0),
      },
      request_size_bytes: dist(requestSizes),
      image: { count: dist(zeros), pixels: null, bytes: null, aspect_ratio: null },
      video: { count: dist(zeros), frames: null, pixels: null, bytes: null, aspect_ratio: null },
      audio: { count: dist(zeros), seconds: null, bytes: null },
      prompt_tokens: tokenUsage(ms.map((m) => m.inputTokens), opts.percentiles),
      output_len: dist(ms.map((m) => m.clientOutputTokens)),
      output_tokens: { total: serverOrClient.reduce((a, b) => a + b, 0), ...dist(serverOrClient) },
      token_count_mismatches: ms.filter((m) => m.serverOutputTokens !== null && m.serverOutputTokens !== m.clientOutputTokens).length,
      client_fallback_requests: {
        prompt: successes.filter(({ rec }) => rec.promptTokens === null).length,
        output: successes.filter(({ rec }) => rec.completionTokens === null).length,
      },
      ...(goodput !== null ? { goodput_metrics: goodput } : {}),
    },
    failures: {
      count: failed.length,
      request_latency: dist(failed.map(requestLatencyS)),
      prompt_tokens: tokenUsage(failed.map(inputTokens), opts.percentiles),
      by_label: buildErrorCounts(failed, opts.maxErrorMessages),
    },
  };
}

/** inference-perf `summarize_prompt_token_usage`: total, cached, uncached, then the distribution's keys. */
function tokenUsage(perRequest: number[], percentiles: readonly number[]): TokenUsage {
  return { total: perRequest.reduce((a, b) => a + b, 0), cached: null, uncached: null, ...summarizeDistribution(perRequest, percentiles) };
}
