/**
 * The per-adapter lifecycle files of a multi-LoRA run, as inference-perf 0.7.0 writes them (reportgen/base.py:1032-1078):
 *   adapter_<a>_lifecycle_metrics         report.request_lifecycle.per_adapter (default true): every reported request
 *                                         sent to adapter <a>, summarized as the summary file is (no stage rate);
 *   adapter_<a>_stage_<N>_lifecycle_metrics  per_adapter_stage (default false): the requests of stage N sent to <a>,
 *                                         with the stage's rate (send_duration, requested/achieved rate) but never a
 *                                         concurrency, even for a concurrent stage (its rate is 0.7.0's rewritten
 *                                         one: the stage's request count).
 * Buckets appear in the order their first request does; a request sent to the base model is in none. Pure.
 */
import type { ReportFile } from "../storage/report-file.ts";
import type { ScenarioRecord, StagePlan, StageRun } from "../types.ts";
import { buildLifecycleReport, type LifecycleReportOptions } from "./build-lifecycle-report.ts";
import { lifecycleNumberType } from "./lifecycle-report.ts";

function bucketsBy<K>(records: readonly ScenarioRecord[], key: (r: ScenarioRecord) => K | null): Map<K, ScenarioRecord[]> {
  const out = new Map<K, ScenarioRecord[]>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const bucket = out.get(k);
    if (bucket) bucket.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** A concurrent stage as 0.7.0 hands it to this report: rate = its request count, no concurrency (main.py:150-153). */
function rateOnly(plan: StagePlan): StagePlan {
  return plan.kind === "concurrent" ? { kind: "constant", rate: plan.numRequests, durationS: 1 } : plan;
}

export function buildAdapterLifecycleFiles(
  reported: readonly StageRun[],
  all: readonly ScenarioRecord[],
  o: { perAdapter: boolean; perAdapterStage: boolean; loraAdapter: (rec: ScenarioRecord) => string | null; common: LifecycleReportOptions },
): ReportFile[] {
  const files: ReportFile[] = [];
  if (o.perAdapter) {
    for (const [adapter, records] of bucketsBy(all, o.loraAdapter)) {
      files.push({ name: `adapter_${adapter}_lifecycle_metrics`, kind: "json", contents: buildLifecycleReport(records, o.common), numberType: lifecycleNumberType });
    }
  }
  if (o.perAdapterStage) {
    const plans = new Map(reported.map((s) => [s.index, s.plan] as const));
    const byPair = bucketsBy(all, (r) => {
      const a = o.loraAdapter(r);
      return a === null ? null : JSON.stringify([a, r.stage]);
    });
    for (const [pair, records] of byPair) {
      const [adapter, stage] = JSON.parse(pair) as [string, number];
      const contents = buildLifecycleReport(records, { ...o.common, stage: rateOnly(plans.get(stage)!) });
      files.push({ name: `adapter_${adapter}_stage_${stage}_lifecycle_metrics`, kind: "json", contents, numberType: lifecycleNumberType });
    }
  }
  return files;
}
