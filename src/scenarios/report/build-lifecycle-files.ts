/**
 * The request-lifecycle report files of a run, as inference-perf 0.7.0's `generate_reports` names and orders them
 * (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py; research/inference-perf.md §2.1):
 *   summary_lifecycle_metrics (every request of every reported stage), stage_N_lifecycle_metrics (N = the stage
 *   index), per_request_lifecycle_metrics, then the LoRA adapters' files (adapter-lifecycle-files.ts). A sweep's probe stage (index −1) is never reported; a report with no
 *   request is not written (inference-perf writes none either). Each is serialized as Python's json.dumps with
 *   Python's int/float types (python-json.ts). Pure.
 * Beside them, with per_request, kneepoint's own `kneepoint_per_request.json` (stage, scheduled time, kneepoint's
 * error verdict, computed metrics per request, same order): a name no inference-perf glob matches
 * (`stage_*_lifecycle_metrics.json`, `*_lifecycle_metrics`).
 * inference-perf re-tokenizes the successes' chunks while building the summary and stage reports and mutates the
 * records it then dumps per request: the per-request token times are re-tokenized only when one of those ran.
 *
 * Summary, stage and adapter files are built from StageStates (stage-state.ts): `buildLifecycleFilesFromStates`
 * for a run that kept states (the summary is the stages' states merged), `buildLifecycleFiles` for one that kept
 * records (each stage folded, then the same). The per-request files need every record: `buildLifecycleFiles` builds
 * them from the records; a run that keeps states streams them instead (per-request-writer.ts).
 */
import type { ReportFile } from "../storage/report-file.ts";
import type { StagePlan, StageRun } from "../types.ts";
import { buildAdapterLifecycleFiles } from "./adapter-lifecycle-files.ts";
import { buildLifecycleReportFromState, foldContextOf, foldStageState, stageStateOptionsOf } from "./build-lifecycle-report.ts";
import { lifecycleNumberType } from "./lifecycle-report.ts";
import { buildKneepointRequestEntry, buildPerRequestEntry, perRequestNumberType, perRequestOptionsOf } from "./per-request-entries.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import { mergeStageStates, type StageState, type StageStateOptions } from "./stage-state.ts";

export const KNEEPOINT_PER_REQUEST_FILE = "kneepoint_per_request";

/** A reported stage as the lifecycle files need it: its index, plan and state (no records). */
export interface StageStateRun {
  index: number;
  plan: StagePlan;
  state: StageState;
}

/**
 * The StageState options of a run's report (what each stage's records must be folded with). Token times are
 * re-tokenized as in the lifecycle reports (`retokenizeChunks`); `forBrAndPerRequest` gives the view of the BR
 * partials and per-request files instead (re-tokenized only when a summary or per-stage report is built), which is
 * the one view a run folding states once should use: the two differ only when neither report is written.
 */
export function reportStageStateOptions(opts: ScenarioReportOptions, forBrAndPerRequest = false): StageStateOptions {
  const retokenize = opts.retokenizeChunks === true && (!forBrAndPerRequest || opts.summary || opts.perStage);
  const perAdapter = opts.loraAdapter !== undefined && (opts.perAdapter === true || opts.perAdapterStage === true);
  return stageStateOptionsOf({ ...opts, retokenizeChunks: retokenize }, perAdapter);
}

export function buildLifecycleFiles(stages: readonly StageRun[], opts: ScenarioReportOptions): ReportFile[] {
  const reported = stages.filter((s) => s.index >= 0);
  const options = reportStageStateOptions(opts);
  const ctx = foldContextOf(opts);
  const runs = reported.map((s) => ({ index: s.index, plan: s.plan, state: foldStageState(s.records, options, ctx) }));
  const perRequest: ReportFile[] = [];
  if (opts.perRequest) {
    const all = reported.flatMap((s) => s.records.filter((r) => r.stage >= 0));
    const entryOpts = perRequestOptionsOf(opts);
    perRequest.push({ name: "per_request_lifecycle_metrics", kind: "json", contents: all.map((r) => buildPerRequestEntry(r, entryOpts)), numberType: perRequestNumberType });
    perRequest.push({ name: KNEEPOINT_PER_REQUEST_FILE, kind: "json", contents: all.map((r) => buildKneepointRequestEntry(r, entryOpts.kneepoint)) });
  }
  return buildLifecycleFilesFromStates(runs, opts, perRequest);
}

/**
 * The lifecycle files from the reported stages' states (index ≥ 0, in stage order), with `perRequest` (files built
 * elsewhere, or none when they were streamed) in inference-perf's place: after the stage files, before the adapters'.
 */
export function buildLifecycleFilesFromStates(stages: readonly StageStateRun[], opts: ScenarioReportOptions, perRequest: readonly ReportFile[] = []): ReportFile[] {
  const files: ReportFile[] = [];
  const summary = stages.length > 0 ? mergeStageStates(stages.map((s) => s.state)) : null;
  const { percentiles } = opts;
  if (opts.summary && summary !== null && summary.core.count > 0) {
    const contents = buildLifecycleReportFromState(summary.core, { percentiles, goodput: summary.options.goodput });
    files.push({ name: "summary_lifecycle_metrics", kind: "json", contents, numberType: lifecycleNumberType });
  }
  if (opts.perStage) {
    for (const s of stages) {
      if (s.state.core.count === 0) continue;
      const contents = buildLifecycleReportFromState(s.state.core, { percentiles, goodput: s.state.options.goodput, stage: s.plan });
      files.push({ name: `stage_${s.index}_lifecycle_metrics`, kind: "json", contents, numberType: lifecycleNumberType });
    }
  }
  files.push(...perRequest);
  if (opts.loraAdapter && summary !== null) {
    files.push(...buildAdapterLifecycleFiles(stages, summary, { perAdapter: opts.perAdapter === true, perAdapterStage: opts.perAdapterStage === true, percentiles }));
  }
  return files;
}
