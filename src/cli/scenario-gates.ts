/**
 * `kneepoint run`'s gates: checked against the config before anything is sent (a percentile the report does not
 * compute, a goodput gate without report.goodput.constraints), evaluated on the run's summary (inference-perf's
 * summary_lifecycle_metrics: every reported stage's requests, as written), and stored as kneepoint_gates.json
 * beside inference-perf's files (a name no inference-perf glob reads).
 */
import { UsageError } from "../errors.ts";
import { evaluateGates, type GateOutcome } from "../gates/evaluate-gates.ts";
import { formatGate, type Gate } from "../gates/gate.ts";
import { lifecycleScope } from "../gates/gate-scopes.ts";
import { gatesFile } from "../gates/render-gates.ts";
import type { ReportFile } from "../scenarios/storage/report-file.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { buildLifecycleFilesFromStates } from "../scenarios/report/build-lifecycle-files.ts";
import type { StateStageRun } from "../scenarios/report/write-scenario-reports.ts";
import type { ScenarioReportOptions } from "../scenarios/report/scenario-report-options.ts";
import { checkGatePercentiles, GATE_SCOPES } from "./fail-on.ts";

export const KNEEPOINT_GATES_FILE = "kneepoint_gates.json";

/** p0 (min), p50 (median) and p100 (max) are always in the report; the others are report.request_lifecycle.percentiles. */
export function checkScenarioGates(gates: readonly Gate[], cfg: ScenarioConfig): void {
  const percentiles = [0, 50, 100, ...cfg.report.request_lifecycle.percentiles].sort((a, b) => a - b);
  checkGatePercentiles(gates, [...new Set(percentiles)], "run", "use one of those or mean/median, or add it to report.request_lifecycle.percentiles");
  const goodput = gates.find((g) => g.subject.kind === "scalar" && g.subject.name === "goodput");
  const constraints = cfg.report.goodput?.constraints;
  if (goodput && (!constraints || Object.keys(constraints).length === 0)) {
    throw new UsageError(`--fail-on '${formatGate(goodput)}': the config sets no report.goodput.constraints, so no goodput is measured`, "add report.goodput.constraints (e.g. ttft: 0.5) to the config, or gate on the latencies directly");
  }
}

/** The gates on the run's summary, built from its stages' states (build-lifecycle-files.ts buildLifecycleFilesFromStates). */
export function evaluateScenarioGatesFromStates(gates: readonly Gate[], stages: readonly StateStageRun[], report: ScenarioReportOptions): GateOutcome[] {
  if (gates.length === 0) return [];
  const summary = buildLifecycleFilesFromStates(stages, { ...report, summary: true, perStage: false, perRequest: false }).find((f) => f.name === "summary_lifecycle_metrics");
  return evaluateGates(gates, summary?.kind === "json" ? [lifecycleScope("summary", summary.contents)] : []);
}

/** kneepoint_gates.json, stored with the run's other files (locally and in any bucket). */
export function scenarioGatesFile(outcomes: readonly GateOutcome[]): ReportFile {
  return { name: KNEEPOINT_GATES_FILE.replace(/\.json$/, ""), kind: "json", contents: gatesFile(outcomes, GATE_SCOPES.run, null) };
}
