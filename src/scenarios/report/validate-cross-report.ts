/**
 * inference-perf 0.7.0's cross-report validator (reportgen/cross_report/validation.py): the files of one run must
 * tell the same story. Stage counts sum to the summary's, the per-request records number the summary's count, no
 * gap in the stage numbering, the stages match the config's, requested rates do not ramp down. Its findings span
 * files and land under `global`. Pure.
 */
import { PerRequestDigest } from "./per-request-digest.ts";
import { pyFormatG, pyIntList } from "./python-format.ts";
import { structureFindings } from "./validate-summary-reports.ts";
import {
  CONFIG_FILENAME,
  contentsOf,
  error,
  getPath,
  isDict,
  isNumber,
  PER_REQUEST_FILENAME,
  sortedIds,
  stageLifecycleFiles,
  SUMMARY_LIFECYCLE_FILENAME,
  warning,
  type Finding,
  type ReportSet,
  type ReportSetValidator,
} from "./validation-findings.ts";

function summaryCount(set: ReportSet, ...path: string[]): number | null {
  const summary = contentsOf(set, SUMMARY_LIFECYCLE_FILENAME);
  if (!isDict(summary)) return null;
  const value = getPath(summary, ...path);
  return isNumber(value) ? value : null;
}

const COUNT_PATHS = [
  ["load_summary", "count"],
  ["successes", "count"],
  ["failures", "count"],
] as const;

function checkStageTotals(set: ReportSet): Finding[] {
  const stages = new Map([...stageLifecycleFiles(set)].filter(([id, doc]) => structureFindings(String(id), doc, "unused").length === 0));
  if (stages.size === 0) return [];
  const findings: Finding[] = [];
  for (const path of COUNT_PATHS) {
    const summaryValue = summaryCount(set, ...path);
    if (summaryValue === null) continue;
    const values = [...stages.values()].map((doc) => getPath(doc.contents, ...path));
    if (!values.every(isNumber)) continue;
    const sum = (values as number[]).reduce((a, b) => a + b, 0);
    if (sum !== summaryValue) {
      findings.push(
        error(
          "cross_report.stage_totals",
          null,
          `per-stage ${path.join(".")} values sum to ${pyFormatG(sum)} but the run summary reports ${pyFormatG(summaryValue)} — requests dropped or double-counted across stages (stages: ${pyIntList(sortedIds(stages))})`,
        ),
      );
    }
  }
  return findings;
}

function checkPerRequestCount(set: ReportSet): Finding[] {
  const records = contentsOf(set, PER_REQUEST_FILENAME);
  // The entries, or the digest of a streamed file (per-request-digest.ts).
  const n = Array.isArray(records) ? records.length : records instanceof PerRequestDigest ? records.count : null;
  const count = summaryCount(set, "load_summary", "count");
  if (n === null || count === null || n === count) return [];
  return [error("cross_report.per_request_count", null, `${PER_REQUEST_FILENAME} has ${n} record(s) but the run summary reports ${pyFormatG(count)} request(s)`)];
}

function checkStageIndices(set: ReportSet): Finding[] {
  const ids = sortedIds(stageLifecycleFiles(set));
  if (ids.length === 0) return [];
  const present = new Set(ids);
  const missing = Array.from({ length: ids[ids.length - 1]! + 1 }, (_, i) => i).filter((i) => !present.has(i));
  if (missing.length === 0) return [];
  return [warning("cross_report.stage_indices", null, `no per-stage lifecycle report for stage(s) ${pyIntList(missing)} — those stages recorded no requests`)];
}

function checkConfiguredStages(set: ReportSet): Finding[] {
  const config = contentsOf(set, CONFIG_FILENAME);
  const stages = isDict(config) ? getPath(config, "load", "stages") : null;
  if (!Array.isArray(stages)) return [];
  const ids = sortedIds(stageLifecycleFiles(set));
  if (ids.length === 0) return [];
  const findings: Finding[] = [];
  const extra = ids.filter((id) => id >= stages.length);
  if (extra.length > 0) {
    findings.push(error("cross_report.configured_stages", null, `per-stage report(s) for stage(s) ${pyIntList(extra)} but the config declares only ${stages.length} stage(s)`));
  }
  const present = new Set(ids);
  const absent = Array.from({ length: stages.length }, (_, i) => i).filter((i) => !present.has(i));
  if (absent.length > 0) {
    findings.push(warning("cross_report.configured_stages", null, `config declares ${stages.length} stage(s) but stage(s) ${pyIntList(absent)} emitted no lifecycle report`));
  }
  return findings;
}

/** Non-decreasing requested rates; skipped when a stage's rate is not a number. */
function checkStageRates(set: ReportSet): Finding[] {
  const stages = stageLifecycleFiles(set);
  const ordered: [number, number][] = [];
  for (const id of sortedIds(stages)) {
    const rate = getPath(stages.get(id)!.contents, "load_summary", "requested_rate");
    if (!isNumber(rate)) return [];
    ordered.push([id, rate]);
  }
  const findings: Finding[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const [prevId, prevRate] = ordered[i - 1]!;
    const [id, rate] = ordered[i]!;
    if (rate < prevRate) {
      findings.push(
        warning(
          "cross_report.stage_rates",
          null,
          `stage requested rates are not monotonically increasing: stage ${id} requested_rate ${pyFormatG(rate)} < stage ${prevId} requested_rate ${pyFormatG(prevRate)}`,
        ),
      );
    }
  }
  return findings;
}

export const crossReportValidator: ReportSetValidator = {
  name: "cross_report",
  covers: () => [],
  checks: [
    { name: "_check_stage_totals", run: checkStageTotals },
    { name: "_check_per_request_count", run: checkPerRequestCount },
    { name: "_check_stage_indices", run: checkStageIndices },
    { name: "_check_configured_stages", run: checkConfiguredStages },
    { name: "_check_stage_rates", run: checkStageRates },
  ],
};
