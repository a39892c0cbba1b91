/**
 * A sweep run (results/<runId>/) as llm-d Benchmark Reports v0.2: one document per concurrency step.
 * The numbers are the step JSON's (vllm bench serve's keys, kneepoint's formulas), converted to the units
 * inference-perf's partials use, so a sweep and a scenario export compare directly:
 *   latency   TTFT ← *_ttft_ms, request_latency ← *_e2el_ms (ms → s); TPOT ← *_tpot_ms, ITL ← *_itl_ms
 *             (ms → s/token); mean ← mean_, stddev ← std_ (vLLM's np.std, population), pXX ← pXX_ (median_ when
 *             p50_ is absent); min/max and the other BR percentiles are absent (a step JSON does not hold them).
 *             NTPOT is absent: vLLM's keys have no such metric.
 *   requests  total = completed + failed, failures = failed; input/output_length = {count, mean} of the
 *             successes (total tokens / completed).
 *   throughput request_rate ← request_throughput, output_token_rate ← output_throughput, total_token_rate ←
 *             total_token_throughput, input_token_rate = total_input_tokens / duration; each {units, mean}.
 *   load      closed loop: concurrency N, no rate; kneepoint as the tool; fixed input length; the output length
 *             only when ignore_eos enforced it.
 *   observability  the step's server-metric peaks (analysis.json): max and p90 only, no mean, so not the schema's
 *             `Statistics`; they go under `kneepoint_step_peaks` (Observability allows extra keys).
 * Pure.
 */
import { BR_PERCENTILES } from "../scenarios/report/br-statistics.ts";
import { brRunTime } from "../scenarios/report/br-run-time.ts";
import { percentileKey, type LatencyMetric } from "../metrics/step-result-keys.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { BR_VERSION, servingComponent, type BrDocument, type BrLoad, type ExportStatistics, type ServingFacts, type SweepAggregate } from "./br-document.ts";

export interface SweepExportInput {
  runId: string;
  harnessVersion: string;
  serving: ServingFacts;
  /** config.json as written (already redacted), or null. */
  config: { inputLen?: number; outputLen?: number; endpoint?: string; ignoreEos?: boolean } & Record<string, unknown> | null;
  steps: ReadonlyArray<{ concurrency: number; partial: boolean; step: StepSummary; peaks: StepPeaks | null }>;
}

type StepRecord = Record<string, unknown>;

