/**
 * One shard's part of a scenario's stages (`kneepoint run --shard i/N`). Pure.
 *   constant / poisson at rate R: rate ≈ R/N with the shard's own seeded arrivals (deriveSeed of the stage's
 *     seed and the shard), so N shards together are an open loop at R whose arrivals are not N copies of one
 *     schedule. The shard rate is n_i / duration with n_i the shard's even share of the stage's int(R·d)
 *     requests (at most 1/d req/s from R/N), so the shards send exactly the unsharded stage's requests.
 *   trace_replay: trace entry j goes to shard j mod N with its due time unchanged; the union is the trace.
 *   concurrent: the workers split evenly, num_requests in proportion to them (split-share.ts).
 * Requests: the shard's k-th request of a stage is the unsharded stage's request
 * firstRequest + phase + k·stride (interleaved, stride N, for open-loop stages and traces, so a trace entry
 * keeps its data row; a contiguous block, stride 1, for a concurrent stage). Over the shards the indexes are
 * disjoint and their union is the unsharded run's, so the shards send exactly the unsharded prompts.
 */
import { UsageError } from "../errors.ts";
import type { RequestSource, StagePlan } from "../scenarios/types.ts";
import { plannedRequestCount } from "../scenarios/load/stage-offsets.ts";
import { deriveSeed } from "../workload/rng.ts";
import { closedLoopShare, evenShare } from "./split-share.ts";
import type { ShardSpec } from "./shard-spec.ts";

/** Where a shard's requests of one stage sit among the unsharded run's: request k ↦ firstRequest + phase + k·stride. */
export interface StageRequestMap {
  /** Index of the unsharded stage's first request, counted across the run's stages. */
  firstRequest: number;
  phase: number;
  stride: number;
  /** This shard's requests in the stage. */
  count: number;
}

export interface ShardedStage {
  /** The shard's stage, as the load engine runs it. */
  plan: StagePlan;
  /** Seed of the shard's arrivals (constant, poisson); the stage's own seed when N = 1. */
  arrivalSeed: number;
  requests: StageRequestMap;
}

/** The k-th request of shard `shard` among interleaved requests: k·N + i. */
export function shardRequestIndex(localIndex: number, shard: ShardSpec): number {
  return localIndex * shard.count + shard.index;
}

/** The unsharded run's index of the shard's k-th request of a stage. */
export function stageRequestIndex(map: StageRequestMap, localIndex: number): number {
  return map.firstRequest + map.phase + localIndex * map.stride;
}

/** Seed of a shard's arrivals in a stage: independent across shards, the stage's own seed for a single shard. */
export function shardArrivalSeed(stageSeed: number, shard: ShardSpec): number {
  return shard.count === 1 ? stageSeed : deriveSeed(stageSeed, shard.count, shard.index);
}

/** The rate whose int(rate · duration) is exactly `count` (n/d itself, unless floating point rounds it below n). */
function rateForCount(count: number, durationS: number, fallback: number): number {
  if (count === 0 || !(durationS > 0)) return count === 0 ? 0 : fallback;
  let rate = count / durationS;
  while (Math.trunc(rate * durationS) < count) rate = rate * (1 + Number.EPSILON) + Number.MIN_VALUE;
  return rate;
}

function shardStage(plan: StagePlan, stageSeed: number, firstRequest: number, shard: ShardSpec): ShardedStage {
  if (plan.kind === "session_replay") throw new UsageError("--shard: load.type trace_session_replay cannot be split across processes (a session's calls depend on each other)", "run it without --shard");
  const arrivalSeed = shardArrivalSeed(stageSeed, shard);
  const total = plannedRequestCount(plan);
  if (plan.kind === "concurrent") {
    const { workers, requests } = closedLoopShare(plan.concurrency, plan.numRequests, shard);
    return {
      plan: { kind: "concurrent", concurrency: workers.count, numRequests: requests.count },
      arrivalSeed,
      requests: { firstRequest, phase: requests.offset, stride: 1, count: requests.count },
    };
  }
  const share = evenShare(total, shard);
  const requests = { firstRequest, phase: shard.index, stride: shard.count, count: share.count };
  if (plan.kind === "trace_replay") {
    const offsetsMs = new Float64Array(share.count);
    for (let k = 0; k < share.count; k++) offsetsMs[k] = plan.offsetsMs[k * shard.count + shard.index]!;
    return { plan: { kind: "trace_replay", rate: plan.rate / shard.count, durationS: plan.durationS, offsetsMs }, arrivalSeed, requests };
  }
  return { plan: { kind: plan.kind, rate: rateForCount(share.count, plan.durationS, plan.rate / shard.count), durationS: plan.durationS }, arrivalSeed, requests };
}

/**
 * Every stage's share for one shard. `seed` is load.base_seed: stage i's arrivals come from deriveSeed(seed, i)
 * unsharded (run-stages.ts), and from shardArrivalSeed(deriveSeed(seed, i), shard) in a shard.
 */
export function shardStages(stages: readonly StagePlan[], seed: number, shard: ShardSpec): ShardedStage[] {
  let firstRequest = 0;
  return stages.map((plan, i) => {
    const out = shardStage(plan, deriveSeed(seed, i), firstRequest, shard);
    firstRequest += plannedRequestCount(plan);
    return out;
  });
}

/** A stage the shard sits out (a concurrent stage with fewer workers than shards): do not dispatch it. */
export function isIdleStage(stage: ShardedStage): boolean {
  return stage.requests.count === 0;
}

/** A load.sweep's stages come from a saturation probe at run time: N shards probing at once would each see 1/N of it. */
export function refuseShardedSweep(hasSweep: boolean, shard: ShardSpec | undefined): void {
  if (hasSweep && shard && shard.count > 1) {
    throw new UsageError(
      `--shard ${shard.index}/${shard.count}: a config with load.sweep cannot be sharded (its stages come from a saturation probe that one process must run)`,
      "run the probe once without --shard, then shard the generated stages: copy the rates it prints into load.stages and drop load.sweep",
    );
  }
}

/**
 * The run's requests as this shard sees them: its k-th request overall (counted across its stages, as the load
 * engine counts) is the unsharded run's request at the mapped index, so data sources stay untouched.
 */
export function shardRequestSource(source: RequestSource, stages: readonly ShardedStage[]): RequestSource {
  const starts: number[] = [];
  let at = 0;
  for (const s of stages) {
    starts.push(at);
    at += s.requests.count;
  }
  const globalIndex = (local: number): number => {
    for (let i = 0; i < stages.length; i++) {
      if (local < starts[i]! + stages[i]!.requests.count) return stageRequestIndex(stages[i]!.requests, local - starts[i]!);
    }
    throw new RangeError(`request ${local} of a shard that plans ${at}`);
  };
  return { request: (i) => source.request(globalIndex(i)), describe: () => source.describe() };
}
