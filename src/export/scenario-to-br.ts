/**
 * A scenario report directory (`kneepoint run`) as llm-d Benchmark Reports v0.2: one document per stage, built
 * on the stage's BR partial (`inference-perf.partial.stage_<N>.yaml`, inference-perf 0.7.0's slice: version, run,
 * results.request_performance), with what a partial leaves to "a downstream composer" filled from what kneepoint
 * recorded — the llm-d way of composing a report:
 *   scenario.stack  the serving component (kneepoint_run.json: served model, server version; br-document.ts);
 *   scenario.load   kneepoint as the tool; the stage's requested rate (stage_N_lifecycle_metrics.json
 *                   load_summary.requested_rate) as rate_qps for constant/poisson loads, concurrency_level for
 *                   `concurrent`; lengths from config.yaml's data block; the config (secrets redacted) as native;
 *   results.observability  KV cache usage (vLLM's fraction), running and waiting requests over the stage's
 *                   window, from server_metrics_timeseries.json, as full `Statistics` (br-statistics.ts).
 * The partial's own blocks are kept as they are: their numbers are 0.7.0's, byte for byte. Pure.
 */
import { brStatistics } from "../scenarios/report/br-statistics.ts";
import type { BrPartialReport } from "../scenarios/report/br-partial-report.ts";
import { servingComponent, sequenceLength, type BrComponentObservability, type BrDocument, type BrLoad, type ExportStatistics, type ServingFacts } from "./br-document.ts";

export interface SeriesSample {
  t_epoch_s: number;
  kv_cache_usage_perc?: number | null;
  num_requests_waiting?: number | null;
  num_requests_running?: number | null;
}

export interface ScenarioExportInput {
  harnessVersion: string;
  serving: ServingFacts;
  /** config.yaml, parsed. */
  config: Record<string, unknown>;
  stages: ReadonlyArray<{ stage: number; partial: BrPartialReport; requestedRate: number | null }>;
  series: readonly SeriesSample[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const numOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** config.yaml without what must not leave the machine: the API key and header values. */
export function redactScenarioConfig(config: Obj): Obj {
  const out = structuredClone(config);
  for (const block of [obj(out.server), obj(out.api)]) {
    if (block.api_key !== undefined && block.api_key !== null) block.api_key = "[redacted]";
    const headers = obj(block.headers);
    for (const k of Object.keys(headers)) headers[k] = "[redacted]";
  }
  return out;
}

function distributionOf(d: unknown): ReturnType<typeof sequenceLength> | undefined {
  const o = obj(d);
  const mean = numOrNull(o.mean);
  return mean === null ? undefined : sequenceLength({ type: typeof o.type === "string" ? o.type : null, mean, std_dev: numOrNull(o.std_dev), min: numOrNull(o.min), max: numOrNull(o.max) });
}

export function scenarioLoad(input: ScenarioExportInput, stage: number, requestedRate: number | null, measuredInputMean: number | undefined): BrLoad {
  const data = obj(input.config.data);
  const load = obj(input.config.load);
  const loadType = typeof load.type === "string" ? load.type : "constant";
  const dataType = typeof data.type === "string" ? data.type : "mock";
  const ignoreEos = obj(input.config.server).ignore_eos === true;
  const sp = obj(data.shared_prefix);
  const standardized: BrLoad["standardized"] = {
    tool: "kneepoint",
    tool_version: input.harnessVersion,
    source: dataType === "random" || dataType === "shared_prefix" ? "random" : dataType === "mock" ? "unknown" : "sampled",
    stage,
    input_seq_len: distributionOf(data.input_distribution) ?? { distribution: "other", value: measuredInputMean ?? 0 },
  };
  const output = distributionOf(data.output_distribution);
  if (output && ignoreEos) standardized.output_seq_len = output;
  if (dataType === "shared_prefix" && numOrNull(sp.system_prompt_len) !== null) {
    const groups = numOrNull(sp.num_groups) ?? 1;
    const perGroup = numOrNull(sp.num_prompts_per_group) ?? 1;
    standardized.prefix = { prefix_len: { distribution: "fixed", value: numOrNull(sp.system_prompt_len)! }, num_groups: groups, num_users_per_group: perGroup, num_prefixes: 1 };
    const q = numOrNull(sp.question_len);
    if (q !== null && !obj(data).input_distribution) standardized.input_seq_len = { distribution: "fixed", value: q };
    const o = numOrNull(sp.output_len);
    if (o !== null && ignoreEos && !standardized.output_seq_len) standardized.output_seq_len = { distribution: "fixed", value: o };
  }
  let description: string;
  const stageCfg = obj(Array.isArray(load.stages) ? load.stages[stage] : undefined);
  const concurrency = numOrNull(stageCfg.concurrency_level);
  if (loadType === "concurrent" && concurrency !== null) {
    standardized.concurrency = concurrency;
    description = `closed loop at concurrency ${concurrency}`;
  } else if (requestedRate !== null && requestedRate > 0) {
    standardized.rate_qps = requestedRate;
    description = `open loop (${loadType}) at ${requestedRate} requests/s`;
  } else {
    description = `${loadType} load`;
  }
  const shape = standardized.output_seq_len
    ? `${standardized.input_seq_len.value} in / ${standardized.output_seq_len.value} out tokens`
    : `${standardized.input_seq_len.value} in tokens, output not enforced`;
  return {
    metadata: { schema_version: "0.0.1", description: `${description}, ${dataType} data, ${shape}` },
    standardized,
    native: { config: redactScenarioConfig(input.config) },
  };
}

function stat(values: number[], units: ExportStatistics["units"]): ExportStatistics | undefined {
  const s = brStatistics(values, "count");
  return s ? { ...s, units } : undefined;
}

/** The server series inside [startS, endS], as Statistics; null when no sample falls in the window. */
export function stageObservability(series: readonly SeriesSample[], startS: number, endS: number, label: string): BrComponentObservability | null {
  const inWindow = series.filter((s) => s.t_epoch_s >= startS && s.t_epoch_s <= endS);
  const pick = (k: keyof SeriesSample) => inWindow.map((s) => s[k]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const aggregate = Object.fromEntries(
    Object.entries({
      kv_cache_usage: stat(pick("kv_cache_usage_perc"), "fraction"),
      running_requests: stat(pick("num_requests_running"), "count"),
      waiting_requests: stat(pick("num_requests_waiting"), "count"),
    }).filter(([, v]) => v !== undefined),
  );
  return Object.keys(aggregate).length === 0 ? null : { component_label: label, aggregate };
}

export function scenarioToBr(input: ScenarioExportInput): BrDocument[] {
  const server = servingComponent(input.serving);
  return input.stages.map(({ stage, partial, requestedRate }) => {
    const aggregate = partial.results.request_performance?.aggregate;
    const load = scenarioLoad(input, stage, requestedRate, aggregate?.requests.input_length?.mean);
    const t = partial.run.time;
    const observed = t ? stageObservability(input.series, Date.parse(t.start) / 1000, Date.parse(t.end) / 1000, server.metadata.label) : null;
    const keywords = ["kneepoint", "scenario", ...(input.serving.simulator ? ["simulated"] : [])];
    return {
      version: partial.version,
      run: { ...partial.run, description: `kneepoint run, stage ${stage}: ${load.metadata.description}`, keywords },
      scenario: { stack: [server], load },
      results: { ...partial.results, ...(observed ? { observability: { components: [observed] } } : {}) },
    };
  });
}
