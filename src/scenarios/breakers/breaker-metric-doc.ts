/**
 * What a circuit breaker's expressions see of one request: inference-perf 0.7.0's RequestLifecycleMetric dumped with
 * `model_dump(mode="json", exclude_unset=True, exclude_none=True)` (circuit_breaker/simple_breaker.py:47;
 * apis/base.py:95-108 and 41-56; client/modelserver/openai_client.py:700-748):
 *   {stage_id, scheduled_time, start_time, end_time, request_data, response_data?,
 *    info: {request_metrics: {text: {input_tokens}}, response_metrics?: {output_tokens, server_usage?, …},
 *           extra_info: {}, lora_adapter?, retries_attempted: 0, retries_recovered: false},
 *    error?: {error_type, error_msg}}
 * Keys whose value is None are absent, so `error` exists only on a failure: `error.error_type == 'TimeoutError'`
 * (0.7.0's example) or `error` alone matches failures. Times in seconds of the sending process's monotonic clock.
 * Built without the run's tokenizer (the breaker runs while the load runs): output_tokens is the server's
 * completion_tokens, else the content chunks. Pure.
 */
import { toInferencePerfRequest } from "../report/inference-perf-request.ts";
import { inferencePerfRequestData } from "../report/per-request-entries.ts";
import type { ScenarioRecord } from "../types.ts";

const withoutNulls = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function breakerMetricDoc(rec: ScenarioRecord, o: { streaming: boolean; body?: string; loraAdapter?: string | null }): Record<string, unknown> {
  const ip = toInferencePerfRequest(rec, { streaming: o.streaming });
  const info: Record<string, unknown> = {
    request_metrics: { text: { input_tokens: ip.inputTokens } },
    ...(ip.responseMetrics ? { response_metrics: withoutNulls(ip.responseMetrics as unknown as Record<string, unknown>) } : {}),
    extra_info: {},
    ...(o.loraAdapter && ip.error === null ? { lora_adapter: o.loraAdapter } : {}), // a failure's info is the empty default
    retries_attempted: 0,
    retries_recovered: false,
  };
  return withoutNulls({
    stage_id: rec.stage,
    scheduled_time: ip.scheduledS,
    start_time: ip.startS,
    end_time: ip.endS,
    request_data: o.body === undefined ? null : inferencePerfRequestData(o.body),
    response_data: ip.response,
    info,
    error: ip.error,
  });
}
