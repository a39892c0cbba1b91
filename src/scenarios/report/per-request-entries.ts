/**
 * `per_request_lifecycle_metrics.json`: one entry per request, exactly as inference-perf 0.7.0's
 * `build_per_request_lifecycle_entry` writes it with its default `per_request_fields` (request, response, info,
 * response_chunks on; computed_metrics off) (kubernetes-sigs/inference-perf reportgen/base.py, apis/base.py):
 *   { start_time, end_time, request, response,
 *     info: { request_metrics: { text: { input_tokens }, image: null, video: null, audio: null },
 *             response_metrics: { output_tokens, server_usage, response_chunks, chunk_times, output_token_times }
 *                               | { output_tokens, server_usage } (not streamed) | null (failures, no choices),
 *             extra_info: {}, lora_adapter: null, graph_event_id: null, labels: {}, input_tokens },
 *     error: { error_type, error_msg } | null }
 * Times are the sending process's monotonic clock in seconds (inference-perf: `time.perf_counter()`); only
 * differences mean anything. `request` is Python's json.dumps of the body sent (its `request_data`), `response`
 * the raw body received. Numbers: the token counts (and the server's usage as it sent them) are ints, times floats
 * (`perRequestNumberType`).
 *
 * kneepoint's own per-request facts (stage, scheduled time, its own error reason, computed metrics) are not
 * inference-perf's keys: they go to `kneepoint_per_request.json` beside it (`buildKneepointRequestEntry`), one
 * entry per request in the same order.
 */
import { liveToolCalls } from "../../engine/response-capture.ts";
import type { ScenarioRecord } from "../types.ts";
import { anthropicExtraInfo } from "./anthropic-extra-info.ts";
import { toInferencePerfRequest, type InferencePerfError, type InferencePerfRequest, type InferencePerfResponseMetrics } from "./inference-perf-request.ts";
import { lifecycleMetricsOf, type LifecycleMetricOptions } from "./lifecycle-metrics.ts";
import { pythonJsonDumps } from "./python-json.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import type { RequestMedia } from "../data/multimodal-content.ts";
import { perRequestMediaOf } from "./media-state.ts";

export interface PerRequestEntry {
  start_time: number;
  end_time: number;
  request: string | null;
  response: string | null;
  info: {
    /** image / video / audio: 0.7.0's {count, instances} of a success that carried them, else null (media-state.ts). */
    request_metrics: { text: { input_tokens: number }; image: unknown; video: unknown; audio: unknown };
    response_metrics: InferencePerfResponseMetrics | null;
    /** {} but for api.type anthropic_messages successes (anthropic-extra-info.ts). */
    extra_info: Record<string, unknown>;
    lora_adapter: string | null;
    graph_event_id: string | null;
    labels: Record<string, string>;
    /** Session replay requests only (0.7.0 SessionInferenceInfo): the answer's text, and its assistant message. */
    output_text?: string | null;
    output_message?: { role: "assistant"; content?: string; tool_calls?: unknown[] } | null;
    /** Only on a retried request (0.7.0 drops them otherwise). */
    retries_attempted?: number;
    retries_recovered?: boolean;
    retry_wasted_sec?: number;
    input_tokens: number;
  };
  error: InferencePerfError | null;
}

export interface PerRequestOptions extends LifecycleMetricOptions {
  requestBody?: (rec: ScenarioRecord) => string | undefined;
  /** The LoRA adapter the request was sent to (info.lora_adapter), null for the base model. */
  loraAdapter?: (rec: ScenarioRecord) => string | null;
  /** The media the request carried (multimodal data). */
  requestMedia?: (rec: ScenarioRecord) => RequestMedia | undefined;
  /** A session replay request's graph event id, null for other requests. */
  graphEventId?: (rec: ScenarioRecord) => string | null;
  /** A request's info.labels (otel_trace_replay attribute_to_label_map). */
  labels?: (rec: ScenarioRecord) => Record<string, string>;
}

/**
 * The options of a run's per-request entries. inference-perf re-tokenizes the successes' chunks while building the
 * summary and stage reports and mutates the records it then dumps: the per-request token times are re-tokenized
 * only when one of those is built. kneepoint's own entries (`kneepoint`) use the lifecycle reports' view.
 */
export function perRequestOptionsOf(opts: ScenarioReportOptions): PerRequestOptions & { kneepoint: LifecycleMetricOptions } {
  const kneepoint: LifecycleMetricOptions = {
    useServerOutputTokens: opts.useServerOutputTokens,
    ...(opts.streaming !== undefined ? { streaming: opts.streaming } : {}),
    ...(opts.countTokens !== undefined ? { countTokens: opts.countTokens } : {}),
    ...(opts.retokenizeChunks ? { retokenizeChunks: true } : {}),
  };
  return {
    ...kneepoint,
    retokenizeChunks: opts.retokenizeChunks === true && (opts.summary || opts.perStage),
    ...(opts.requestBody !== undefined ? { requestBody: opts.requestBody } : {}),
    ...(opts.requestMedia !== undefined ? { requestMedia: opts.requestMedia } : {}),
    ...(opts.loraAdapter ? { loraAdapter: opts.loraAdapter } : {}),
    ...(opts.graphEventId ? { graphEventId: opts.graphEventId } : {}),
    ...(opts.labels ? { labels: opts.labels } : {}),
    kneepoint,
  };
}

/** inference-perf's `request_data` (json.dumps of the payload) for the JSON body kneepoint sent. */
export function inferencePerfRequestData(body: string): string {
  try {
    return pythonJsonDumps(JSON.parse(body) as unknown);
  } catch {
    return body;
  }
}