function num(step: StepRecord, key: string): number | undefined {
  const v = step[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** One latency metric from vLLM's ms keys, in seconds. */
export function latencyFromVllm(step: StepRecord, metric: LatencyMetric, units: "s" | "s/token"): ExportStatistics | undefined {
  const mean = num(step, `mean_${metric}_ms`);
  if (mean === undefined) return undefined;
  const s: ExportStatistics = { units, mean: mean / 1000 };
  const std = num(step, `std_${metric}_ms`);
  if (std !== undefined) s.stddev = std / 1000;
  for (const [key, p] of BR_PERCENTILES) {
    const v = num(step, percentileKey(metric, p)) ?? (p === 50 ? num(step, `median_${metric}_ms`) : undefined);
    if (v !== undefined) s[key] = v / 1000;
  }
  return s;
}

function rate(value: number | undefined, units: "tokens/s" | "queries/s"): ExportStatistics | undefined {
  return value === undefined ? undefined : { units, mean: value };
}

function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function sweepAggregate(summary: StepSummary): SweepAggregate {
  const step = summary as unknown as StepRecord;
  const completed = summary.completed;
  const failed = num(step, "failed") ?? 0;
  const inputTokens = num(step, "total_input_tokens");
  const outputTokens = num(step, "total_output_tokens");
  const perRequest = (total: number | undefined): ExportStatistics | undefined => (total === undefined || completed === 0 ? undefined : { units: "count", mean: total / completed });
  const latency = completed === 0 ? {} : defined({
    time_to_first_token: latencyFromVllm(step, "ttft", "s"),
    time_per_output_token: latencyFromVllm(step, "tpot", "s/token"),
    inter_token_latency: latencyFromVllm(step, "itl", "s/token"),
    request_latency: latencyFromVllm(step, "e2el", "s"),
  });
  const throughput = completed === 0 || !(summary.duration > 0) ? undefined : defined({
    input_token_rate: rate(inputTokens === undefined ? undefined : inputTokens / summary.duration, "tokens/s"),
    output_token_rate: rate(num(step, "output_throughput"), "tokens/s"),
    total_token_rate: rate(num(step, "total_token_throughput"), "tokens/s"),
    request_rate: rate(num(step, "request_throughput"), "queries/s"),
  });
  return defined({
    requests: defined({ total: completed + failed, failures: failed, input_length: perRequest(inputTokens), output_length: perRequest(outputTokens) }),
    latency,
    throughput,
  });
}

/** The peaks that were recorded, keyed with their units; null when none was. */
export function stepPeaksBlock(peaks: StepPeaks | null, componentLabel: string): Record<string, unknown> | null {
  if (!peaks) return null;
  const values = defined({
    kv_cache_usage_percent_max: peaks.kvCachePctMax ?? undefined,
    kv_cache_usage_percent_p90: peaks.kvCachePctP90 ?? undefined,
    running_requests_max: peaks.runningMax ?? undefined,
    waiting_requests_max: peaks.waitingMax ?? undefined,
    waiting_requests_p90: peaks.waitingP90 ?? undefined,
    gpu_utilization_percent_max: peaks.gpuUtilPctMax ?? undefined,
    gpu_utilization_percent_p90: peaks.gpuUtilPctP90 ?? undefined,
    power_watts_max: peaks.powerWMax ?? undefined,
    preemptions: peaks.preemptions ?? undefined,
  });
  if (Object.keys(values).length === 0) return null;
  return { component_label: componentLabel, window: "the step's wall-clock window", samples: peaks.samples, under_sampled: peaks.underSampled, ...values };
}

function sweepLoad(input: SweepExportInput, concurrency: number, stage: number, requests: number): BrLoad {
  const c = input.config ?? {};
  const shape = c.inputLen !== undefined && c.outputLen !== undefined ? `, ${c.inputLen} in / ${c.outputLen} out tokens${c.ignoreEos === false ? " (output may stop early)" : ""}` : "";
  const standardized: BrLoad["standardized"] = {
    tool: "kneepoint",
    tool_version: input.harnessVersion,
    source: "random",
    stage,
    input_seq_len: c.inputLen !== undefined ? { distribution: "fixed", value: c.inputLen } : { distribution: "other", value: 0 },
    concurrency,
  };
  if (c.outputLen !== undefined && c.ignoreEos !== false) standardized.output_seq_len = { distribution: "fixed", value: c.outputLen };
  return {
    metadata: { schema_version: "0.0.1", description: `closed loop at concurrency ${concurrency}: ${requests} requests${shape}${c.endpoint ? `, ${c.endpoint}` : ""}` },
    standardized,
    native: input.config ? { config: input.config } : {},
  };
}

export function sweepToBr(input: SweepExportInput): BrDocument[] {
  const server = servingComponent(input.serving);
  return input.steps.map(({ concurrency, partial, step, peaks }, stage) => {
    const aggregate = sweepAggregate(step);
    const started = (step as unknown as StepRecord).started_at_ms;
    const ended = (step as unknown as StepRecord).ended_at_ms;
    const time = typeof started === "number" && typeof ended === "number" ? { time: brRunTime(started, ended) } : {};
    const peaksBlock = stepPeaksBlock(peaks, server.metadata.label);
    const keywords = ["kneepoint", "sweep", "closed-loop", ...(input.serving.simulator ? ["simulated"] : []), ...(partial ? ["partial"] : [])];
    return {
      version: BR_VERSION,
      run: {
        uid: `kneepoint-${input.runId}-c${concurrency}`,
        eid: `kneepoint-${input.runId}`,
        ...time,
        description: `kneepoint sweep ${input.runId}, step c=${concurrency}${partial ? " (partial: the step was interrupted)" : ""}`,
        keywords,
      },
      scenario: { stack: [server], load: sweepLoad(input, concurrency, stage, aggregate.requests.total) },
      results: {
        request_performance: { aggregate },
        ...(peaksBlock ? { observability: { kneepoint_step_peaks: peaksBlock } } : {}),
      },
    };
  });
}
