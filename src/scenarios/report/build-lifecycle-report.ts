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
 */
import { summarizeStageLoad } from "../load/stage-load-summary.ts";
import type { ScenarioRecord, StagePlan } from "../types.ts";
import { buildErrorCounts } from "./error-labels.ts";
import { calculateGoodputMetrics, type GoodputConstraints } from "./goodput-metrics.ts";
import { SERVER_OUTPUT_TOKEN_KEYS, SERVER_PROMPT_TOKEN_KEYS, serverReportedTokens, toInferencePerfRequest, type InferencePerfRequest } from "./inference-perf-request.ts";
import { lifecycleMetricsOf, type LifecycleMetricOptions, type LifecycleMetrics } from "./lifecycle-metrics.ts";
import type { LifecycleReport, LoadSummary, TokenUsage } from "./lifecycle-report.ts";
import { pythonJsonDumpsBytes } from "./python-json.ts";
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
  const successes: Array<{ ip: InferencePerfRequest; m: LifecycleMetrics }> = [];
  const failed: InferencePerfRequest[] = [];
  records.forEach((rec, i) => {
    if (rec.sendMs < minSendMs) minSendMs = rec.sendMs;
    if (rec.endMs > maxEndMs) maxEndMs = rec.endMs;
    scheduleDelaysS[i] = rec.sendMs / 1000 - rec.scheduledMs / 1000;
    const ip = toInferencePerfRequest(rec, opts);
    const m = lifecycleMetricsOf(ip, opts.useServerOutputTokens);
    if (m === null) failed.push(ip);
    else successes.push({ ip, m });
  });
  const totalTimeS = records.length > 0 ? maxEndMs / 1000 - minSendMs / 1000 : 0;
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
  const requestSizes = bodies
    ? successes
        .map(({ ip }) => bodies(ip.rec))
        .filter((b): b is string => b !== undefined)
        .map(requestSizeBytes)
    : [];
  // inference-perf summarize_output_token_usage: the server's count, else the client's, else 0.
  const serverOrClient = ms.map((m) => m.serverOutputTokens ?? m.clientOutputTokens ?? 0);
  const usageOf = (ip: InferencePerfRequest) => ip.responseMetrics?.server_usage ?? null;

  const goodput = calculateGoodputMetrics(
    successes.map(({ ip, m }) => ({ metrics: m, startS: ip.startS, endS: ip.endS })),
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
      prompt_tokens: tokenUsage(successes.map(({ ip }) => ip), opts.percentiles),
      output_len: dist(ms.flatMap((m) => (m.clientOutputTokens === null ? [] : [m.clientOutputTokens]))),
      output_tokens: { total: serverOrClient.reduce((a, b) => a + b, 0), ...dist(serverOrClient) },
      token_count_mismatches: successes.filter(({ ip }) => ip.tokenCountMismatch).length,
      client_fallback_requests: {
        prompt: successes.filter(({ ip }) => serverReportedTokens(usageOf(ip), SERVER_PROMPT_TOKEN_KEYS) === null).length,
        output: successes.filter(({ ip }) => serverReportedTokens(usageOf(ip), SERVER_OUTPUT_TOKEN_KEYS) === null).length,
      },
      ...(goodput !== null ? { goodput_metrics: goodput } : {}),
    },
    failures: {
      count: failed.length,
      request_latency: dist(failed.map((ip) => ip.endS - ip.startS)),
      prompt_tokens: tokenUsage(failed, opts.percentiles),
      by_label: buildErrorCounts(
        failed.map((ip) => ip.error!),
        opts.maxErrorMessages,
      ),
    },
  };
}

/** UTF-8 bytes of Python's json.dumps of the body inference-perf would have sent (its `len(request_data.encode())`). */
export function requestSizeBytes(body: string): number {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return Buffer.byteLength(body, "utf8");
  }
  return pythonJsonDumpsBytes(value);
}

/**
 * inference-perf `summarize_prompt_token_usage`: total, cached (Σ usage.prompt_tokens_details.cached_tokens),
 * uncached = max(total − cached, 0), then the distribution's keys.
 */
function tokenUsage(requests: readonly InferencePerfRequest[], percentiles: readonly number[]): TokenUsage {
  let total = 0;
  let cached = 0;
  const perRequest = requests.map((ip) => {
    const details = ip.responseMetrics?.server_usage?.prompt_tokens_details;
    const c = details !== null && typeof details === "object" ? Number((details as Record<string, unknown>).cached_tokens) : NaN;
    if (Number.isFinite(c)) cached += c;
    total += ip.inputTokens;
    return ip.inputTokens;
  });
  return { total, cached, uncached: Math.max(total - cached, 0), ...summarizeDistribution(perRequest, percentiles) };
}
