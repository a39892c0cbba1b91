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
 */
import type { ReportFile } from "../storage/report-file.ts";
import type { ScenarioRecord, StageRun } from "../types.ts";
import { buildAdapterLifecycleFiles } from "./adapter-lifecycle-files.ts";
import { inferencePerfError } from "./inference-perf-request.ts";
import { buildLifecycleReport } from "./build-lifecycle-report.ts";
import { lifecycleNumberType } from "./lifecycle-report.ts";
import { buildKneepointRequestEntry, buildPerRequestEntry, perRequestNumberType } from "./per-request-entries.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

export const KNEEPOINT_PER_REQUEST_FILE = "kneepoint_per_request";

export function buildLifecycleFiles(stages: readonly StageRun[], opts: ScenarioReportOptions): ReportFile[] {
  const reported = stages.filter((s) => s.index >= 0);
  const all: ScenarioRecord[] = reported.flatMap((s) => s.records.filter((r) => r.stage >= 0));
  const common = {
    percentiles: opts.percentiles,
    maxErrorMessages: opts.maxErrorMessages,
    useServerOutputTokens: opts.useServerOutputTokens,
    goodput: opts.goodput,
    ...(opts.streaming !== undefined ? { streaming: opts.streaming } : {}),
    ...(opts.requestBody !== undefined ? { requestBody: opts.requestBody } : {}),
    ...(opts.countTokens !== undefined ? { countTokens: opts.countTokens } : {}),
    ...(opts.retokenizeChunks ? { retokenizeChunks: true } : {}),
  };
  const files: ReportFile[] = [];
  if (opts.summary && all.length > 0) {
    files.push({ name: "summary_lifecycle_metrics", kind: "json", contents: buildLifecycleReport(all, common), numberType: lifecycleNumberType });
  }
  if (opts.perStage) {
    for (const s of reported) {
      if (s.records.length === 0) continue;
      files.push({ name: `stage_${s.index}_lifecycle_metrics`, kind: "json", contents: buildLifecycleReport(s.records, { ...common, stage: s.plan }), numberType: lifecycleNumberType });
    }
  }
  if (opts.perRequest) {
    const perRequest = {
      ...common,
      retokenizeChunks: common.retokenizeChunks === true && (opts.summary || opts.perStage),
      ...(opts.loraAdapter ? { loraAdapter: opts.loraAdapter } : {}),
    };
    files.push({ name: "per_request_lifecycle_metrics", kind: "json", contents: all.map((r) => buildPerRequestEntry(r, perRequest)), numberType: perRequestNumberType });
    files.push({ name: KNEEPOINT_PER_REQUEST_FILE, kind: "json", contents: all.map((r) => buildKneepointRequestEntry(r, common)) });
  }
  const adapterOf = opts.loraAdapter;
  if (adapterOf) {
    // 0.7.0 records the adapter only on a request answered 200 and read to its end: a failure's InferenceInfo is
    // the empty default (lora_adapter None), so failures are in no adapter file.
    const streaming = opts.streaming ?? true;
    const loraAdapter = (rec: ScenarioRecord) => (inferencePerfError(rec, streaming) === null ? adapterOf(rec) : null);
    files.push(...buildAdapterLifecycleFiles(reported, all, { perAdapter: opts.perAdapter === true, perAdapterStage: opts.perAdapterStage === true, loraAdapter, common }));
  }
  return files;
}
