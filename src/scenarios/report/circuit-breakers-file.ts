/**
 * kneepoint_circuit_breakers.json: kneepoint's own view of a run's circuit breakers, beside inference-perf's files
 * (0.7.0 only logs `Loadgen detects circuit breakers "<name>" open, exit the stage.`). For each enabled breaker, in
 * load.circuit_breakers order: its definition and, when it tripped, the stage it stopped, the trigger that fired and
 * what it saw, when (seconds into the stage, epoch time) and after how many requests. Pure.
 */
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import type { ReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";

export const KNEEPOINT_CIRCUIT_BREAKERS_FILE = "kneepoint_circuit_breakers";

export function circuitBreakersFile(stages: ReadonlyArray<Omit<StageRun, "records">>, breakers: readonly CircuitBreakerConfig[]): ReportFile {
  const entries = breakers.map((b) => {
    const run = stages.find((s) => s.circuitBreakerTrip?.breaker === b.name);
    const t = run?.circuitBreakerTrip;
    return {
      name: b.name,
      matches: b.metrics.matches,
      rules: b.metrics.rules,
      triggers: b.triggers,
      tripped: !run || !t
        ? null
        : {
            stage: t.stage,
            trigger: t.trigger,
            trigger_index: t.triggerIndex,
            detail: t.detail,
            seconds_into_stage: (t.atMs - run.startMs) / 1000,
            at: new Date(t.atMs - run.startMs + run.startEpochMs).toISOString(),
            stage_requests_ended: t.stageRequests,
            run_requests_ended: t.requestsFed,
            watched_requests: t.watched,
            hits: t.hits,
            stage_requests_unsent: run.unsent,
          },
    };
  });
  const stopped = stages.find((s) => s.circuitBreakerTrip);
  return {
    name: KNEEPOINT_CIRCUIT_BREAKERS_FILE,
    kind: "json",
    contents: {
      stopped_stage: stopped ? stopped.index : null,
      stages_not_run_after_trip: stopped ? "later stages are not started while a breaker is open (inference-perf 0.7.0 starts them and sends nothing)" : null,
      breakers: entries,
    },
  };
}

/** One line for the terminal and the run's warnings: which breaker stopped the stage, which trigger, when. */
export function describeBreakerTrip(run: Omit<StageRun, "records">): string | null {
  const t = run.circuitBreakerTrip;
  if (!t) return null;
  const trigger = t.trigger.type === "consecutive" ? `consecutive (threshold ${t.trigger.threshold})` : `rate_over_window (window ${t.trigger.window_sec} s, threshold ${t.trigger.threshold})`;
  return (
    `stage ${run.index}: circuit breaker "${t.breaker}" tripped ${((t.atMs - run.startMs) / 1000).toFixed(2)} s into the stage, after ${t.stageRequests} request(s) ended ` +
    `(trigger ${trigger}: ${t.detail}); the stage stopped (${run.unsent} request(s) not sent) and no later stage runs`
  );
}
