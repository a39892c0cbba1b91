/**
 * The two ways a stage can measure the client instead of the server (DESIGN.md §3, research inference-perf.md
 * §2.3): requests leaving late (median schedule delay over 10 ms), and a stage that did not offer the rate it
 * was asked for (achieved < 95 % of requested; not said of a stage a circuit breaker stopped, whose own sentence comes
 * first). Pure: a stage and its load facts (from its records, or from its summary state) in, one sentence per problem out.
 */
import type { StagePlan, StageRun } from "../types.ts";
import { stageLoadFields } from "../report/build-lifecycle-report.ts";
import type { LifecycleState } from "../report/lifecycle-state.ts";
import { percentile } from "../../metrics/stats.ts";
import { summarizeStageLoad } from "./stage-load-summary.ts";
import { describeBreakerTrip } from "../report/circuit-breakers-file.ts";

/** inference-perf's troubleshooting guide: the median schedule delay should stay under 10 ms. */
export const MAX_MEDIAN_SCHEDULE_DELAY_MS = 10;
/** Achieved rate below this fraction of the requested rate is flagged. */
export const MIN_ACHIEVED_FRACTION = 0.95;

/**
 * The rate a stage must reach before it is flagged. A poisson stage's send window is random (its n sends span
 * about n / rate ± √n / rate seconds), so its bar is lowered to 1 − 3/√n when that is below 95 %: a short
 * stage is not flagged for a shortfall that chance alone explains. A constant stage's window is fixed.
 */
export function minAchievedRateRps(run: Pick<StageRun, "plan">, count: number): number | null {
  // A trace stage's rate is only reported (0.7.0 requires it); the trace, not the rate, sets how fast it sends.
  if (run.plan.kind === "concurrent" || run.plan.kind === "trace_replay" || run.plan.kind === "session_replay") return null;
  const fraction = run.plan.kind === "poisson" ? Math.min(MIN_ACHIEVED_FRACTION, 1 - 3 / Math.sqrt(count)) : MIN_ACHIEVED_FRACTION;
  return run.plan.rate * fraction;
}

/** What the warnings read of a stage's load. */
export interface StageLoadFacts {
  /** Requests sent. */
  count: number;
  /** Schedule delay (send − due), ms; null without requests. */
  medianDelayMs: number | null;
  p99DelayMs: number | null;
  /** Requests / send window; null with fewer than two sends. */
  achievedRateRps: number | null;
}

/** The facts from the stage's records (a run that kept them). */
export function loadFactsOfRecords(run: Pick<StageRun, "plan" | "records">): StageLoadFacts {
  const load = summarizeStageLoad(run);
  const sorted = Float64Array.from(load.scheduleDelaysMs).sort();
  return {
    count: load.count,
    medianDelayMs: load.count > 0 ? percentile(sorted, 50) : null,
    p99DelayMs: load.count > 0 ? percentile(sorted, 99) : null,
    achievedRateRps: load.achievedRateRps,
  };
}

/** The facts from a stage's summary state (stage-state.ts LifecycleState: delays in s, sends on the epoch clock). */
export function loadFactsOfState(plan: StagePlan, core: Pick<LifecycleState, "count" | "minSendEpochMs" | "maxSendEpochMs" | "scheduleDelayS">): StageLoadFacts {
  const d = core.scheduleDelayS.count > 0 ? core.scheduleDelayS.describe([50, 99]) : null;
  // The load_summary's own achieved rate (0 without a send window: no rate to compare).
  const achieved = stageLoadFields(plan, core).achieved_rate;
  return {
    count: core.count,
    medianDelayMs: d ? d.median * 1000 : null,
    p99DelayMs: d ? (d.percentiles.get(99) ?? 0) * 1000 : null,
    achievedRateRps: achieved > 0 ? achieved : null,
  };
}

export function stageWarnings(run: Omit<StageRun, "records"> & Partial<Pick<StageRun, "records">>, facts?: StageLoadFacts, opts: { sessions?: boolean } = {}): string[] {
  const load = facts ?? loadFactsOfRecords({ plan: run.plan, records: run.records ?? [] });
  const warnings: string[] = [];
  const breaker = describeBreakerTrip(run);
  if (breaker) warnings.push(breaker);
  // A session call's schedule delay includes its wait for predecessors (0.7.0 schedules it at the session's dispatch).
  if (load.medianDelayMs !== null && load.medianDelayMs > MAX_MEDIAN_SCHEDULE_DELAY_MS && run.plan.kind !== "session_replay") {
    const cause = opts.sessions
      ? "turns waited for their session's previous turn (a session sends one turn at a time, as in inference-perf 0.7.0) or for the in-flight cap; with session data, more sessions or a lower rate lower it"
      : run.plan.kind === "concurrent"
        ? "the client took that long to refill a free slot"
        : "requests waited for the in-flight cap (load.num_workers × load.worker_max_concurrency) or for a busy client";
    warnings.push(
      `stage ${run.index}: median schedule delay ${load.medianDelayMs.toFixed(1)} ms exceeds ${MAX_MEDIAN_SCHEDULE_DELAY_MS} ms (p99 ${(load.p99DelayMs ?? 0).toFixed(1)} ms): ` +
        `the client, not the server, is being measured; ${cause}. Raise the cap, or run the load from a less busy machine.`,
    );
  }
  const requested = requestedRate(run.plan);
  const bar = run.circuitBreakerTrip ? null : minAchievedRateRps(run, load.count);
  if (bar !== null && load.achievedRateRps !== null && load.achievedRateRps < bar && requested !== null) {
    const pct = (100 * load.achievedRateRps) / requested;
    warnings.push(
      `stage ${run.index}: achieved ${load.achievedRateRps.toFixed(2)} req/s is ${pct.toFixed(0)} % of the requested ${requested} req/s: ` +
        `the client could not send at the requested rate, so the stage measures a lower load than planned.`,
    );
  }
  return warnings;
}

function requestedRate(plan: StagePlan): number | null {
  return plan.kind === "concurrent" ? null : plan.rate;
}
