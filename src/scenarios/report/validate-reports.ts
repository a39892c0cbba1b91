/**
 * validation.json, as inference-perf 0.7.0 writes it (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/validation.py `validate_reports`, called last by reportgen/base.py
 * `generate_reports`): its five validators (summary, per_stage, per_request, cross_report, br_partial) run over
 * every report file assembled so far, and their findings become one more report file,
 *   {"global": {"warnings": [...], "errors": [...]}, "reports": {"<file>": {"warnings": [...], "errors": [...]}}}
 * with every file a validator covers listed even when clean. An error means the report set contradicts itself: a
 * bug in kneepoint's report builder, never in the server. Validation never fails the run; its findings are also
 * returned as lines for the run's warnings.
 *
 * The documents are read as inference-perf holds them: JSON files as built, with their Python number types
 * (python-json.ts `numberType`); YAML files (config.yaml, the BR partials) parsed, a number written with a
 * fraction or exponent being a float. Pure.
 */
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { ReportFile } from "../storage/report-file.ts";
import type { PerRequestDigest } from "./per-request-digest.ts";
import type { NumberType } from "./python-json.ts";
import { brPartialValidator } from "./validate-br-partials.ts";
import { crossReportValidator } from "./validate-cross-report.ts";
import { perRequestLifecycleValidator } from "./validate-per-request-report.ts";
import { perStageLifecycleValidator, summaryLifecycleValidator } from "./validate-summary-reports.ts";
import { allErrors, allWarnings, PER_REQUEST_FILENAME, runValidators, type Finding, type ReportDoc, type ReportSet, type ReportSetValidator, type ValidationReport } from "./validation-findings.ts";

export const VALIDATION_REPORT_NAME = "validation";

export const DEFAULT_VALIDATORS: readonly ReportSetValidator[] = [
  summaryLifecycleValidator,
  perStageLifecycleValidator,
  perRequestLifecycleValidator,
  crossReportValidator,
  brPartialValidator,
];

const INT_SOURCE = /^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$/;

/** The paths (joined by "\u0000") of the numbers a YAML text writes as floats (with a fraction, exponent, .inf, .nan). */
function floatPaths(node: unknown, path: (string | number)[], out: Set<string>): Set<string> {
  if (isMap(node)) {
    for (const pair of node.items) floatPaths(pair.value, [...path, String(isScalar(pair.key) ? pair.key.value : pair.key)], out);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => floatPaths(item, [...path, i], out));
  } else if (isScalar(node) && typeof node.value === "number" && !INT_SOURCE.test(node.source ?? String(node.value))) {
    out.add(path.join("\u0000"));
  }
  return out;
}

/** A YAML text as PyYAML loads it for these files: the document, and which of its numbers are floats. */
export function yamlDoc(text: string): ReportDoc {
  const doc = parseDocument(text);
  const floats = floatPaths(doc.contents, [], new Set());
  const numberType = (p: readonly (string | number)[]): NumberType => (floats.has(p.join("\u0000")) ? "float" : "int");
  return { contents: doc.toJS() ?? null, numberType };
}

/** The report files by file name, later files of one name replacing earlier ones (ReportSet in 0.7.0). */
export function reportSetOf(files: readonly ReportFile[]): ReportSet {
  const set = new Map<string, ReportDoc>();
  for (const file of files) {
    const name = `${file.name}.${file.kind}`;
    if (file.kind === "yaml") set.set(name, yamlDoc(file.text));
    else set.set(name, { contents: file.contents ?? null, numberType: file.numberType ?? ((_p, v) => (Number.isInteger(v) ? "int" : "float")) });
  }
  return set;
}

/**
 * The set validated: the files, and for a run that streamed per_request_lifecycle_metrics.json, the digest its
 * writer gathered standing in for its entries (validate-per-request-report.ts reads either).
 */
export function validateReportSet(files: readonly ReportFile[], validators: readonly ReportSetValidator[] = DEFAULT_VALIDATORS, perRequestDigest?: PerRequestDigest): ValidationReport {
  return runValidators(validators, validatedSet(files, perRequestDigest));
}

function validatedSet(files: readonly ReportFile[], perRequestDigest?: PerRequestDigest): ReportSet {
  const set = new Map(reportSetOf(files));
  if (perRequestDigest) set.set(PER_REQUEST_FILENAME, { contents: perRequestDigest, numberType: () => "int" });
  return set;
}

const line = (f: Finding) => `[${f.check}] ${f.report ?? "global"}: ${f.message}`;

/**
 * A finding 0.7.0's own validator makes on a run that has no defect: with `load.sweep`, config.yaml keeps the
 * `stages: []` the user wrote (the stages are generated after the probe), so `_check_configured_stages` calls every
 * stage report extra. validation.json records it as 0.7.0's does; the run says why it is expected.
 */
function expectedOfSweep(f: Finding, set: ReportSet): boolean {
  if (f.check !== "cross_report.configured_stages") return false;
  const config = set.get("config.yaml")?.contents as { load?: { sweep?: unknown; stages?: unknown } } | null | undefined;
  return config?.load?.sweep != null && Array.isArray(config.load.stages) && config.load.stages.length === 0;
}

/** What the run prints: each error loudly (a kneepoint bug), each warning as 0.7.0 logs it. */
function validationMessages(report: ValidationReport, set: ReportSet): string[] {
  const errors = allErrors(report).map((f) =>
    expectedOfSweep(f, set)
      ? `report validation ${line(f)} — expected for a sweep: inference-perf 0.7.0's validator counts config.yaml's load.stages, which a sweep leaves empty (its stages are generated after the probe); validation.json records it as 0.7.0's does`
      : `REPORT VALIDATION ERROR ${line(f)} — the report files contradict each other: a bug in kneepoint's report builder, please report it (see validation.json)`,
  );
  return [...allWarnings(report).map((f) => `report validation ${line(f)}`), ...errors];
}

/**
 * validation.json for the files assembled so far, and the lines the run prints. A validator that cannot run at all
 * costs validation.json, never the other reports (0.7.0 logs it and writes none).
 */
export function buildValidationFile(files: readonly ReportFile[], perRequestDigest?: PerRequestDigest): { files: ReportFile[]; messages: string[] } {
  try {
    const set = validatedSet(files, perRequestDigest);
    const report = runValidators(DEFAULT_VALIDATORS, set);
    return { files: [{ name: VALIDATION_REPORT_NAME, kind: "json", contents: report, numberType: () => "int" }], messages: validationMessages(report, set) };
  } catch (err) {
    return { files: [], messages: [`REPORT VALIDATION FAILED, no validation.json written: ${err instanceof Error ? err.message : String(err)} — a bug in kneepoint, please report it`] };
  }
}
