/**
 * `successes.goodput_metrics` per `report.goodput.constraints` (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/base.py `calculate_goodput_metrics`, docs/goodput.md). Constraints are in seconds.
 * A successful request is good when every configured constraint holds as value ≤ limit; a request that has no
 * value for a constrained metric (no TTFT/TPOT/ITL: non-streamed or a single token) is not good and does not
 * attain that constraint. Over the successful requests of the report:
 *   goodput_percentage = good / total · 100
 *   request_goodput    = good / (max end − min start of the successes)          [requests/s]
 *   token_goodput      = Σ (input + effective output tokens) of good / same span [tokens/s]
 *   <metric>_attainment_percentage = requests within that limit / requests it applies to · 100,
 *     one key per configured constraint, in the order ttft, tpot, itl, ntpot, request_latency.
 * The rates are 0 when the span is 0. `itl` tests each request's MEAN inter-token gap.
 * Not supported (left out): per-request SLOs from response headers (api.slo_ttft_header / slo_tpot_header).
 * vLLM's `--goodput` (src/metrics/goodput.ts) is the same idea in ms with ttft/tpot/e2el only, and divides by the
 * benchmark duration instead of the successes' span.
 */
import type { LifecycleMetrics } from "./lifecycle-metrics.ts";

export interface GoodputConstraints {
  ttft?: number;
  tpot?: number;
  itl?: number;
  ntpot?: number;
  request_latency?: number;
}

export type GoodputMetrics = {
  goodput_percentage: number;
  request_goodput: number;
  token_goodput: number;
  good_requests: number;
  total_requests: number;
} & Partial<Record<`${keyof GoodputConstraints}_attainment_percentage`, number>>;

const CONSTRAINT_ORDER = ["ttft", "tpot", "itl", "ntpot", "request_latency"] as const;

const valueOf: Record<(typeof CONSTRAINT_ORDER)[number], (m: LifecycleMetrics) => number | null> = {
  ttft: (m) => m.ttftS,
  tpot: (m) => m.tpotS,
  itl: (m) => m.itlMeanS,
  ntpot: (m) => m.ntpotS,
  request_latency: (m) => m.requestLatencyS,
};

/** The configured constraints, in inference-perf's key order (ttft, tpot, itl, ntpot, request_latency). */
export function activeGoodputConstraints(constraints: GoodputConstraints | null | undefined): Array<keyof GoodputConstraints> {
  return CONSTRAINT_ORDER.filter((k) => constraints?.[k] !== undefined && constraints[k] !== null);
}

/**
 * The mergeable part of goodput (counts add up across stages and shards): good requests, their tokens, and per
 * active constraint (activeGoodputConstraints order) the requests within its limit.
 */
export interface GoodputCounts {
  good: number;
  goodTokens: number;
  attained: number[];
}

export function createGoodputCounts(constraints: GoodputConstraints | null | undefined): GoodputCounts {
  return { good: 0, goodTokens: 0, attained: activeGoodputConstraints(constraints).map(() => 0) };
}

export function addGoodputRequest(counts: GoodputCounts, metrics: LifecycleMetrics, constraints: GoodputConstraints | null | undefined): void {
  const active = activeGoodputConstraints(constraints);
  if (active.length === 0) return;
  let isGood = true;
  active.forEach((k, i) => {
    const v = valueOf[k](metrics);
    if (v !== null && v <= (constraints![k] as number)) counts.attained[i]!++;
    else isGood = false;
  });
  if (isGood) {
    counts.good++;
    counts.goodTokens += metrics.inputTokens + metrics.effectiveOutputTokens;
  }
}

export function mergeGoodputCounts(parts: readonly GoodputCounts[], constraints: GoodputConstraints | null | undefined): GoodputCounts {
  const out = createGoodputCounts(constraints);
  for (const p of parts) {
    out.good += p.good;
    out.goodTokens += p.goodTokens;
    p.attained.forEach((n, i) => (out.attained[i]! += n));
  }
  return out;
}

/**
 * goodput_metrics from the counts over `total` successes whose span (max end − min start) is `spanS`; null when no
 * constraint is configured or there is no successful request (inference-perf writes no key then).
 */
export function goodputMetricsOf(counts: GoodputCounts, total: number, spanS: number, constraints: GoodputConstraints | null | undefined): GoodputMetrics | null {
  const active = activeGoodputConstraints(constraints);
  if (active.length === 0 || total === 0) return null;
  const out: GoodputMetrics = {
    goodput_percentage: (counts.good / total) * 100,
    request_goodput: spanS > 0 ? counts.good / spanS : 0,
    token_goodput: spanS > 0 ? counts.goodTokens / spanS : 0,
    good_requests: counts.good,
    total_requests: total,
  };
  active.forEach((k, i) => (out[`${k}_attainment_percentage`] = ((counts.attained[i] as number) / total) * 100));
  return out;
}
