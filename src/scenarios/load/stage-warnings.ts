/**
 * The two ways a stage can measure the client instead of the server (DESIGN.md §3, research inference-perf.md
 * §2.3): requests leaving late (median schedule delay over 10 ms), and a stage that did not offer the rate it
 * was asked for (achieved < 95 % of requested; not said of a stage a circuit breaker stopped, whose own sentence comes
 * first). Pure: a StageRun in, one sentence per problem out.
 */
import type { StageRun } from "../types.ts";
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
export function minAchievedRateRps(run: StageRun, count: number): number | null {
  // A trace stage's rate is only reported (0.7.0 requires it); the trace, not the rate, sets how fast it sends.
  if (run.plan.kind === "concurrent" || run.plan.kind === "trace_replay") return null;
  const fraction = run.plan.kind === "poisson" ? Math.min(MIN_ACHIEVED_FRACTION, 1 - 3 / Math.sqrt(count)) : MIN_ACHIEVED_FRACTION;
  return run.plan.rate * fraction;
}

export function stageWarnings(run: StageRun): string[] {
  const load = summarizeStageLoad(run);
  const warnings: string[] = [];
  const breaker = describeBreakerTrip(run);
  if (breaker) warnings.push(breaker);
  if (load.count > 0) {
    const sorted = Float64Array.from(load.scheduleDelaysMs).sort();
    const medianMs = percentile(sorted, 50);
    if (medianMs > MAX_MEDIAN_SCHEDULE_DELAY_MS) {
      const cause =
        run.plan.kind === "concurrent"
          ? "the client took that long to refill a free slot"
          : "requests waited for the in-flight cap (load.num_workers × load.worker_max_concurrency) or for a busy client";
      warnings.push(
        `stage ${run.index}: median schedule delay ${medianMs.toFixed(1)} ms exceeds ${MAX_MEDIAN_SCHEDULE_DELAY_MS} ms (p99 ${percentile(sorted, 99).toFixed(1)} ms): ` +
          `the client, not the server, is being measured; ${cause}. Raise the cap, or run the load from a less busy machine.`,
      );
    }
  }
  const bar = run.circuitBreakerTrip ? null : minAchievedRateRps(run, load.count);
  if (bar !== null && load.achievedRateRps !== null && load.achievedRateRps < bar && load.requestedRateRps !== null) {
    const pct = (100 * load.achievedRateRps) / load.requestedRateRps;
    warnings.push(
      `stage ${run.index}: achieved ${load.achievedRateRps.toFixed(2)} req/s is ${pct.toFixed(0)} % of the requested ${load.requestedRateRps} req/s: ` +
        `the client could not send at the requested rate, so the stage measures a lower load than planned.`,
    );
  }
  return warnings;
}
