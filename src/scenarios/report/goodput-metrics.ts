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

export interface GoodputRequest {
  metrics: LifecycleMetrics;
  startS: number;
  endS: number;
}

/** null when no constraint is configured or there is no successful request (inference-perf writes no key then). */
export function calculateGoodputMetrics(successes: readonly GoodputRequest[], constraints: GoodputConstraints | null | undefined): GoodputMetrics | null {
  const active = CONSTRAINT_ORDER.filter((k) => constraints?.[k] !== undefined && constraints[k] !== null);
  if (active.length === 0 || successes.length === 0) return null;

  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (const r of successes) {
    if (r.startS < minStart) minStart = r.startS;
    if (r.endS > maxEnd) maxEnd = r.endS;
  }
  const spanS = maxEnd - minStart;

  let good = 0;
  let goodTokens = 0;
  const attained = new Map<string, number>(active.map((k) => [k, 0]));
  for (const { metrics } of successes) {
    let isGood = true;
    for (const k of active) {
      const v = valueOf[k](metrics);
      if (v !== null && v <= (constraints![k] as number)) attained.set(k, (attained.get(k) as number) + 1);
      else isGood = false;
    }
    if (isGood) {
      good++;
      goodTokens += metrics.inputTokens + metrics.effectiveOutputTokens;
    }
  }

  const total = successes.length;
  const out: GoodputMetrics = {
    goodput_percentage: (good / total) * 100,
    request_goodput: spanS > 0 ? good / spanS : 0,
    token_goodput: spanS > 0 ? goodTokens / spanS : 0,
    good_requests: good,
    total_requests: total,
  };
  for (const k of active) out[`${k}_attainment_percentage`] = ((attained.get(k) as number) / total) * 100;
  return out;
}
