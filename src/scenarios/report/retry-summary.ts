/**
 * The `retries` block of inference-perf 0.7.0's lifecycle reports (reportgen/base.py `summarize_retries`), for
 * `load.request_retries`: over every request of the report (successes and failures) that was retried,
 *   requests_retried   how many were retried;
 *   attempts           the extra attempts they made in all;
 *   recovered          how many of them succeeded in the end; failed_after_retry = requests_retried − recovered;
 *   wasted_sec_total   Σ retry_wasted_sec (the time lost to failed attempts and backoff; a request that never
 *                      succeeded wasted all of it), and wasted_sec its distribution.
 * The block is absent from a report in which no request was retried (0.7.0 drops a None `retries`). Mergeable
 * state, then the block. Pure.
 */
import { Samples } from "../../metrics/samples.ts";
import type { RetryInfo } from "./inference-perf-request.ts";
import { summarizeSamples, type DistributionSummary } from "./summarize-distribution.ts";

export interface RetryState {
  requestsRetried: number;
  attempts: number;
  recovered: number;
  wastedTotalS: number;
  wastedS: Samples;
}

export interface RetrySummary {
  requests_retried: number;
  attempts: number;
  recovered: number;
  failed_after_retry: number;
  wasted_sec_total: number;
  wasted_sec?: DistributionSummary;
}

/** Adds a retried request to `state` (created when absent); returns the state. */
export function addRetry(state: RetryState | undefined, r: RetryInfo, exactCap: number | undefined): RetryState {
  const s = state ?? { requestsRetried: 0, attempts: 0, recovered: 0, wastedTotalS: 0, wastedS: new Samples(exactCap !== undefined ? { exactCap } : {}) };
  s.requestsRetried++;
  s.attempts += r.attempted;
  if (r.recovered) s.recovered++;
  s.wastedTotalS += r.wastedS;
  s.wastedS.add(r.wastedS);
  return s;
}

export function mergeRetryStates(parts: ReadonlyArray<RetryState | undefined>): RetryState | undefined {
  const present = parts.filter((p): p is RetryState => p !== undefined);
  if (present.length === 0) return undefined;
  const wastedS = new Samples({ exactCap: present[0]!.wastedS.exactCap });
  for (const p of present) wastedS.merge(p.wastedS);
  const sum = (f: (p: RetryState) => number) => present.reduce((a, p) => a + f(p), 0);
  return { requestsRetried: sum((p) => p.requestsRetried), attempts: sum((p) => p.attempts), recovered: sum((p) => p.recovered), wastedTotalS: sum((p) => p.wastedTotalS), wastedS };
}

export function retrySummaryOf(s: RetryState | undefined, percentiles: readonly number[]): RetrySummary | null {
  if (s === undefined || s.requestsRetried === 0) return null;
  const wasted = summarizeSamples(s.wastedS, percentiles);
  return {
    requests_retried: s.requestsRetried,
    attempts: s.attempts,
    recovered: s.recovered,
    failed_after_retry: s.requestsRetried - s.recovered,
    wasted_sec_total: s.wastedTotalS,
    ...(wasted !== null ? { wasted_sec: wasted } : {}),
  };
}
