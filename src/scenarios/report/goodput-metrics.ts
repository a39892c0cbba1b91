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
 * Per-request SLOs from request headers (api.slo_ttft_header / slo_tpot_header, slo-headers.ts: `slo_headers`)
 * replace the ttft / tpot constraint for the requests they apply to (streamed, with content chunks); a metric is then
 * measured on the requests that have a limit for it (a configured constraint or a header SLO), its attainment is
 * over those requests, and a request is good when every limit it has holds.
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
  /** Per-request SLOs read from the request headers (slo-headers.ts), seconds: for streamed requests with content. */
  slo_headers?: { ttft?: number; tpot?: number };
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
export function activeGoodputConstraints(constraints: GoodputConstraints | null | undefined): Array<keyof Omit<GoodputConstraints, "slo_headers">> {
  return CONSTRAINT_ORDER.filter((k) => constraints?.[k] !== undefined && constraints[k] !== null);
}

/** The metrics goodput is measured on: a configured constraint or a header SLO, in inference-perf's key order. */
export function goodputKeys(constraints: GoodputConstraints | null | undefined): Array<keyof Omit<GoodputConstraints, "slo_headers">> {
  const slo = constraints?.slo_headers;
  return CONSTRAINT_ORDER.filter((k) => (constraints?.[k] !== undefined && constraints[k] !== null) || (k in (slo ?? {}) && (slo as Record<string, unknown>)[k] !== undefined));
}

/**
 * The mergeable part of goodput (counts add up across stages and shards): good requests, their tokens, and per
 * goodput key (goodputKeys order) the requests with a limit for it and those within it.
 */
export interface GoodputCounts {
  good: number;
  goodTokens: number;
  attained: number[];
  applicable: number[];
}

export function createGoodputCounts(constraints: GoodputConstraints | null | undefined): GoodputCounts {
  const keys = goodputKeys(constraints);
  return { good: 0, goodTokens: 0, attained: keys.map(() => 0), applicable: keys.map(() => 0) };
}

/** `sloApplies`: the request carries the header SLOs (streamed, with content chunks). */
export function addGoodputRequest(counts: GoodputCounts, metrics: LifecycleMetrics, constraints: GoodputConstraints | null | undefined, sloApplies = false): void {
  const keys = goodputKeys(constraints);
  if (keys.length === 0) return;
  let isGood = true;
  keys.forEach((k, i) => {
    const slo = sloApplies ? (constraints!.slo_headers as Record<string, number | undefined> | undefined)?.[k] : undefined;
    const limit = slo ?? constraints![k];
    if (limit === undefined || limit === null) return;
    counts.applicable[i]!++;
    const v = valueOf[k](metrics);
    if (v !== null && v <= limit) counts.attained[i]!++;
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
    p.applicable.forEach((n, i) => (out.applicable[i]! += n));
  }
  return out;
}

/**
 * goodput_metrics from the counts over `total` successes whose span (max end − min start) is `spanS`; null when no
 * constraint is configured and no request carried a header SLO, or there is no successful request (inference-perf
 * writes no key then). An attainment is over the requests with a limit for its metric; none when there are none.
 */
export function goodputMetricsOf(counts: GoodputCounts, total: number, spanS: number, constraints: GoodputConstraints | null | undefined): GoodputMetrics | null {
  const keys = goodputKeys(constraints);
  if (keys.length === 0 || total === 0) return null;
  if (activeGoodputConstraints(constraints).length === 0 && counts.applicable.every((n) => n === 0)) return null;
  const out: GoodputMetrics = {
    goodput_percentage: (counts.good / total) * 100,
    request_goodput: spanS > 0 ? counts.good / spanS : 0,
    token_goodput: spanS > 0 ? counts.goodTokens / spanS : 0,
    good_requests: counts.good,
    total_requests: total,
  };
  keys.forEach((k, i) => {
    const n = counts.applicable[i] as number;
    if (n > 0) out[`${k}_attainment_percentage`] = ((counts.attained[i] as number) / n) * 100;
  });
  return out;
}
