/**
 * The llm-d Benchmark Report v0.2 document kneepoint exports (llm-d/llm-d-benchmark
 * llmdbenchmark/analysis/benchmark_report/schema_v0_2.py, schema_v0_2_1.py and schema_v0_2_components.py, as
 * vendored by inference-perf 0.7.0 under inference_perf/reportgen/br/v0_2/): one document per sweep step or
 * scenario stage, the way llm-d-benchmark writes one report per result file; the schema's root is one report, so
 * several are a YAML stream or a JSON array (render-br.ts). Version "0.2.1" (BR_VERSION), what 0.7.0 writes and
 * validates against (v0.2.1 only adds optional multimodal fields: every v0.2 document is a v0.2.1 one).
 *
 * The serving component is `kind: generic`, never `inference_engine`: that kind requires `replicas` and
 * `accelerator.count`, which kneepoint does not record for a local run, and the report must not invent them.
 * Generic allows extra keys, so the model and (when recorded) the accelerator ride along in inference_engine's
 * shape. Pure.
 */
import { createHash } from "node:crypto";
import { BR_VERSION, type BrAggregate } from "../scenarios/report/br-partial-report.ts";
import type { BrStatistics, BrUnits } from "../scenarios/report/br-statistics.ts";
import type { BrRun } from "../scenarios/report/br-run-time.ts";

export { BR_VERSION };

/** Units the export uses beyond the partials' (schema base.py `Units`). */
export type ExportUnits = BrUnits | "fraction" | "percent";
export type ExportStatistics = Omit<BrStatistics, "units"> & { units: ExportUnits };

export interface SequenceLength {
  distribution: "fixed" | "gaussian" | "uniform" | "other";
  value: number;
  std_dev?: number;
  min?: number;
  max?: number;
}

export interface BrComponent {
  metadata: { schema_version: string; label: string; cfg_id: string; description?: string };
  standardized: { kind: "generic"; tool: string; tool_version: string } & Record<string, unknown>;
  native: { args?: Record<string, unknown>; config?: unknown };
}

export interface BrLoad {
  metadata: { schema_version: string; description: string };
  standardized: {
    tool: string;
    tool_version: string;
    source: "random" | "sampled" | "unknown";
    stage: number;
    input_seq_len: SequenceLength;
    output_seq_len?: SequenceLength;
    prefix?: { prefix_len: SequenceLength; num_groups: number; num_users_per_group: number; num_prefixes: number };
    rate_qps?: number;
    concurrency?: number;
  };
  native: { config?: unknown };
}

export interface BrComponentObservability {
  component_label: string;
  aggregate?: Partial<Record<"kv_cache_usage" | "gpu_utilization" | "running_requests" | "waiting_requests", ExportStatistics>>;
}

export interface BrObservability {
  components?: BrComponentObservability[];
  /** Observability allows extra keys: step peaks that have no mean, so no `Statistics`, go here. */
  kneepoint_step_peaks?: Record<string, unknown>;
}

export interface BrDocument {
  version: string;
  run: BrRun & { description?: string; keywords?: string[] };
  scenario: { stack: BrComponent[]; load: BrLoad };
  results: { request_performance?: { aggregate: BrAggregate | SweepAggregate }; observability?: BrObservability };
}

/** A sweep step's aggregate: the same blocks, each statistic only as complete as vLLM's keys. */
export type SweepAggregate = {
  requests: { total: number; failures: number; input_length?: ExportStatistics; output_length?: ExportStatistics };
  latency: Partial<Record<keyof BrAggregate["latency"], ExportStatistics>>;
  throughput?: Partial<Record<keyof NonNullable<BrAggregate["throughput"]>, ExportStatistics>>;
};

/** What kneepoint recorded about the server; null where it did not. */
export interface ServingFacts {
  model: string | null;
  /** `GET /version` of the target (the simulator answers with the vLLM version it emulates). */
  serverVersion: string | null;
  /** "kneepoint-sim 0.1.0" when the target was kneepoint's simulator. */
  simulator: string | null;
  simulatorProfile: string | null;
  /** GPU model and count, only when recorded. */
  accelerator: { model: string; count: number } | null;
}

/** A component's configuration hash, as the schema's `cfg_id` asks: 16 hex digits of sha256 of its JSON. */
export function cfgIdOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** The one serving component: vLLM (version known), kneepoint's simulator, or an OpenAI-compatible server. */
export function servingComponent(facts: ServingFacts): BrComponent {
  let standardized: BrComponent["standardized"];
  let label: string;
  if (facts.simulator) {
    const [tool, version] = facts.simulator.split(/\s+/, 2);
    label = tool ?? "kneepoint-sim";
    standardized = { kind: "generic", tool: label, tool_version: version ?? "unknown", simulated: true };
    if (facts.simulatorProfile) standardized.profile = facts.simulatorProfile;
    if (facts.serverVersion) standardized.emulates = `vllm ${facts.serverVersion}`;
  } else if (facts.serverVersion) {
    label = "vllm";
    standardized = { kind: "generic", tool: "vllm", tool_version: facts.serverVersion };
  } else {
    label = "openai-compatible-server";
    standardized = { kind: "generic", tool: "openai-compatible", tool_version: "unknown" };
  }
  if (facts.model) standardized.model = { name: facts.model };
  if (facts.accelerator) standardized.accelerator = { model: facts.accelerator.model, count: facts.accelerator.count };
  return { metadata: { schema_version: "0.0.1", label, cfg_id: cfgIdOf(standardized) }, standardized, native: {} };
}

/** inference-perf's length distribution as BR's: fixed (min = max, type fixed, or no spread), uniform, or gaussian (normal) with its bounds. */
export function sequenceLength(d: { type?: string | null; mean: number; std_dev?: number | null; min?: number | null; max?: number | null }): SequenceLength {
  const uniform = d.type === "uniform";
  const fixed = d.type === "fixed" || (d.min !== undefined && d.min !== null && d.min === d.max) || (!uniform && !d.std_dev);
  if (fixed) return { distribution: "fixed", value: d.mean };
  const out: SequenceLength = uniform ? { distribution: "uniform", value: d.mean } : { distribution: "gaussian", value: d.mean, std_dev: d.std_dev ?? 0 };
  if (typeof d.min === "number") out.min = Math.max(0, Math.round(d.min));
  if (typeof d.max === "number" && d.max >= 1) out.max = Math.round(d.max);
  return out;
}
