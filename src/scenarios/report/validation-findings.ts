/**
 * The frame of inference-perf 0.7.0's report validation (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/validation.py): findings, the report set the checks read, the validators' run loop and
 * the small helpers every family shares. The families live beside it (validate-summary-reports.ts,
 * validate-per-request-report.ts, validate-cross-report.ts, validate-br-partials.ts); validate-reports.ts runs them.
 *
 * A document keeps the Python number types it is written with (python-json.ts `numberType`), because the
 * messages print its values as Python does (`3` for an int, `3.0` for a float). Pure.
 */
import type { NumberType, NumberTypeOf } from "./python-json.ts";
import { pyNumber, pyRepr } from "./python-format.ts";

export type Severity = "warning" | "error";

/** One finding; `report` null: it spans files and lands under `global`. Key order is pydantic's dump order. */
export interface Finding {
  check: string;
  severity: Severity;
  message: string;
  report: string | null;
}

export interface FindingGroup {
  warnings: Finding[];
  errors: Finding[];
}

/** validation.json: `{"global": {...}, "reports": {"<file name>": {...}}}`. */
export interface ValidationReport {
  global: FindingGroup;
  reports: Record<string, FindingGroup>;
}

/** One report document as inference-perf holds it in memory: its contents and the Python type of each number. */
export interface ReportDoc {
  contents: unknown;
  numberType: NumberTypeOf;
}

/** The assembled report files by file name; a later file of the same name replaces an earlier one in place. */
export type ReportSet = ReadonlyMap<string, ReportDoc>;

export type Path = readonly (string | number)[];

export const SUMMARY_LIFECYCLE_FILENAME = "summary_lifecycle_metrics.json";
export const PER_REQUEST_FILENAME = "per_request_lifecycle_metrics.json";
export const CONFIG_FILENAME = "config.yaml";

// Anchored so adapter_<name>_stage_<n>_lifecycle_metrics files never match.
const STAGE_LIFECYCLE_RE = /^stage_(\d+)_lifecycle_metrics\.json$/;
const BR_PARTIAL_RE = /^inference-perf\.partial\.stage_(\d+)\.yaml$/;

/** Stage files as `{stage_id: doc}` in the set's order (ReportSet._match_by_stage). */
function matchByStage(set: ReportSet, pattern: RegExp): Map<number, ReportDoc> {
  const found = new Map<number, ReportDoc>();
  for (const [name, doc] of set) {
    const m = pattern.exec(name);
    if (m) found.set(Number(m[1]), doc);
  }
  return found;
}

export const stageLifecycleFiles = (set: ReportSet) => matchByStage(set, STAGE_LIFECYCLE_RE);
export const brPartialFiles = (set: ReportSet) => matchByStage(set, BR_PARTIAL_RE);
export const contentsOf = (set: ReportSet, name: string): unknown => set.get(name)?.contents ?? null;
/** Stage ids in ascending order (Python's `sorted(dict)`). */
export const sortedIds = (m: ReadonlyMap<number, unknown>): number[] => [...m.keys()].sort((a, b) => a - b);

export const stageFilename = (id: number) => `stage_${id}_lifecycle_metrics.json`;
export const partialFilename = (id: number) => `inference-perf.partial.stage_${id}.yaml`;

/** Python's `isinstance(x, (int, float)) and not isinstance(x, bool)`. */
export const isNumber = (v: unknown): v is number => typeof v === "number";
/** A JSON object (Python dict). */
export const isDict = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Walk nested dicts; null as soon as a step is missing or not a dict. */
export function getPath(root: unknown, ...path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isDict(node)) return null;
    node = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : null;
  }
  return node ?? null;
}

// Relative/absolute slack for values two code paths derived from the same inputs.
const REL_TOL = 1e-6;
const ABS_TOL = 1e-9;

export const approxLe = (a: number, b: number) => a <= b + ABS_TOL + REL_TOL * Math.max(Math.abs(a), Math.abs(b));
export const approxEq = (a: number, b: number) => Math.abs(a - b) <= ABS_TOL + REL_TOL * Math.max(Math.abs(a), Math.abs(b));

/** The Python type of the number at `path` of `doc`. */
export const typeAt = (doc: ReportDoc, path: Path, value: number): NumberType => doc.numberType(path, value);
/** `f"{value}"` of the value at `path` of `doc`. */
export function show(doc: ReportDoc, path: Path, value: unknown): string {
  return typeof value === "number" ? pyNumber(value, typeAt(doc, path, value)) : pyRepr(value);
}

export const finding = (check: string, severity: Severity, message: string, report: string | null = null): Finding => ({ check, severity, message, report });
export const error = (check: string, report: string | null, message: string) => finding(check, "error", message, report);
export const warning = (check: string, report: string | null, message: string) => finding(check, "warning", message, report);

/** Raised by a check to halt its validator's remaining checks; its findings are still recorded. */
export class StopValidation extends Error {
  constructor(readonly findings: Finding[] = []) {
    super("stop validation");
  }
}

export type Check = { name: string; run: (set: ReportSet) => Finding[] };

export interface ReportSetValidator {
  name: string;
  checks: readonly Check[];
  /** Files this validator inspects: they appear in validation.json even when clean. */
  covers(set: ReportSet): string[];
}

function groupFor(result: ValidationReport, f: Finding): FindingGroup {
  if (f.report === null) return result.global;
  return (result.reports[f.report] ??= { warnings: [], errors: [] });
}

function add(result: ValidationReport, f: Finding): void {
  const group = groupFor(result, f);
  (f.severity === "error" ? group.errors : group.warnings).push(f);
}

/**
 * Each validator's checks in order (run_validators): a StopValidation halts the validator, a check that throws
 * is an error finding `<validator>.internal` and its siblings still run.
 */
export function runValidators(validators: readonly ReportSetValidator[], set: ReportSet): ValidationReport {
  const result: ValidationReport = { global: { warnings: [], errors: [] }, reports: {} };
  for (const validator of validators) {
    for (const name of validator.covers(set)) result.reports[name] ??= { warnings: [], errors: [] };
    for (const check of validator.checks) {
      try {
        for (const f of check.run(set)) add(result, f);
      } catch (err) {
        if (err instanceof StopValidation) {
          for (const f of err.findings) add(result, f);
          break;
        }
        add(result, error(`${validator.name}.internal`, null, `check ${check.name} crashed: ${err instanceof Error ? `${err.name}(${pyRepr(err.message)})` : pyRepr(String(err))}`));
      }
    }
  }
  return result;
}

export const allErrors = (r: ValidationReport): Finding[] => [...r.global.errors, ...Object.values(r.reports).flatMap((g) => g.errors)];
export const allWarnings = (r: ValidationReport): Finding[] => [...r.global.warnings, ...Object.values(r.reports).flatMap((g) => g.warnings)];
