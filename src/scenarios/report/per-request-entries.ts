/**
 * `per_request_lifecycle_metrics.json`: one entry per request, in the shape of inference-perf's
 * `build_per_request_lifecycle_entry` (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py;
 * research/inference-perf.md §2.2). Times are the sending process's monotonic clock in seconds, as
 * inference-perf's `time.perf_counter()`; only differences between them mean anything.
 *   { start_time, end_time, [request], info: { request_metrics: { text: { input_tokens } },
 *     response_metrics: { output_tokens, server_usage, chunk_times, output_token_times }, lora_adapter: null },
 *     computed_metrics (successes only), error: { error_type, error_msg } | null,
 *     stage_id, scheduled_time }
 * Differences, said plainly: `response` (the answer's text) is not kept by our client, so the key is absent
 * (inference-perf omits it too when per_request_fields.response is off); `request` is present only when the
 * bodies are given; `stage_id` and `scheduled_time` (fields of inference-perf's RequestLifecycleMetric that its
 * entry leaves out) are added so schedule delay can be checked per request; `server_usage` holds only the two
 * usage counts the client records.
 */
import type { ScenarioRecord } from "../types.ts";
import { errorTypeAndMessage } from "./error-labels.ts";
import { clientOutputTokens, deriveLifecycleMetrics, inputTokens, type LifecycleMetricOptions } from "./lifecycle-metrics.ts";

export interface PerRequestEntry {
  start_time: number;
  end_time: number;
  request?: string;
  info: {
    request_metrics: { text: { input_tokens: number } };
    response_metrics: {
      output_tokens: number;
      server_usage: { prompt_tokens?: number; completion_tokens?: number } | null;
      chunk_times: number[];
      output_token_times: number[];
    };
    lora_adapter: null;
  };
  computed_metrics?: {
    request_latency: number;
    normalized_time_per_output_token: number;
    time_to_first_token: number | null;
    time_per_output_token: number | null;
    inter_token_latency: number | null;
    inter_token_latencies: number[];
    input_tokens: number;
    output_tokens: number;
    ttft_slo_sec: null;
    tpot_slo_sec: null;
  };
  error: { error_type: string; error_msg: string } | null;
  stage_id: number;
  scheduled_time: number;
}

export interface PerRequestOptions extends LifecycleMetricOptions {
  requestBody?: (rec: ScenarioRecord) => string | undefined;
}

const seconds = (ms: number) => ms / 1000;

export function buildPerRequestEntry(rec: ScenarioRecord, opts: PerRequestOptions): PerRequestEntry {
  const m = deriveLifecycleMetrics(rec, opts);
  const usage: { prompt_tokens?: number; completion_tokens?: number } = {};
  if (rec.promptTokens !== null) usage.prompt_tokens = rec.promptTokens;
  if (rec.completionTokens !== null) usage.completion_tokens = rec.completionTokens;
  const chunkTimes = rec.chunkTimesMs.map(seconds);
  const body = opts.requestBody?.(rec);

  const entry: PerRequestEntry = {
    start_time: seconds(rec.sendMs),
    end_time: seconds(rec.endMs),
    ...(body !== undefined ? { request: body } : {}),
    info: {
      request_metrics: { text: { input_tokens: inputTokens(rec) } },
      response_metrics: {
        output_tokens: clientOutputTokens(rec, opts.streaming !== false),
        server_usage: Object.keys(usage).length > 0 ? usage : null,
        chunk_times: chunkTimes,
        output_token_times: chunkTimes,
      },
      lora_adapter: null,
    },
    error: null,
    stage_id: rec.stage,
    scheduled_time: seconds(rec.scheduledMs),
  };
  if (m !== null) {
    entry.computed_metrics = {
      request_latency: m.requestLatencyS,
      normalized_time_per_output_token: m.ntpotS,
      time_to_first_token: m.ttftS,
      time_per_output_token: m.tpotS,
      inter_token_latency: m.itlMeanS,
      inter_token_latencies: m.itlDeltasS,
      input_tokens: m.inputTokens,
      output_tokens: m.clientOutputTokens,
      ttft_slo_sec: null,
      tpot_slo_sec: null,
    };
  } else {
    const { errorType, errorMsg } = errorTypeAndMessage(rec);
    entry.error = { error_type: errorType, error_msg: errorMsg };
  }
  // computed_metrics comes before error in inference-perf's entry: rebuild the key order.
  const { error, stage_id, scheduled_time, ...head } = entry;
  return { ...head, error, stage_id, scheduled_time };
}
