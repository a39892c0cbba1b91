/**
 * `kneepoint merge` for scenario shards (`kneepoint run --shard i/N`): each stage's StageStates merged
 * (src/scenarios/report/stage-state.ts) and turned into inference-perf's lifecycle reports by the same builder as
 * a run's (summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json), written into OUT with the run's
 * config.yaml and kneepoint_run.json, the merged states, and kneepoint_shards.json (the shards and the per-shard
 * rows). Not merged: per-request files, Prometheus reports, server time series, charts (each shard's own are in
 * its directory).
 *
 *   read the directories → check they are one plan's shards → merge (pure) → write
 */
import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { buildLifecycleFilesFromStates, type StageStateRun } from "../scenarios/report/build-lifecycle-files.ts";
import type { ScenarioReportOptions } from "../scenarios/report/scenario-report-options.ts";
import { stageStateToJson } from "../scenarios/report/stage-state-json.ts";
import { mergeStageStates, type StageState } from "../scenarios/report/stage-state.ts";
import { writeLocalReports } from "../scenarios/storage/local-storage.ts";
import type { ReportFile } from "../scenarios/storage/report-file.ts";
import { closedLoopShare, evenShare } from "../shard/split-share.ts";
import { checkShardSet, type ShardSet } from "./check-shard-set.ts";
import { refuseMixedKinds } from "./shard-kinds.ts";
import { readScenarioShardDir, type ScenarioShardDir } from "./read-scenario-shard-dir.ts";
import { manifestStagePlan, stageStateFileName, type ScenarioShardManifest } from "../shard/scenario-shard-manifest.ts";
import { shardStepRows, skewWarnings, type ShardStepFacts, type ShardStepRow, type StepLabel } from "./shard-step-rows.ts";

export const scenarioStepLabel: StepLabel = (stage) => `stage ${stage}`;

export interface ScenarioMergeOptions {
  allowMissing?: boolean;
  /** Percentiles of the merged reports (default: the shards' report.request_lifecycle.percentiles). */
  percentiles?: readonly number[];
}

export interface ScenarioMergeResult {
  dir: string;
  status: "complete" | "partial";
  planId: string;
  shardCount: number;
  missing: number[];
  /** The merged stages (a stage no shard has a state of is left out). */
  stages: StageStateRun[];
  streaming: boolean;
  shardRows: ShardStepRow[];
  warnings: string[];
  /** Files written into OUT. */
  files: string[];
}

type ManifestStageEntry = ScenarioShardManifest["stages"][number];

/** The shard's planned requests of an (unsharded) stage. */
function shareOf(stage: ManifestStageEntry, shard: { index: number; count: number }): number {
  const p = stage.plan;
  return p.kind === "concurrent" ? closedLoopShare(p.concurrency, p.numRequests, shard).requests.count : evenShare(stage.requests, shard).count;
}

function facts(shard: ScenarioShardDir, stage: ManifestStageEntry, share: number): ShardStepFacts {
  const own = shard.manifest.stages.find((s) => s.index === stage.index);
  const state = shard.states.get(stage.index);
  if (!state) return { shard: shard.index, share, measured: false, partial: share > 0, requests: null, startedAtMs: null, endedAtMs: null, clientCpuMs: null, scheduleDelayP50Ms: null, scheduleDelayP99Ms: null };
  const core = state.core;
  const delay = core.scheduleDelayS.count > 0 ? core.scheduleDelayS.describe([50, 99]) : null;
  const toMs = (s: number | undefined) => (s === undefined ? null : s * 1000);
  return {
    shard: shard.index,
    share,
    measured: true,
    partial: own?.status !== "completed",
    requests: core.count,
    // An open-loop shard's first send waits for its first arrival: the stage's origin is when it started.
    startedAtMs: own?.origin_epoch_ms ?? (Number.isFinite(core.minSendEpochMs) ? core.minSendEpochMs : null),
    endedAtMs: Number.isFinite(core.maxEndEpochMs) ? core.maxEndEpochMs : null,
    clientCpuMs: own?.client_cpu_ms ?? null,
    scheduleDelayP50Ms: toMs(delay?.percentiles.get(50)),
    scheduleDelayP99Ms: toMs(delay?.percentiles.get(99)),
  };
}

function mergeStage(states: StageState[], stage: number): StageState {
  try {
    return mergeStageStates(states);
  } catch (err) {
    throw new UsageError(`stage ${stage}: ${(err as Error).message}`, "merge the shards of one `kneepoint run --shard` run (same config, same kneepoint version)");
  }
}