export function buildPerRequestEntry(rec: ScenarioRecord, opts: PerRequestOptions): PerRequestEntry {
  const ip = toInferencePerfRequest(rec, opts);
  const body = opts.requestBody?.(rec);
  const event = opts.graphEventId?.(rec) ?? null;
  if (event !== null) return sessionReplayEntry(buildPlainEntry(ip, rec, body, opts), rec, event);
  return buildPlainEntry(ip, rec, body, opts);
}

/**
 * A session replay request as 0.7.0's SessionChatCompletionAPIData records it: graph_event_id, then output_text (null
 * when empty) and output_message after labels; a failed one is SessionInferenceInfo's empty answer (0 tokens in and
 * out, output_text "", output_message null).
 */
function sessionReplayEntry(e: PerRequestEntry, rec: ScenarioRecord, event: string): PerRequestEntry {
  const { input_tokens: _input, ...info } = e.info;
  const text = rec.capture?.contentTexts.join("") ?? "";
  if (e.error !== null) {
    return { ...e, info: { ...info, request_metrics: { ...info.request_metrics, text: { input_tokens: 0 } }, response_metrics: { output_tokens: 0, server_usage: null } as InferencePerfResponseMetrics, graph_event_id: event, output_text: "", output_message: null, input_tokens: 0 } };
  }
  // 0.7.0: an answer that called tools is {role, tool_calls} (+ content when not empty)
  const calls = liveToolCalls(rec.capture);
  const message = rec.capture?.noChoices ? null : calls ? { role: "assistant" as const, tool_calls: calls, ...(text !== "" ? { content: text } : {}) } : { role: "assistant" as const, content: text };
  return { ...e, info: { ...info, graph_event_id: event, output_text: text === "" ? null : text, output_message: message, input_tokens: e.info.input_tokens } };
}

function buildPlainEntry(ip: ReturnType<typeof toInferencePerfRequest>, rec: ScenarioRecord, body: string | undefined, opts: PerRequestOptions): PerRequestEntry {
  return {
    start_time: ip.startS,
    end_time: ip.endS,
    request: body === undefined ? null : inferencePerfRequestData(body),
    response: ip.response,
    info: {
      request_metrics: { text: { input_tokens: ip.inputTokens }, ...perRequestMediaOf(ip.error === null ? opts.requestMedia?.(rec) : undefined) },
      response_metrics: ip.responseMetrics,
      // A session turn: 0.7.0's UserSessionCompletionAPIData adds its session and turn, on failures too.
      extra_info: rec.session ? { user_session: rec.session.id, chat_round: rec.session.round } : ip.error === null ? anthropicExtraInfo(rec, opts.streaming !== false) : {},
      // 0.7.0 keeps the adapter only on a request that got a 200 (apis/completion.py, chat.py process_response);
      // a failed one's InferenceInfo is the empty default.
      lora_adapter: ip.error === null ? (opts.loraAdapter?.(rec) ?? null) : null,
      graph_event_id: null,
      labels: opts.labels?.(rec) ?? {},
      ...(ip.retries ? { retries_attempted: ip.retries.attempted, retries_recovered: ip.retries.recovered, retry_wasted_sec: ip.retries.wastedS } : {}),
      input_tokens: ip.inputTokens,
    },
    error: ip.error,
  };
}

/** Python's number types in per_request_lifecycle_metrics.json: the token counts and the server's usage are ints. */
export function perRequestNumberType(path: readonly (string | number)[], value: number): "int" | "float" {
  if (path.includes("server_usage")) return Number.isInteger(value) ? "int" : "float";
  const key = path[path.length - 1];
  if (path.includes("request_metrics") && key !== "aspect_ratio" && key !== "seconds") return "int"; // media counts, pixels, bytes, frames
  return key === "input_tokens" || key === "output_tokens" || key === "retries_attempted" || key === "chat_round" ? "int" : "float";
}

/** One entry of kneepoint_per_request.json: what kneepoint knows of a request beyond inference-perf's keys. */
export interface KneepointRequestEntry {
  stage_id: number;
  scheduled_time: number;
  start_time: number;
  end_time: number;
  /** kneepoint's own verdict (vLLM's rule: HTTP 200 and a token-bearing chunk), whatever inference-perf counts. */
  kneepoint_error: { reason: string; status?: number; message: string } | null;
  /** inference-perf's `computed_metrics` (its per_request_fields.computed_metrics), for a success. */
  computed_metrics: {
    request_latency: number;
    normalized_time_per_output_token: number;
    time_to_first_token: number | null;
    time_per_output_token: number | null;
    inter_token_latency: number | null;
    inter_token_latencies: number[];
    input_tokens: number;
    output_tokens: number | null;
    ttft_slo_sec: null;
    tpot_slo_sec: null;
  } | null;
}

export function buildKneepointRequestEntry(rec: ScenarioRecord, opts: LifecycleMetricOptions, ip: InferencePerfRequest = toInferencePerfRequest(rec, opts)): KneepointRequestEntry {
  const m = lifecycleMetricsOf(ip, opts.useServerOutputTokens);
  return {
    stage_id: rec.stage,
    scheduled_time: ip.scheduledS,
    start_time: ip.startS,
    end_time: ip.endS,
    kneepoint_error: rec.error === null ? null : { ...rec.error },
    computed_metrics:
      m === null
        ? null
        : {
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
          },
  };
}
