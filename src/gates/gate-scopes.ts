/**
 * The scopes gates are evaluated in, from the summaries kneepoint already writes. Pure.
 * - A sweep step: vLLM's result keys (`p95_ttft_ms`, `mean_itl_ms`, `output_throughput`, …), ms; the baseline
 *   is the recorded step of the same concurrency.
 * - A scenario summary: inference-perf's lifecycle report (`successes.latency.time_to_first_token.p95`, seconds,
 *   converted to ms; p0 = min, p100 = max, p50 = median; `successes.throughput.*`, `goodput_metrics`).
 * error_rate = failed / (succeeded + failed), null when nothing was sent.
 */
import type { RecordedRun } from "../report/recorded-run.ts";
import { percentileKey } from "../metrics/step-result-keys.ts";
import { percentileReportKey } from "../scenarios/report/summarize-distribution.ts";
import { baselineFieldOf } from "./baseline-fields.ts";
import type { GateScope } from "./evaluate-gates.ts";
import type { LatencyName, MetricQuery, ScalarName } from "./gate.ts";

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const errorRate = (ok: number | null, failed: number | null): number | null => (ok === null || failed === null || ok + failed === 0 ? null : failed / (ok + failed));

export interface SweepStepForGates {
  concurrency: number;
  /** A step result with vLLM's keys (StepSummary). */
  result: object;
}

const SWEEP_SCALAR_KEYS: Record<ScalarName, string | null> = {
  output_throughput: "output_throughput",
  request_throughput: "request_throughput",
  total_token_throughput: "total_token_throughput",
  goodput: "request_goodput",
  error_rate: null,
  capacity_rps: null,
  capacity_concurrency: null,
};

function readStepResult(r: Record<string, unknown>, q: MetricQuery): number | null {
  if (q.kind === "scalar") {
    if (q.name === "error_rate") return errorRate(num(r.completed), num(r.failed));
    const key = SWEEP_SCALAR_KEYS[q.name];
    return key === null ? null : num(r[key]);
  }
  if (num(r.completed) === 0) return null; // no successful request: no latency, not a 0 ms one
  const m = q.metric;
  if (q.stat.kind === "mean") return num(r[`mean_${m}_ms`]);
  if (q.stat.kind === "median") return num(r[`median_${m}_ms`]);
  return num(r[percentileKey(m, q.stat.p)]) ?? (q.stat.p === 50 ? num(r[`median_${m}_ms`]) : null);
}

export function sweepScopes(steps: readonly SweepStepForGates[], baseline: RecordedRun | null): GateScope[] {
  return steps.map((s) => {
    const recorded = baseline?.steps.find((b) => b.c === s.concurrency) ?? null;
    return {
      where: `c=${s.concurrency}`,
      read: (q) => readStepResult(s.result as Record<string, unknown>, q),
      baseline: recorded
        ? (q) => {
            const f = baselineFieldOf(q);
            return f ? num(recorded[f.field]) : null;
          }
        : null,
    };
  });
}

const LIFECYCLE_LATENCY: Record<LatencyName, string> = {
  ttft: "time_to_first_token",
  itl: "inter_token_latency",
  tpot: "time_per_output_token",
  e2el: "request_latency",
};

const LIFECYCLE_THROUGHPUT: Partial<Record<ScalarName, string>> = {
  output_throughput: "output_tokens_per_sec",
  request_throughput: "requests_per_sec",
  total_token_throughput: "total_tokens_per_sec",
};

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => (x !== null && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);

function readLifecycle(report: unknown, q: MetricQuery): number | null {
  if (q.kind === "scalar") {
    if (q.name === "error_rate") return errorRate(num(get(report, "successes", "count")), num(get(report, "failures", "count")));
    if (q.name === "goodput") return num(get(report, "successes", "goodput_metrics", "request_goodput"));
    return num(get(report, "successes", "throughput", LIFECYCLE_THROUGHPUT[q.name]!));
  }
  const dist = get(report, "successes", "latency", LIFECYCLE_LATENCY[q.metric]);
  const s = q.stat;
  const key = s.kind === "mean" ? "mean" : s.kind === "median" ? "median" : s.p === 0 ? "min" : s.p === 100 ? "max" : percentileReportKey(s.p);
  const seconds = num(get(dist, key));
  return seconds === null ? null : seconds * 1000;
}

/** A scenario run's lifecycle report (summary or one stage) as a scope; no baseline. */
export function lifecycleScope(where: string, report: unknown): GateScope {
  return { where, read: (q) => readLifecycle(report, q), baseline: null };
}
