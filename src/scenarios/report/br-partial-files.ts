/**
 * The `inference-perf.partial.stage_<N>.yaml` files of a run, as inference-perf 0.7.0 writes them
 * (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py `generate_reports`, the block after the
 * Prometheus reports): one per reported stage that has requests, whatever `report.request_lifecycle` asks for
 * (0.7.0 writes them unconditionally: "Always emit the inference-perf slice of a BR0.2 report per stage"), in
 * stage order, with one experiment id for the run and one run id per stage (br-run-time.ts), the stage's
 * wall-clock window as run.time, and the YAML PyYAML's dump writes (python-yaml.ts). A sweep's probe stage
 * (index −1) has none.
 * The window is 0.7.0's StageRuntimeInfo start_time/end_time: its start is taken STAGE_LEAD_S before the first
 * request is due (load_generator.py run_stage, `perf_counter() + 1`; prometheus-windows.ts models the same), so it
 * starts that much before kneepoint's StageRun; its end is kneepoint's (the last response's end; 0.7.0 takes it at
 * its first 1-second poll after that).
 * Token times are re-tokenized when a tokenizer is configured and the summary or per-stage report was built,
 * because that is when 0.7.0's adapter sees re-tokenized times (br-partial-report.ts).
 * Built from each stage's StageState (stage-state.ts) folded with the BR view (`reportStageStateOptions(opts, true)`).
 * Pure except for the random id digits, which default to crypto's (uuid4's first 8 hex digits are all random);
 * tests pass their own.
 */
import { randomUUID } from "node:crypto";
import type { ReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";
import { brPartialNumberType, buildBrPartialReportFromState } from "./br-partial-report.ts";
import { brExperimentEid, brRunTime, brRunUid } from "./br-run-time.ts";
import { reportStageStateOptions } from "./build-lifecycle-files.ts";
import { foldContextOf, foldStageState } from "./build-lifecycle-report.ts";
import { STAGE_LEAD_S } from "./prometheus-windows.ts";
import { pythonYamlDump } from "./python-yaml.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import type { StageState } from "./stage-state.ts";

/** `uuid.uuid4().hex[:8]`. */
export function randomHex8(): string {
  return randomUUID().replace(/-/g, "").slice(0, 8);
}

export function brPartialFileName(stageIndex: number): string {
  return `inference-perf.partial.stage_${stageIndex}`;
}

export function buildBrPartialFiles(stages: readonly StageRun[], opts: ScenarioReportOptions, hex8: () => string = randomHex8): ReportFile[] {
  const options = { ...reportStageStateOptions(opts, true), perAdapter: false };
  const ctx = foldContextOf({ ...(opts.countTokens !== undefined ? { countTokens: opts.countTokens } : {}) });
  const runs = stages.filter((s) => s.index >= 0).map((s) => ({ ...s, state: foldStageState(s.records, options, ctx) }));
  return buildBrPartialFilesFromStates(runs, hex8);
}

/** The partials of the reported stages (index ≥ 0) that have requests, from their states. */
export function buildBrPartialFilesFromStates(stages: ReadonlyArray<Pick<StageRun, "index" | "startEpochMs" | "endEpochMs"> & { state: StageState }>, hex8: () => string = randomHex8): ReportFile[] {
  const reported = stages.filter((s) => s.index >= 0 && s.state.core.count > 0);
  if (reported.length === 0) return [];
  const eid = brExperimentEid(hex8());
  return reported.map((s) => {
    const run = { uid: brRunUid(s.index, hex8()), eid, time: brRunTime(s.startEpochMs - STAGE_LEAD_S * 1000, s.endEpochMs) };
    const report = buildBrPartialReportFromState(s.state.core, run);
    return { name: brPartialFileName(s.index), kind: "yaml", text: pythonYamlDump(report as unknown as Record<string, unknown>, brPartialNumberType) };
  });
}
