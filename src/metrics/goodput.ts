/**
 * Goodput SLOs, as `vllm bench serve --goodput ttft:… tpot:… e2el:…` (research/vllm-bench.md §1.5):
 * a request is good when every configured SLO holds as value ≤ SLO, all in milliseconds.
 */
import type { RequestMetrics } from "./request-metrics.ts";

export interface GoodputSlosMs {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

/** True when at least one SLO is set; vLLM reports `request_goodput: null` otherwise. */
export function hasSlos(slos: GoodputSlosMs | undefined): slos is GoodputSlosMs {
  return slos !== undefined && (slos.ttftMs !== undefined || slos.tpotMs !== undefined || slos.e2elMs !== undefined);
}

/**
 * Whether one successful request meets every configured SLO (value ≤ SLO). A request with
 * output ≤ 1 token has no TPOT; vLLM counts its TPOT as 0 here, so it always meets a TPOT SLO ≥ 0.
 */
export function meetsSlos(m: RequestMetrics, slos: GoodputSlosMs): boolean {
  if (slos.ttftMs !== undefined && !(m.ttftMs <= slos.ttftMs)) return false;
  if (slos.tpotMs !== undefined && !((m.tpotMs ?? 0) <= slos.tpotMs)) return false;
  if (slos.e2elMs !== undefined && !(m.e2elMs <= slos.e2elMs)) return false;
  return true;
}
