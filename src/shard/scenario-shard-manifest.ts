/**
 * What `kneepoint run --shard i/N` leaves beside its inference-perf reports so `kneepoint merge` can join the
 * shards (the contract between the two; the shard's own reports stay valid for its share of the load):
 *
 *   kneepoint_shard.json            this manifest: the shard, the plan id, the UNSHARDED stage plans (trace
 *                                   offsets left out), each stage's status, client CPU and state file, and the
 *                                   report options the merged reports are built with
 *   kneepoint_stage_<N>_state.json  stage N's StageState (src/scenarios/report/stage-state-json.ts)
 *   config.yaml, kneepoint_run.json as any scenario run writes them
 *
 * All with the run's report_file_prefix, as every report file. The writer builds the manifest with
 * `scenarioShardManifest`; the merge validates it with `parseScenarioShardManifest`.
 */
import { z } from "zod";
import type { StagePlan } from "../scenarios/types.ts";

export const SCENARIO_SHARD_MANIFEST = "kneepoint_shard";
export const SCENARIO_SHARD_KIND = "kneepoint-scenario-shard";

/** File name (without the report prefix, with .json) of stage N's state in a scenario shard directory. */
export function stageStateFileName(stage: number): string {
  return `kneepoint_stage_${stage}_state.json`;
}

const rateStage = z.object({ kind: z.enum(["constant", "poisson", "trace_replay"]), rate: z.number().nonnegative(), durationS: z.number().nonnegative() });
const concurrentStage = z.object({ kind: z.literal("concurrent"), concurrency: z.number().int().positive(), numRequests: z.number().int().nonnegative() });

const manifestSchema = z.object({
  kind: z.literal(SCENARIO_SHARD_KIND),
  shard: z.object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    planId: z.string().min(1),
    startAtEpochMs: z.number().nullable().optional(),
  }),
  status: z.string(),
  report: z.object({
    summary: z.boolean(),
    perStage: z.boolean(),
    percentiles: z.array(z.number().min(0).max(100)),
    streaming: z.boolean(),
  }),
  stages: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      /** The unsharded stage. */
      plan: z.union([rateStage, concurrentStage]),
      /** The unsharded stage's planned requests (a trace stage's entries). */
      requests: z.number().int().nonnegative(),
      status: z.string(),
      /** The state file (kneepoint_stage_N_state.json), null when the shard saved none for this stage. */
      state: z.string().nullable(),
      client_cpu_ms: z.number().nonnegative().nullable().optional(),
      /** When the shard began the stage (before its first arrival), on its states' clock: the start skew compares these. */
      origin_epoch_ms: z.number().nullable().optional(),
    }),
  ),
});

export type ScenarioShardManifest = z.infer<typeof manifestSchema>;

export interface ManifestStage {
  index: number;
  /** The UNSHARDED stage plan. */
  plan: StagePlan;
  /** The unsharded stage's planned requests (plannedRequestCount of the unsharded plan). */
  requests: number;
  status: string;
  /** Whether this shard wrote kneepoint_stage_<N>_state.json for the stage. */
  hasState: boolean;
  clientCpuMs: number | null;
  originEpochMs?: number | null;
}

/** The manifest document, for the shard's writer (a ReportFile { name: SCENARIO_SHARD_MANIFEST, kind: "json", contents }). */
export function scenarioShardManifest(m: {
  shard: { index: number; count: number };
  planId: string;
  startAtEpochMs: number | null;
  status: "complete" | "partial";
  report: ScenarioShardManifest["report"];
  stages: readonly ManifestStage[];
}): ScenarioShardManifest {
  return {
    kind: SCENARIO_SHARD_KIND,
    shard: { index: m.shard.index, count: m.shard.count, planId: m.planId, startAtEpochMs: m.startAtEpochMs },
    status: m.status,
    report: { summary: m.report.summary, perStage: m.report.perStage, percentiles: [...m.report.percentiles], streaming: m.report.streaming },
    stages: m.stages.map((s) => ({
      index: s.index,
      plan: s.plan.kind === "concurrent" ? { kind: "concurrent", concurrency: s.plan.concurrency, numRequests: s.plan.numRequests } : { kind: s.plan.kind as "constant" | "poisson" | "trace_replay", rate: s.plan.rate, durationS: s.plan.durationS }, // session stages are never sharded (split-stages.ts)
      requests: s.requests,
      status: s.status,
      state: s.hasState ? stageStateFileName(s.index) : null,
      client_cpu_ms: s.clientCpuMs,
      origin_epoch_ms: s.originEpochMs ?? null,
    })),
  };
}

export type ParsedManifest = { ok: true; manifest: ScenarioShardManifest } | { ok: false; issues: string[] };

export function parseScenarioShardManifest(doc: unknown): ParsedManifest {
  const parsed = manifestSchema.safeParse(doc);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  return { ok: false, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`) };
}

/** A manifest stage's plan as the report needs it (a trace stage without its offsets: only kind and rate are read). */
export function manifestStagePlan(plan: ScenarioShardManifest["stages"][number]["plan"]): StagePlan {
  if (plan.kind === "concurrent") return plan;
  if (plan.kind === "trace_replay") return { ...plan, kind: "trace_replay", offsetsMs: new Float64Array(0) };
  return { kind: plan.kind, rate: plan.rate, durationS: plan.durationS };
}