export function mergeScenarioShardSet(set: ShardSet<ScenarioShardDir>): Omit<ScenarioMergeResult, "dir" | "files" | "planId" | "shardCount" | "missing"> & { report: ScenarioShardManifest["report"] } {
  const first = set.shards[0]!;
  const stages: StageStateRun[] = [];
  const rows: ShardStepRow[] = [];
  const durations = new Map<number, number>();
  let partial = set.missing.length > 0 || set.shards.some((s) => s.manifest.status !== "complete");
  for (const stage of first.manifest.stages) {
    const spec = (index: number) => ({ index, count: set.count });
    // A shard that sat the stage out sent nothing; its (empty) state's window would only widen the stage's.
    const present = set.shards.filter((s) => s.states.has(stage.index) && (shareOf(stage, spec(s.index)) > 0 || s.states.get(stage.index)!.core.count > 0));
    const f = set.shards.map((s) => facts(s, stage, shareOf(stage, spec(s.index))));
    if (present.length === 0) {
      partial = true;
      continue;
    }
    rows.push(...shardStepRows(stage.index, f));
    if (set.missing.some((i) => shareOf(stage, spec(i)) > 0) || f.some((x) => x.share > 0 && (x.partial || !x.measured))) partial = true;
    const state = mergeStage(
      present.map((s) => s.states.get(stage.index)!),
      stage.index,
    );
    if (Number.isFinite(state.core.minSendEpochMs) && Number.isFinite(state.core.maxEndEpochMs)) durations.set(stage.index, state.core.maxEndEpochMs - state.core.minSendEpochMs);
    stages.push({ index: stage.index, plan: manifestStagePlan(stage.plan), state });
  }
  if (stages.length === 0) throw new UsageError("no shard saved a stage state: there is nothing to merge", "check the shards' logs: did they fail before their first stage?");
  const warnings = [...set.warnings, ...skewWarnings(rows, durations, scenarioStepLabel)];
  return { status: partial ? "partial" : "complete", stages, streaming: first.manifest.report.streaming, shardRows: rows, warnings, report: first.manifest.report };
}

async function checkOut(out: string, dirs: readonly string[]): Promise<void> {
  if (dirs.some((d) => resolve(d) === resolve(out))) throw new UsageError(`OUT ${out} is one of the shard directories`, "name a new directory for the merged run, e.g. reports/merged");
  const files = await readdir(out).catch(() => [] as string[]);
  if (files.length > 0) throw new UsageError(`OUT ${out} already exists and is not empty`, "name a new directory for the merged run, or delete the old one first");
}

export async function mergeScenarioShards(dirs: readonly string[], out: string, opts: ScenarioMergeOptions = {}): Promise<ScenarioMergeResult> {
  await refuseMixedKinds(dirs, "scenario");
  await checkOut(out, dirs);
  const shards = await Promise.all(dirs.map((d) => readScenarioShardDir(d)));
  const set = checkShardSet(shards, opts);
  const merged = mergeScenarioShardSet(set);
  const state0 = merged.stages[0]!.state.options;
  const report: ScenarioReportOptions = {
    summary: merged.report.summary,
    perStage: merged.report.perStage,
    perRequest: false,
    percentiles: opts.percentiles ?? merged.report.percentiles,
    useServerOutputTokens: state0.useServerOutputTokens,
    maxErrorMessages: state0.maxErrorMessages,
    goodput: state0.goodput,
    streaming: merged.streaming,
  };
  const first = set.shards[0]!;
  const files: ReportFile[] = buildLifecycleFilesFromStates(merged.stages, report);
  for (const s of merged.stages) files.push({ name: stageStateFileName(s.index).replace(/\.json$/, ""), kind: "json", contents: stageStateToJson(s.state) });
  files.push({
    name: "kneepoint_shards",
    kind: "json",
    contents: {
      status: merged.status,
      merged: { planId: set.planId, shardCount: set.count, missing: set.missing },
      warnings: merged.warnings,
      shards: set.shards.map((s) => ({
        index: s.index,
        dir: s.dir,
        status: s.manifest.status,
        startAtEpochMs: s.startAtEpochMs,
        stages: merged.shardRows
          .filter((r) => r.shard === s.index)
          .map((r) => ({
            stage: r.step,
            requests_planned: r.share,
            measured: r.measured,
            partial: r.partial,
            requests: r.requests,
            client_cpu_ms: r.clientCpuMs,
            client_cpu_pct: r.clientCpuPct,
            schedule_delay_p50_ms: r.scheduleDelayP50Ms,
            schedule_delay_p99_ms: r.scheduleDelayP99Ms,
            start_skew_ms: r.startSkewMs,
            end_skew_ms: r.endSkewMs,
          })),
      })),
    },
  });
  if (first.runFile !== null) files.push({ name: "kneepoint_run", kind: "json", contents: first.runFile });
  if (first.configYaml !== null) files.push({ name: "config", kind: "yaml", text: first.configYaml });
  const written = await writeLocalReports(files, { path: out, reportFilePrefix: null });
  return { dir: out, planId: set.planId, shardCount: set.count, missing: set.missing, files: written, ...merged };
}
