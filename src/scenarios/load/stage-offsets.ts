/**
 * A stage's schedule: how many requests it plans and, for open-loop stages, when each is due (absolute offsets
 * from the stage's origin, so a late send never shifts the ones after it). Pure and seeded.
 */
import type { StagePlan } from "../types.ts";
import { mulberry32 } from "../../workload/rng.ts";
import { constantOffsetsMs } from "./constant-offsets.ts";
import { poissonOffsetsMs } from "./poisson-offsets.ts";

/** Requests a stage sends when nothing stops it: int(rate · duration) for rate stages, num_requests for concurrent, one per due time for trace_replay. */
export function plannedRequestCount(plan: StagePlan): number {
  if (plan.kind === "trace_replay") return plan.offsetsMs.length;
  return plan.kind === "concurrent" ? plan.numRequests : Math.max(0, Math.trunc(plan.rate * plan.durationS));
}

/** Due times (ms from the stage origin, ascending) of an open-loop stage; null for a closed-loop (concurrent) one. */
export function stageOffsetsMs(plan: StagePlan, seed: number): Float64Array | null {
  if (plan.kind === "concurrent") return null;
  if (plan.kind === "trace_replay") return plan.offsetsMs;
  const random = mulberry32(seed);
  return plan.kind === "constant" ? constantOffsetsMs(plan.rate, plan.durationS, random) : poissonOffsetsMs(plan.rate, plan.durationS, random);
}
