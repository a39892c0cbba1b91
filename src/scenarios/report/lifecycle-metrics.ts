/**
 * One request's latencies as inference-perf defines them (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/base.py `compute_request_latency_metrics`, `effective_output_tokens`), in seconds,
 * from a ScenarioRecord (monotonic ms). Where inference-perf and vLLM (DESIGN.md §3, src/metrics/request-metrics.ts)
 * differ, inference-perf wins here, because these numbers go into inference-perf's files under its key names:
 *
 *  - request_latency = response end − send (inference-perf `end_time − start_time`: the whole response, usage
 *    chunk and `[DONE]` included). vLLM's E2EL stops at the last token-bearing chunk.
 *  - TTFT, TPOT and ITL exist only for a request with MORE than one token time (inference-perf: streamed and
 *    `len(output_token_times) > 1`); a 1-token or non-streamed answer has none. vLLM keeps TTFT for 1 token.
 *  - token times: inference-perf re-tokenizes each chunk's text and gives every token of a chunk the chunk's
 *    arrival time (intra-chunk ITL 0). We have no tokenizer on the response path, so the token times are the
 *    token-bearing chunk times (one token per chunk, which is what vLLM streams at --stream-interval 1). Our chat
 *    records also count vLLM's role-only opening chunk (src/engine/openai-stream-client.ts), which inference-perf
 *    skips because it carries no text: chat TTFT is the role chunk's time and the first ITL gap is its short gap
 *    to the first content chunk, as `vllm bench serve` measures.
 *  - TPOT = (last token time − first token time) / (output tokens − 1), with the EFFECTIVE output count:
 *    the client-side count by default, `usage.completion_tokens` with `use_server_output_tokens`. vLLM always
 *    divides by usage.completion_tokens, so `use_server_output_tokens: true` gives vLLM's TPOT.
 *  - NTPOT = request_latency / effective output tokens (0 when there are none). vLLM has no NTPOT.
 *  - client-side output count: inference-perf tokenizes the whole answer; ours is the number of chunks that
 *    carried text (exact at one token per chunk, low when a server packs several tokens into a chunk — the
 *    cause of inference-perf issue #364; `token_count_mismatches` counts requests where it disagrees with usage).
 *    A non-streamed answer is one chunk, so there the client count is `usage.completion_tokens` when present.
 *  - input tokens: `usage.prompt_tokens` when the server sent it, else the data generator's planned count
 *    (inference-perf: server usage, else its client-side tokenization).
 */
import { isSuccessful } from "../../metrics/request-metrics.ts";
import type { ScenarioRecord } from "../types.ts";

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
  /** The client-side count (text-bearing chunks; server usage for a non-streamed answer when present). */
  clientOutputTokens: number;
  /** `usage.completion_tokens`, or null when the server sent no usage. */
  serverOutputTokens: number | null;
  /** What TPOT, NTPOT, throughput and token goodput divide by (see use_server_output_tokens). */
  effectiveOutputTokens: number;
}

export interface LifecycleMetricOptions {
  useServerOutputTokens: boolean;
  /** false when the requests were sent with `stream: false` (api.streaming); default true. */
  streaming?: boolean;
}

export function clientOutputTokens(rec: ScenarioRecord, streaming: boolean): number {
  if (!streaming && rec.completionTokens !== null) return rec.completionTokens;
  return rec.textChunks;
}

/** inference-perf `effective_output_tokens`: the server's count when asked for and present, else the client's. */
export function effectiveOutputTokens(rec: ScenarioRecord, opts: LifecycleMetricOptions): number {
  const client = clientOutputTokens(rec, opts.streaming !== false);
  return opts.useServerOutputTokens && rec.completionTokens !== null ? rec.completionTokens : client;
}

export function inputTokens(rec: ScenarioRecord): number {
  return rec.promptTokens ?? rec.plannedPromptTokens;
}

/** Request latency in seconds of any record, success or failure (inference-perf `end_time − start_time`). */
export function requestLatencyS(rec: ScenarioRecord): number {
  return (rec.endMs - rec.sendMs) / 1000;
}

/** The latencies of one successful request, or null for a failed one (see isSuccessful). */
export function deriveLifecycleMetrics(rec: ScenarioRecord, opts: LifecycleMetricOptions): LifecycleMetrics | null {
  if (!isSuccessful(rec)) return null;
  const latencyS = requestLatencyS(rec);
  const effective = effectiveOutputTokens(rec, opts);
  const times = rec.chunkTimesMs;

  let ttftS: number | null = null;
  let tpotS: number | null = null;
  let itlMeanS: number | null = null;
  const itlDeltasS: number[] = [];
  // inference-perf: only a streamed request has token times; a non-streamed one arrives as one document.
  if (opts.streaming !== false && times.length > 1) {
    const first = times[0] as number;
    const last = times[times.length - 1] as number;
    ttftS = (first - rec.sendMs) / 1000;
    if (effective > 1) tpotS = (last - first) / 1000 / (effective - 1);
    let sum = 0;
    for (let i = 1; i < times.length; i++) {
      const d = ((times[i] as number) - (times[i - 1] as number)) / 1000;
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
    inputTokens: inputTokens(rec),
    clientOutputTokens: clientOutputTokens(rec, opts.streaming !== false),
    serverOutputTokens: rec.completionTokens,
    effectiveOutputTokens: effective,
  };
}
