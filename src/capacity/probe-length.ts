/**
 * How long a probe runs, so that the percentile its verdict rests on is worth trusting. Pure.
 *
 * Rule: the strictest percentile p among the SLOs (mean/median count as p50) must have at least `tailSamples`
 * measured requests beyond it: measured ≥ ⌈tailSamples / (1 − p/100)⌉ (p95 with 5 → 100, p99 → 500). That is
 * counted in samples: one per request for TTFT, TPOT, E2EL; `itlSamplesPerRequest` (output tokens − 1 when the
 * request shape fixes them, else 1) for ITL, whose samples are the token gaps.
 * At least `minRequests` are measured, and an open-loop probe lasts at least `minDurationS` (rate × duration
 * requests); a closed-loop probe is extended until it has (the runner's job, its duration is not known ahead).
 * A warm-up of ⌈warmupFraction × measured⌉ requests (closed loop: at least one per worker, the synchronized first
 * wave) is sent first, at the same load, and left out of every SLO value.
 */
import { sloPercentile, type Slo } from "./slo.ts";

export interface ProbeLengthRule {
  tailSamples: number;
  minRequests: number;
  minDurationS: number;
  warmupFraction: number;
  /** ITL samples one request gives (output tokens − 1 for a fixed shape; 1 when unknown). */
  itlSamplesPerRequest: number;
}

export interface ProbeLength {
  /** Requests whose values the verdict uses. */
  measured: number;
  /** Requests sent first and excluded. */
  warmup: number;
}

/** Measured requests the SLOs' percentiles need, whatever the load. */
export function requestsForPercentiles(slos: readonly Slo[], rule: ProbeLengthRule): number {
  let need = rule.minRequests;
  for (const slo of slos) {
    const p = sloPercentile(slo);
    if (p === null || p >= 100) continue;
    const samples = Math.ceil(rule.tailSamples / (1 - p / 100) - 1e-9);
    const perRequest = slo.subject.kind === "latency" && slo.subject.metric === "itl" ? Math.max(1, rule.itlSamplesPerRequest) : 1;
    need = Math.max(need, Math.ceil(samples / perRequest));
  }
  return need;
}

export function probeLength(slos: readonly Slo[], rule: ProbeLengthRule, load: { axis: "rate"; rateRps: number } | { axis: "concurrency"; concurrency: number }): ProbeLength {
  let measured = requestsForPercentiles(slos, rule);
  if (load.axis === "rate") measured = Math.max(measured, Math.ceil(load.rateRps * rule.minDurationS));
  else measured = Math.max(measured, 4 * load.concurrency);
  const warmup = Math.max(Math.ceil(rule.warmupFraction * measured), load.axis === "concurrency" ? load.concurrency : 0);
  return { measured, warmup };
}

/** The rule in words, for --dry-run, capacity.json and report.md. */
export function describeProbeLengthRule(slos: readonly Slo[], rule: ProbeLengthRule): string {
  return (
    `each probe measures max(${rule.minRequests}, ⌈${rule.tailSamples} / (1 − p/100)⌉ samples beyond each SLO percentile p; ITL counts ${rule.itlSamplesPerRequest} gap(s) per request) = ${requestsForPercentiles(slos, rule)} requests or more: ` +
    `open loop at least ${rule.minDurationS} s of arrivals, closed loop at least 4 requests per worker and extended to ${rule.minDurationS} s; ` +
    `a warm-up of ${Math.round(rule.warmupFraction * 100)} % more (closed loop: at least one per worker) is sent first and excluded`
  );
}
