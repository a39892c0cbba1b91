/** A dispatched stage as the shared contract's StageRun (src/scenarios/types.ts). */
import type { StagePlan, StageRun } from "../types.ts";
import type { DispatchResult } from "../../load/dispatch-stage.ts";

/** `epochOffsetMs` = epoch ms − monotonic ms, taken once per run, so stage windows line up with Prometheus. */
export function toStageRun(index: number, plan: StagePlan, res: DispatchResult, epochOffsetMs: number): StageRun {
  return {
    index,
    plan,
    status: res.status,
    startMs: res.startMs,
    endMs: res.endMs,
    startEpochMs: res.startMs + epochOffsetMs,
    originEpochMs: res.originMs + epochOffsetMs,
    endEpochMs: res.endMs + epochOffsetMs,
    records: res.records,
    sent: res.recorded,
    unsent: res.unsent,
  };
}
