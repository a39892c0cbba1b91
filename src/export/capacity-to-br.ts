/**
 * A capacity run (results/<runId>/capacity.json + probe-<n>.json) as llm-d Benchmark Reports v0.2: one document
 * per completed probe, mapped like a sweep step (sweep-to-br.ts: the same aggregate from vLLM's keys, the same
 * peaks block), with the probe's load: an open-loop rate (rate_qps, the arrival process in the description) or a
 * closed-loop concurrency. The search's outcome goes in the description and keywords: `capacity-answer` on the
 * probe at each axis's answer, and the SLOs with their measured values. Probes cut short by Ctrl-C are left out.
 * Pure.
 */
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import type { CapacityProbe } from "../capacity/capacity-result.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { brRunTime } from "../scenarios/report/br-run-time.ts";
import { BR_VERSION, servingComponent, type BrDocument, type BrLoad, type ServingFacts } from "./br-document.ts";
import { stepPeaksBlock, sweepAggregate } from "./sweep-to-br.ts";

export interface CapacityExportInput {
  runId: string;
  harnessVersion: string;
  serving: ServingFacts;
  document: CapacityDocument;
  /** config.json-like request shape when the run used the sweep's flags; null with a scenario config. */
  shape: { inputLen: number; outputLen: number; ignoreEos: boolean } | null;
  probes: ReadonlyArray<{ probe: CapacityProbe; step: StepSummary; peaks: StepPeaks | null }>;
}

function describeReadings(p: CapacityProbe): string {
  return p.readings.map((r) => `${r.slo}: ${r.value === null ? "n/a" : r.slo.startsWith("error_rate") ? `${(r.value * 100).toFixed(2)}%` : `${r.value.toFixed(1)} ms`} (${r.pass ? "met" : "broken"})`).join("; ");
}

function capacityLoad(input: CapacityExportInput, p: CapacityProbe, stage: number): BrLoad {
  const s = input.shape;
  const standardized: BrLoad["standardized"] = {
    tool: "kneepoint",
    tool_version: input.harnessVersion,
    source: "random",
    stage,
    input_seq_len: s ? { distribution: "fixed", value: s.inputLen } : { distribution: "other", value: 0 },
    ...(p.axis === "rate" ? { rate_qps: p.level } : { concurrency: p.level }),
  };
  if (s && s.ignoreEos) standardized.output_seq_len = { distribution: "fixed", value: s.outputLen };
  const load = p.axis === "rate" ? `open loop at ${p.level} req/s (${input.document.arrival} arrivals)` : `closed loop at concurrency ${p.level}`;
  return {
    metadata: { schema_version: "0.0.1", description: `capacity probe #${p.index}: ${load}, ${p.measuredRequests} measured requests after ${p.warmupRequests} warm-up; ${input.document.request}` },
    standardized,
    native: { config: { slos: input.document.slos, probe_length_rule: input.document.probeLengthRule, arrival: input.document.arrival } },
  };
}

export function capacityToBr(input: CapacityExportInput): BrDocument[] {
  const server = servingComponent(input.serving);
  const answers = new Map(input.document.results.map((r) => [r.axis, r.answer]));
  return input.probes
    .filter(({ probe }) => !probe.partial)
    .map(({ probe: p, step, peaks }, stage) => {
      const atAnswer = answers.get(p.axis) === p.level && p.pass;
      const peaksBlock = stepPeaksBlock(peaks, server.metadata.label);
      return {
        version: BR_VERSION,
        run: {
          uid: `kneepoint-${input.runId}-probe${p.index}`,
          eid: `kneepoint-${input.runId}`,
          time: brRunTime(p.startedAtEpochMs, p.endedAtEpochMs),
          description: `kneepoint capacity ${input.runId}, probe #${p.index} (${p.axis} ${p.level}, attempt ${p.attempt}): ${p.pass ? "met" : "failed"} the SLOs; ${describeReadings(p)}${atAnswer ? "; the answer of the search" : ""}`,
          keywords: ["kneepoint", "capacity", p.axis === "rate" ? "open-loop" : "closed-loop", p.pass ? "slo-met" : "slo-failed", ...(atAnswer ? ["capacity-answer"] : []), ...(input.serving.simulator ? ["simulated"] : [])],
        },
        scenario: { stack: [server], load: capacityLoad(input, p, stage) },
        results: {
          request_performance: { aggregate: sweepAggregate(step) },
          ...(peaksBlock ? { observability: { kneepoint_step_peaks: peaksBlock } } : {}),
        },
      };
    });
}
