/**
 * capacity.json: the answer per axis with its interval and binding SLO, the probes, the server's state at the
 * answer (and every probe's peaks), the SLOs, the probe-length rule and the run context as the sweep records it.
 * Beside it, probe-<n>.json holds each probe's full step summary (vLLM's keys). Pure.
 */
import type { RunContext } from "../report/run-context.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { CapacityPlan } from "./capacity-plan.ts";
import type { AxisResult, CapacityProbe } from "./capacity-result.ts";

export interface CapacityDocument {
  kind: "kneepoint-capacity";
  runId: string;
  status: "complete" | "partial";
  startedAt: string;
  endedAt: string;
  harnessVersion: string;
  target: { baseUrl: string; endpoint: string; model: string; serverVersion: string | null; simulator: string | null; simulatorProfile: string | null };
  request: string;
  arrival: CapacityPlan["arrival"];
  slos: Array<{ slo: string; limit: number; unit: "ms" | "ratio" }>;
  probeLengthRule: CapacityPlan["rule"] & { text: string };
  results: AxisResult[];
  probes: CapacityProbe[];
  runContext: RunContext;
  serverMetrics: string;
  /** Server-metric peaks per probe, keyed by the probe's index (absent series are null). */
  serverPeaks: Record<string, StepPeaks>;
  warnings: string[];
}

/** Each probe's measured requests summarized with vLLM's keys, as a sweep step: `probe-<n>.json`. */
export const probeFileName = (index: number): string => `probe-${index}.json`;

export function buildCapacityDocument(o: Omit<CapacityDocument, "kind" | "slos" | "probeLengthRule" | "arrival"> & { plan: CapacityPlan }): CapacityDocument {
  const { plan, ...rest } = o;
  return {
    kind: "kneepoint-capacity",
    ...rest,
    arrival: plan.arrival,
    slos: plan.slos.map((s) => ({ slo: s.text, limit: s.limit, unit: s.subject.kind === "latency" ? "ms" : "ratio" })),
    probeLengthRule: { ...plan.rule, text: plan.ruleText },
  };
}
