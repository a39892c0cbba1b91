/**
 * The request-lifecycle report files of a run, as inference-perf's `generate_reports` names and orders them
 * (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py; research/inference-perf.md §2.1):
 *   summary_lifecycle_metrics (every request of every reported stage), stage_N_lifecycle_metrics (N = the stage
 *   index), per_request_lifecycle_metrics. A sweep's probe stage (index −1) is never reported; a report with no
 *   request is not written (inference-perf writes none either). Pure.
 */
import type { ReportFile } from "../storage/report-file.ts";
import type { ScenarioRecord, StageRun } from "../types.ts";
import { buildLifecycleReport } from "./build-lifecycle-report.ts";
import { buildPerRequestEntry } from "./per-request-entries.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

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
  };
  const files: ReportFile[] = [];
  if (opts.summary && all.length > 0) {
    files.push({ name: "summary_lifecycle_metrics", kind: "json", contents: buildLifecycleReport(all, common) });
  }
  if (opts.perStage) {
    for (const s of reported) {
      if (s.records.length === 0) continue;
      files.push({ name: `stage_${s.index}_lifecycle_metrics`, kind: "json", contents: buildLifecycleReport(s.records, { ...common, stage: s.plan }) });
    }
  }
  if (opts.perRequest) {
    files.push({ name: "per_request_lifecycle_metrics", kind: "json", contents: all.map((r) => buildPerRequestEntry(r, common)) });
  }
  return files;
}
