/**
 * The per-adapter lifecycle files of a multi-LoRA run, as inference-perf 0.7.0 writes them (reportgen/base.py:1032-1078):
 *   adapter_<a>_lifecycle_metrics         report.request_lifecycle.per_adapter (default true): every reported request
 *                                         sent to adapter <a>, summarized as the summary file is (no stage rate);
 *   adapter_<a>_stage_<N>_lifecycle_metrics  per_adapter_stage (default false): the requests of stage N sent to <a>,
 *                                         with the stage's rate (send_duration, requested/achieved rate) but never a
 *                                         concurrency, even for a concurrent stage (its rate is 0.7.0's rewritten
 *                                         one: the stage's request count).
 * Buckets appear in the order their first request does; a request sent to the base model is in none. Built from
 * the adapter sub-states of the stages' StageStates (stage-state.ts, options.perAdapter); the run's buckets are
 * the stages' merged (`summary`). Pure.
 */
import type { ReportFile } from "../storage/report-file.ts";
import type { StagePlan } from "../types.ts";
import { buildLifecycleReportFromState } from "./build-lifecycle-report.ts";
import { lifecycleNumberType } from "./lifecycle-report.ts";
import type { StageState } from "./stage-state.ts";

/** A concurrent stage as 0.7.0 hands it to this report: rate = its request count, no concurrency (main.py:150-153). */
function rateOnly(plan: StagePlan): StagePlan {
  return plan.kind === "concurrent" ? { kind: "constant", rate: plan.numRequests, durationS: 1 } : plan;
}

export function buildAdapterLifecycleFiles(
  stages: ReadonlyArray<{ index: number; plan: StagePlan; state: StageState }>,
  summary: StageState,
  o: { perAdapter: boolean; perAdapterStage: boolean; percentiles: readonly number[] },
): ReportFile[] {
  const files: ReportFile[] = [];
  const goodput = summary.options.goodput;
  if (o.perAdapter) {
    for (const a of summary.adapters) {
      const contents = buildLifecycleReportFromState(a.state, { percentiles: o.percentiles, goodput });
      files.push({ name: `adapter_${a.adapter}_lifecycle_metrics`, kind: "json", contents, numberType: lifecycleNumberType });
    }
  }
  if (o.perAdapterStage) {
    for (const s of stages) {
      for (const a of s.state.adapters) {
        const contents = buildLifecycleReportFromState(a.state, { percentiles: o.percentiles, goodput, stage: rateOnly(s.plan) });
        files.push({ name: `adapter_${a.adapter}_stage_${s.index}_lifecycle_metrics`, kind: "json", contents, numberType: lifecycleNumberType });
      }
    }
  }
  return files;
}
