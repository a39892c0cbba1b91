/**
 * The files a `kneepoint run --shard i/N` writes beside its inference-perf reports so `kneepoint merge` can join
 * the shards (the contract is src/shard/scenario-shard-manifest.ts): the manifest `kneepoint_shard.json` and one
 * `kneepoint_stage_<N>_state.json` per stage it ran, each stage's StageState folded with the report's own view
 * (reportStageStateOptions), its times put on the wall clock (epoch ms), so shards on several machines line up.
 * Pure: report files out, for writeScenarioReports' extraFiles.
 */
import { foldContextOf, foldStageState } from "../scenarios/report/build-lifecycle-report.ts";
import { reportStageStateOptions } from "../scenarios/report/build-lifecycle-files.ts";
import type { ScenarioReportOptions } from "../scenarios/report/scenario-report-options.ts";
import { stageStateToJson } from "../scenarios/report/stage-state-json.ts";
import type { StageState } from "../scenarios/report/stage-state.ts";
import type { ReportFile } from "../scenarios/storage/report-file.ts";
import { plannedRequestCount } from "../scenarios/load/stage-offsets.ts";
import type { StagePlan, StageRun } from "../scenarios/types.ts";
import { scenarioShardManifest, SCENARIO_SHARD_MANIFEST, stageStateFileName } from "./scenario-shard-manifest.ts";

export interface ScenarioShardFilesInput {
  shard: { index: number; count: number; planId: string; startAtEpochMs: number | null };
  /** The UNSHARDED plan's stages (buildScenarioPlan(cfg).stages), in order. */
  unshardedStages: readonly StagePlan[];
  /** The stages this shard ran (its own plans), records kept, or with `states` given. */
  runs: readonly StageRun[];
  report: ScenarioReportOptions;
  /** States already folded while the stages ran (by stage index); a stage without one is folded from its records. */
  states?: ReadonlyMap<number, StageState>;
  /**
   * The epoch ms the given states' clock counts from (their times are epoch ms − this; 0: epoch ms): stage origins
   * are written on the same clock, so the merge compares like with like.
   */
  clockAnchorMs?: number;
  /** CPU time (user + system, ms) of this process during each stage, by stage index. */
  clientCpuMs?: ReadonlyMap<number, number>;
}

/** Monotonic → epoch offset of the process that ran the stage (its window is known on both clocks). */
function epochOffsetOf(run: StageRun): number {
  return run.startEpochMs - run.startMs;
}

export function scenarioShardFiles(o: ScenarioShardFilesInput): ReportFile[] {
  const options = reportStageStateOptions(o.report, true);
  const ctx = foldContextOf(o.report);
  const byIndex = new Map(o.runs.filter((r) => r.index >= 0).map((r) => [r.index, r]));
  const files: ReportFile[] = [];
  const stages = o.unshardedStages.map((plan, index) => {
    const run = byIndex.get(index);
    if (run !== undefined) {
      const state = o.states?.get(index) ?? foldStageState(run.records, options, { ...ctx, epochOffsetMs: epochOffsetOf(run) });
      files.push({ name: stageStateFileName(index).replace(/\.json$/, ""), kind: "json", contents: stageStateToJson(state) });
    }
    return { index, plan, requests: plannedRequestCount(plan), status: run?.status ?? "not run", hasState: run !== undefined, clientCpuMs: o.clientCpuMs?.get(index) ?? null, originEpochMs: run?.originEpochMs === undefined ? null : run.originEpochMs - (o.states?.has(index) ? (o.clockAnchorMs ?? 0) : 0) };
  });
  const complete = stages.every((s) => s.status === "completed");
  const manifest = scenarioShardManifest({
    shard: o.shard,
    planId: o.shard.planId,
    startAtEpochMs: o.shard.startAtEpochMs,
    status: complete ? "complete" : "partial",
    report: { summary: o.report.summary, perStage: o.report.perStage, percentiles: [...o.report.percentiles], streaming: o.report.streaming !== false },
    stages,
  });
  return [{ name: SCENARIO_SHARD_MANIFEST, kind: "json", contents: manifest }, ...files];
}
