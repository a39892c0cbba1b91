/**
 * inference-perf 0.7.0's slice of an llm-d Benchmark Report v0.2.1 for one stage, the document of
 * `inference-perf.partial.stage_<N>.yaml` (kubernetes-sigs/inference-perf inference_perf/reportgen/br/v0_2/
 * partial_report.py `build_partial_report`, adapter.py `build_results`; key order of schema_v0_2.py and
 * schema_v0_2_1.py, None left out):
 *
 *   version: 0.2.1
 *   run: {uid, eid, time: {start, end, duration}}                                  (br-run-time.ts)
 *   results.request_performance.aggregate:
 *     requests:   total, failures (ints), input_length, output_length (counts)
 *     latency:    time_to_first_token (s), normalized_time_per_output_token, time_per_output_token,
 *                 inter_token_latency (s/token), request_latency (s)          ({} when nothing succeeded)
 *     throughput: input_token_rate, output_token_rate, total_token_rate (tokens/s), request_rate (queries/s),
 *                 each {units, mean}; left out when nothing succeeded or the window is 0
 *
 * From the same per-request view as every other inference-perf file kneepoint writes (inference-perf-request.ts,
 * lifecycle-metrics.ts), over the stage's requests in their order:
 *  - input_length: info.input_tokens of each success; output_length: the effective output count of each success
 *    that has response metrics (0 included);
 *  - request_latency of every success; TTFT and ITL gaps of the successes with more than one token time; TPOT of
 *    those whose effective count is > 1; NTPOT of the successes with an effective count > 0 (no 0 folded in,
 *    unlike the lifecycle report's NTPOT);
 *  - rates over the window max(end) − min(start) of ALL the stage's requests, failures included, counting only
 *    the successes' tokens and requests.
 * Token times are re-tokenized exactly when the caller says so: inference-perf's adapter reads the token times
 * its summary / per-stage reports left behind (mutated by `correct_streamed_response_metrics`), so pass
 * retokenizeChunks only when a tokenizer is configured and one of those reports was built. Pure.
 */
import type { ScenarioRecord } from "../types.ts";
import { brScalarStatistics, brStatistics, type BrStatistics } from "./br-statistics.ts";
import type { BrRun } from "./br-run-time.ts";
import { toInferencePerfRequest } from "./inference-perf-request.ts";
import { effectiveOutputTokens, lifecycleMetricsOf, type LifecycleMetricOptions } from "./lifecycle-metrics.ts";
import type { NumberTypeOf } from "./python-json.ts";

/** schema_v0_2_1.py VERSION: what 0.7.0 writes (and its validation expects). */
export const BR_VERSION = "0.2.1";

export interface BrAggregate {
  requests: { total: number; failures: number; input_length?: BrStatistics; output_length?: BrStatistics };
  latency: Partial<Record<"time_to_first_token" | "normalized_time_per_output_token" | "time_per_output_token" | "inter_token_latency" | "request_latency", BrStatistics>>;
  throughput?: Record<"input_token_rate" | "output_token_rate" | "total_token_rate" | "request_rate", BrStatistics>;
}

export interface BrPartialReport {
  version: string;
  run: BrRun;
  results: { request_performance?: { aggregate: BrAggregate } };
}

/** Keys of `obj` whose value is null or undefined left out (pydantic exclude_none), order kept. */
function definedOnly<T extends object>(obj: { [K in keyof T]: T[K] | null | undefined }): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** adapter.py `_build_aggregate`. `records` is not empty. */
export function buildBrAggregate(records: readonly ScenarioRecord[], opts: LifecycleMetricOptions): BrAggregate {
  const requests = records.map((r) => toInferencePerfRequest(r, opts));
  const successes = requests.filter((ip) => ip.error === null);
  const metrics = successes.map((ip) => lifecycleMetricsOf(ip, opts.useServerOutputTokens)!);

  const inputLengths = metrics.map((m) => m.inputTokens);
  const outputLengths = successes.filter((ip) => ip.responseMetrics !== null).map((ip) => effectiveOutputTokens(ip, opts.useServerOutputTokens));
  const ttft: number[] = [];
  const tpot: number[] = [];
  const itl: number[] = [];
  const ntpot: number[] = [];
  for (const m of metrics) {
    if (m.effectiveOutputTokens > 0) ntpot.push(m.ntpotS);
    if (m.ttftS !== null) ttft.push(m.ttftS);
    if (m.tpotS !== null) tpot.push(m.tpotS);
    itl.push(...m.itlDeltasS);
  }

  let firstStartS = Infinity;
  let lastEndS = -Infinity;
  for (const ip of requests) {
    if (ip.startS < firstStartS) firstStartS = ip.startS;
    if (ip.endS > lastEndS) lastEndS = ip.endS;
  }
  const windowS = requests.length === 0 ? 0 : lastEndS - firstStartS;
  let throughput: BrAggregate["throughput"];
  if (successes.length > 0 && windowS > 0) {
    const inputTokens = inputLengths.reduce((a, b) => a + b, 0);
    const outputTokens = metrics.reduce((a, m) => a + m.effectiveOutputTokens, 0);
    throughput = {
      input_token_rate: brScalarStatistics(inputTokens / windowS, "tokens/s"),
      output_token_rate: brScalarStatistics(outputTokens / windowS, "tokens/s"),
      total_token_rate: brScalarStatistics((inputTokens + outputTokens) / windowS, "tokens/s"),
      request_rate: brScalarStatistics(successes.length / windowS, "queries/s"),
    };
  }

  return definedOnly<BrAggregate>({
    requests: definedOnly<BrAggregate["requests"]>({
      total: requests.length,
      failures: requests.length - successes.length,
      input_length: brStatistics(inputLengths, "count"),
      output_length: brStatistics(outputLengths, "count"),
    }),
    latency: definedOnly<BrAggregate["latency"]>({
      time_to_first_token: brStatistics(ttft, "s"),
      normalized_time_per_output_token: brStatistics(ntpot, "s/token"),
      time_per_output_token: brStatistics(tpot, "s/token"),
      inter_token_latency: brStatistics(itl, "s/token"),
      request_latency: brStatistics(metrics.map((m) => m.requestLatencyS), "s"),
    }),
    throughput,
  });
}

/** partial_report.py `build_partial_report` for one stage's records. */
export function buildBrPartialReport(records: readonly ScenarioRecord[], run: BrRun, opts: LifecycleMetricOptions): BrPartialReport {
  return {
    version: BR_VERSION,
    run,
    results: records.length === 0 ? {} : { request_performance: { aggregate: buildBrAggregate(records, opts) } },
  };
}

/** Which numbers of the partial are Python ints: the request counts; every statistic is a float. */
export const brPartialNumberType: NumberTypeOf = (path) => {
  const key = path[path.length - 1];
  return path[path.length - 2] === "requests" && (key === "total" || key === "failures") ? "int" : "float";
};
