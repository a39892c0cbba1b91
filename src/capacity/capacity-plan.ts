/**
 * The capacity search's plan: the SLOs, the probe-length rule, and per axis the search spec. Pure; `--dry-run`
 * prints describeCapacityPlan and sends nothing.
 */
import type { CapacityOptions } from "./capacity-options.ts";
import { FALLBACK_START_RATE_RPS } from "./capacity-options.ts";
import type { SearchSpec } from "./capacity-search.ts";
import { describeProbeLengthRule, probeLength, type ProbeLengthRule } from "./probe-length.ts";
import type { Slo } from "./slo.ts";

export type Axis = "rate" | "concurrency";

export interface AxisPlan {
  axis: Axis;
  spec: SearchSpec;
  /** rate: where the start comes from (the closed loop's answer replaces it when that runs first). */
  startFrom: "flag" | "closed-loop answer";
}

export interface CapacityPlan {
  kind: "capacity-search";
  slos: Slo[];
  rule: ProbeLengthRule;
  ruleText: string;
  arrival: CapacityOptions["arrival"];
  /** Concurrency first: its answer's throughput is the rate search's start. */
  axes: AxisPlan[];
  target: { baseUrl: string; endpoint: string; model: string | null };
  request: string;
  seed: number;
}

export function buildCapacityPlan(o: CapacityOptions, slos: Slo[], ctx: { baseUrl: string; endpoint: string; model: string | null; request: string; seed: number; outputTokens: number | null }): CapacityPlan {
  const rule: ProbeLengthRule = { tailSamples: o.tailSamples, minRequests: o.minRequests, minDurationS: o.minProbeS, warmupFraction: o.warmupFraction, itlSamplesPerRequest: ctx.outputTokens === null ? 1 : Math.max(1, ctx.outputTokens - 1) };
  const axes: AxisPlan[] = [];
  if (o.search !== "rate") {
    axes.push({ axis: "concurrency", spec: { start: o.startConcurrency, min: 1, max: o.maxConcurrency, relTolerance: o.tolerance, integer: true, maxRepeats: o.repeats }, startFrom: "flag" });
  }
  if (o.search !== "concurrency") {
    const start = o.startRate ?? FALLBACK_START_RATE_RPS;
    axes.push({ axis: "rate", spec: { start, min: o.minRate, max: o.maxRate, relTolerance: o.tolerance, integer: false, maxRepeats: o.repeats }, startFrom: o.startRate === undefined && o.search === "both" ? "closed-loop answer" : "flag" });
  }
  return { kind: "capacity-search", slos, rule, ruleText: describeProbeLengthRule(slos, rule), arrival: o.arrival, axes, target: { baseUrl: ctx.baseUrl, endpoint: ctx.endpoint, model: ctx.model }, request: ctx.request, seed: ctx.seed };
}

function describeAxis(plan: CapacityPlan, a: AxisPlan): string[] {
  const s = a.spec;
  const first = a.axis === "rate" ? probeLength(plan.slos, plan.rule, { axis: "rate", rateRps: s.start }) : probeLength(plan.slos, plan.rule, { axis: "concurrency", concurrency: s.start });
  const what =
    a.axis === "rate"
      ? `open loop (${plan.arrival} arrivals): highest rate, req/s, in [${s.min}, ${s.max}], starting at ${a.startFrom === "flag" ? s.start : "the closed loop's achieved throughput at its answer"}`
      : `closed loop: highest concurrency in [${s.min}, ${s.max}], starting at ${s.start}`;
  return [
    `  ${what}`,
    `    bracket by doubling (halving while the start fails), then bisect until within ${(s.relTolerance * 100).toFixed(1)} %${s.integer ? " or adjacent" : ""}; a close verdict is measured ${s.maxRepeats} more time(s)`,
    `    first probe: ${first.measured} measured + ${first.warmup} warm-up requests`,
  ];
}

export function describeCapacityPlan(plan: CapacityPlan): string {
  return [
    `target:   ${plan.target.baseUrl}${plan.target.baseUrl.startsWith("(") ? " " : ""}${plan.target.endpoint}, model ${plan.target.model ?? "(first of GET /v1/models)"}`,
    `requests: ${plan.request}, seed ${plan.seed}`,
    `SLOs:     ${plan.slos.map((s) => s.text).join("; ")} (every one must hold)`,
    `probes:   ${plan.ruleText}`,
    "search:",
    ...plan.axes.flatMap((a) => describeAxis(plan, a)),
  ].join("\n");
}
