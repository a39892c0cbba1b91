/**
 * One request's latencies as inference-perf defines them (kubernetes-sigs/inference-perf 0.7.0
 * inference_perf/reportgen/base.py `compute_request_latency_metrics`, `effective_output_tokens`), in seconds,
 * from the inference-perf view of a record (inference-perf-request.ts: which requests succeed, which chunks are
 * token times, what the output count is). Where inference-perf and vLLM (DESIGN.md §3, src/metrics/) differ,
 * inference-perf wins here, because these numbers go into inference-perf's files under its key names:
 *
 *  - request_latency = end − start (the whole response, usage chunk and `[DONE]` included). vLLM's E2EL stops
 *    at the last token-bearing chunk.
 *  - TTFT, TPOT and ITL exist only for a streamed request with MORE than one token time; a 1-token or
 *    non-streamed answer has none. TTFT = first token time − start.
 *  - TPOT = (last token time − first token time) / (effective output tokens − 1), when that count is > 1.
 *  - ITL: every gap between consecutive token times (zero gaps inside a re-tokenized chunk included); the
 *    request's own `inter_token_latency` is their mean (what a goodput `itl` constraint tests).
 *  - effective output tokens: the client's count (`response_metrics.output_tokens`) by default,
 *    `usage.completion_tokens` (or `output_tokens`) with `use_server_output_tokens`; 0 without response metrics.
 *  - NTPOT = request_latency / effective output tokens (0 when there are none).
 */
import type { ScenarioRecord } from "../types.ts";
import { SERVER_OUTPUT_TOKEN_KEYS, serverReportedTokens, toInferencePerfRequest, type InferencePerfRequest, type InferencePerfRequestOptions } from "./inference-perf-request.ts";

export interface LifecycleMetrics {
  requestLatencyS: number;
  /** request_latency / effective output tokens; 0 when there are no output tokens. */
  ntpotS: number;
  ttftS: number | null;
  tpotS: number | null;
  /** Mean of this request's ITL deltas (what a goodput `itl` constraint tests). */
  itlMeanS: number | null;
  itlDeltasS: number[];
  inputTokens: number;
  /** `response_metrics.output_tokens`, or null when the request has no response metrics. */
  clientOutputTokens: number | null;
  /** The server's output count (`usage.completion_tokens` / `output_tokens`), or null when it sent none. */
  serverOutputTokens: number | null;
  /** What TPOT, NTPOT, throughput and token goodput divide by (see use_server_output_tokens). */
  effectiveOutputTokens: number;
}

export interface LifecycleMetricOptions extends InferencePerfRequestOptions {
  useServerOutputTokens: boolean;
}

/** inference-perf `effective_output_tokens`. */
export function effectiveOutputTokens(ip: InferencePerfRequest, useServerOutputTokens: boolean): number {
  const rm = ip.responseMetrics;
  if (rm === null) return 0;
  if (useServerOutputTokens) {
    const server = serverReportedTokens(rm.server_usage, SERVER_OUTPUT_TOKEN_KEYS);
    if (server !== null) return Math.trunc(server);
  }
  return rm.output_tokens;
}

/** Request latency in seconds of any record, success or failure (inference-perf `end_time − start_time`). */
export function requestLatencyS(rec: ScenarioRecord): number {
  return (rec.endMs - rec.sendMs) / 1000;
}

/** The latencies of one request inference-perf counts a success, or null for a failure. */
export function lifecycleMetricsOf(ip: InferencePerfRequest, useServerOutputTokens: boolean): LifecycleMetrics | null {
  if (ip.error !== null) return null;
  const latencyS = ip.endS - ip.startS;
  const effective = effectiveOutputTokens(ip, useServerOutputTokens);
  const times = ip.outputTokenTimesS;

  let ttftS: number | null = null;
  let tpotS: number | null = null;
  let itlMeanS: number | null = null;
  const itlDeltasS: number[] = [];
  if (times !== null && times.length > 1) {
    const first = times[0] as number;
    const last = times[times.length - 1] as number;
    ttftS = first - ip.startS;
    if (effective > 1) tpotS = (last - first) / (effective - 1);
    let sum = 0;
    for (let i = 1; i < times.length; i++) {
      const d = (times[i] as number) - (times[i - 1] as number);
      itlDeltasS.push(d);
      sum += d;
    }
    itlMeanS = sum / itlDeltasS.length;
  }

  return {
    requestLatencyS: latencyS,
    ntpotS: effective > 0 ? latencyS / effective : 0,
    ttftS,
    tpotS,
    itlMeanS,
    itlDeltasS,
    inputTokens: ip.inputTokens,
    clientOutputTokens: ip.responseMetrics?.output_tokens ?? null,
    serverOutputTokens: serverReportedTokens(ip.responseMetrics?.server_usage ?? null, SERVER_OUTPUT_TOKEN_KEYS),
    effectiveOutputTokens: effective,
  };
}

/** The latencies of one record, or null when inference-perf would count it a failure. */
export function deriveLifecycleMetrics(rec: ScenarioRecord, opts: LifecycleMetricOptions): LifecycleMetrics | null {
  return lifecycleMetricsOf(toInferencePerfRequest(rec, opts), opts.useServerOutputTokens);
}
