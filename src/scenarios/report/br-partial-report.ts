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
 * retokenizeChunks only when a tokenizer is configured and one of those reports was built (for a StageState: fold
 * it with that view). Built from the stage's StageState (stage-state.ts); mean and stddev are numpy's pairwise
 * sums over the samples in the order folded, so a merged state (shards appended) can differ from one process's
 * fold in the last bits of those two; every other number is the same. Pure.
 */
import type { ScenarioRecord } from "../types.ts";
import { brScalarStatistics, brStatisticsOfSamples, type BrStatistics } from "./br-statistics.ts";
import type { BrRun } from "./br-run-time.ts";
import { foldContextOf, foldStageState, stageStateOptionsOf } from "./build-lifecycle-report.ts";
import type { LifecycleMetricOptions } from "./lifecycle-metrics.ts";
import type { LifecycleState } from "./lifecycle-state.ts";
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
  const state = foldStageState(records, stageStateOptionsOf({ ...opts, maxErrorMessages: 0, goodput: null }), foldContextOf(opts));
  return buildBrAggregateFromState(state.core);
}

/** adapter.py `_build_aggregate` from a stage's state (folded with the BR view: see the file comment). */
export function buildBrAggregateFromState(s: LifecycleState): BrAggregate {
  const ok = s.successes;
  const windowS = s.count === 0 ? 0 : s.maxEndEpochMs / 1000 - s.minSendEpochMs / 1000;
  let throughput: BrAggregate["throughput"];
  if (ok.count > 0 && windowS > 0) {
    const inputTokens = ok.promptTokens.total;
    const outputTokens = ok.effectiveOutputTotal;
    throughput = {
      input_token_rate: brScalarStatistics(inputTokens / windowS, "tokens/s"),
      output_token_rate: brScalarStatistics(outputTokens / windowS, "tokens/s"),
      total_token_rate: brScalarStatistics((inputTokens + outputTokens) / windowS, "tokens/s"),
      request_rate: brScalarStatistics(ok.count / windowS, "queries/s"),
    };
  }

  return definedOnly<BrAggregate>({
    requests: definedOnly<BrAggregate["requests"]>({
      total: s.count,
      failures: s.failures.count,
      input_length: brStatisticsOfSamples(ok.promptTokens.perRequest, "count"),
      // Without use_server_output_tokens the effective count is the client's: output_len's very values.
      output_length: brStatisticsOfSamples(ok.brOutputLength ?? ok.outputLen, "count"),
    }),
    latency: definedOnly<BrAggregate["latency"]>({
      time_to_first_token: brStatisticsOfSamples(ok.ttftS, "s"),
      normalized_time_per_output_token: brStatisticsOfSamples(ok.brNtpotS, "s/token"),
      time_per_output_token: brStatisticsOfSamples(ok.tpotS, "s/token"),
      inter_token_latency: brStatisticsOfSamples(ok.itlS, "s/token"),
      request_latency: brStatisticsOfSamples(ok.requestLatencyS, "s"),
    }),
    throughput,
  });
}

/** partial_report.py `build_partial_report` for one stage's records. */
export function buildBrPartialReport(records: readonly ScenarioRecord[], run: BrRun, opts: LifecycleMetricOptions): BrPartialReport {
  const state = foldStageState(records, stageStateOptionsOf({ ...opts, maxErrorMessages: 0, goodput: null }), foldContextOf(opts));
  return buildBrPartialReportFromState(state.core, run);
}

/** partial_report.py `build_partial_report` for one stage's state. */
export function buildBrPartialReportFromState(s: LifecycleState, run: BrRun): BrPartialReport {
  return { version: BR_VERSION, run, results: s.count === 0 ? {} : { request_performance: { aggregate: buildBrAggregateFromState(s) } } };
}

/** Which numbers of the partial are Python ints: the request counts; every statistic is a float. */
export const brPartialNumberType: NumberTypeOf = (path) => {
  const key = path[path.length - 1];
  return path[path.length - 2] === "requests" && (key === "total" || key === "failures") ? "int" : "float";
};
