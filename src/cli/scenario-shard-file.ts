/**
 * What a `kneepoint run --shard i/N` writes beside inference-perf's files so `kneepoint merge` can join the shards:
 * `kneepoint_shard.json` with the shard, the id of the plan the shards share, and per stage the shard's own plan,
 * window, client CPU and the file of its mergeable state.
 */
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import type { ReportFile } from "../scenarios/storage/report-file.ts";
import type { StagePlan, StageRun } from "../scenarios/types.ts";
import { planId } from "../shard/shard-spec.ts";

export const SHARD_FILE = "kneepoint_shard";

export interface ScenarioShardInfo {
  index: number;
  count: number;
  planId: string;
  startAtEpochMs: number | null;
}

/**
 * The id of the plan every shard of a run shares: the config as given, without where its reports go (each shard
 * writes its own directory) and without secrets. Shards run with different configs get different ids.
 */
export function scenarioPlanId(cfg: ScenarioConfig): string {
  const { storage: _storage, ...rest } = cfg;
  const server = { ...rest.server, api_key: null };
  const tokenizer = rest.tokenizer ? { ...rest.tokenizer, token: null } : rest.tokenizer;
  return planId({ ...rest, server, tokenizer });
}

function stagePlanJson(plan: StagePlan): unknown {
  return plan.kind === "trace_replay" ? { kind: plan.kind, rate: plan.rate, durationS: plan.durationS, requests: plan.offsetsMs.length } : plan;
}

export function shardFile(info: ScenarioShardInfo, stages: readonly StageRun[], stageStateFile?: (index: number) => string, clientCpuMs?: readonly number[]): ReportFile {
  return {
    name: SHARD_FILE,
    kind: "json",
    contents: {
      shard: info,
      stages: stages.map((s) => ({
        index: s.index,
        plan: stagePlanJson(s.plan),
        status: s.status,
        startEpochMs: s.startEpochMs,
        endEpochMs: s.endEpochMs,
        sent: s.records.length,
        unsent: s.unsent,
        ...(clientCpuMs?.[s.index] !== undefined ? { clientCpuMs: clientCpuMs[s.index] } : {}),
        ...(stageStateFile ? { stateFile: stageStateFile(s.index) } : {}),
      })),
    },
  };
}
