/**
 * inference-perf 0.7.0's validators of summary_lifecycle_metrics.json and stage_N_lifecycle_metrics.json
 * (reportgen/summary/validation.py, reportgen/per_stage/validation.py): the same content checks on both (counts
 * reconcile, time, distributions, token totals, throughput, goodput, token mismatches), plus the stage's load
 * block. Check names, messages and severities are 0.7.0's. Pure.
 */
import { pyTypeName } from "./python-format.ts";
import { distributionFindings } from "./validation-distributions.ts";
import {
  approxEq,
  approxLe,
  error,
  getPath,
  isDict,
  isNumber,
  show,
  sortedIds,
  stageFilename,
  stageLifecycleFiles,
  StopValidation,
  SUMMARY_LIFECYCLE_FILENAME,
  warning,
  type Finding,
  type ReportDoc,
  type ReportSet,
  type ReportSetValidator,
} from "./validation-findings.ts";

/** The file must be a dict with the three top-level summary sections. */
export function structureFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const c = doc.contents;
  if (!isDict(c)) return [error(check, filename, `expected a JSON object, got ${pyTypeName(c, typeof c === "number" ? doc.numberType([], c) : "float")}`)];
  const missing = ["load_summary", "successes", "failures"].filter((k) => !(k in c));
  return missing.length > 0 ? [error(check, filename, `missing top-level section(s): ${missing.join(", ")}`)] : [];
}

function countFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const total = getPath(doc.contents, "load_summary", "count");
  const successes = getPath(doc.contents, "successes", "count");
  const failures = getPath(doc.contents, "failures", "count");
  if (!(isNumber(total) && isNumber(successes) && isNumber(failures))) return [error(check, filename, "missing or non-numeric request counts")];
  if (successes + failures !== total) {
    const s = show(doc, ["successes", "count"], successes);
    const f = show(doc, ["failures", "count"], failures);
    const t = show(doc, ["load_summary", "count"], total);
    return [error(check, filename, `request counts do not reconcile: successes (${s}) + failures (${f}) != load_summary.count (${t})`)];
  }
  return [];
}

function timeFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const time = getPath(doc.contents, "benchmark_time_seconds");
  const total = getPath(doc.contents, "load_summary", "count");
  if (!isNumber(time)) return [];
  if (time < 0) return [error(check, filename, `negative benchmark_time_seconds: ${show(doc, ["benchmark_time_seconds"], time)}`)];
  if (isNumber(total) && total > 0 && time === 0) return [warning(check, filename, `benchmark_time_seconds is 0 with ${show(doc, ["load_summary", "count"], total)} request(s)`)];
  return [];
}

/** total = mean × successes.count for prompt and output tokens; cached + uncached partition the prompt total. */
function tokenFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const findings: Finding[] = [];
  const count = getPath(doc.contents, "successes", "count");
  const countText = () => show(doc, ["successes", "count"], count);
  const at = (block: string, key: string, v: unknown) => show(doc, ["successes", block, key], v);

  const prompt = getPath(doc.contents, "successes", "prompt_tokens");
  if (isDict(prompt)) {
    const { total, cached, uncached, mean } = prompt;
    if (isNumber(total) && isNumber(cached)) {
      if (!approxLe(cached, total)) findings.push(error(check, filename, `prompt_tokens.cached (${at("prompt_tokens", "cached", cached)}) exceeds prompt_tokens.total (${at("prompt_tokens", "total", total)})`));
      // The generator clamps uncached at 0; mirror the clamp.
      if (isNumber(uncached) && !approxEq(uncached, Math.max(total - cached, 0))) {
        findings.push(error(check, filename, `prompt_tokens.uncached (${at("prompt_tokens", "uncached", uncached)}) != total - cached (${at("prompt_tokens", "total", total)} - ${at("prompt_tokens", "cached", cached)})`));
      }
    }
    if (isNumber(total) && isNumber(mean) && isNumber(count) && count > 0 && !approxEq(total, mean * count)) {
      findings.push(error(check, filename, `prompt_tokens.total (${at("prompt_tokens", "total", total)}) != mean * successes.count (${at("prompt_tokens", "mean", mean)} * ${countText()})`));
    }
  }
  const output = getPath(doc.contents, "successes", "output_tokens");
  if (isDict(output)) {
    const { total, mean } = output;
    if (isNumber(total) && isNumber(mean) && isNumber(count) && count > 0 && !approxEq(total, mean * count)) {
      findings.push(error(check, filename, `output_tokens.total (${at("output_tokens", "total", total)}) != mean * successes.count (${at("output_tokens", "mean", mean)} * ${countText()})`));
    }
  }
  return findings;
}

function throughputFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const throughput = getPath(doc.contents, "successes", "throughput");
  if (!isDict(throughput)) return [];
  const at = (key: string, v: unknown) => show(doc, ["successes", "throughput", key], v);
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(throughput)) {
    if (isNumber(value) && value < 0) findings.push(error(check, filename, `negative throughput ${key}: ${at(key, value)}`));
  }
  const time = getPath(doc.contents, "benchmark_time_seconds");
  const count = getPath(doc.contents, "successes", "count");
  const rps = throughput.requests_per_sec;
  if (isNumber(time) && time > 0 && isNumber(count) && isNumber(rps) && !approxEq(rps * time, count)) {
    findings.push(
      error(check, filename, `requests_per_sec (${at("requests_per_sec", rps)}) * benchmark_time_seconds (${show(doc, ["benchmark_time_seconds"], time)}) != successes.count (${show(doc, ["successes", "count"], count)})`),
    );
  }
  const { input_tokens_per_sec: input, output_tokens_per_sec: output, total_tokens_per_sec: total } = throughput;
  if (isNumber(input) && isNumber(output) && isNumber(total) && !approxEq(input + output, total)) {
    findings.push(
      error(
        check,
        filename,
        `total_tokens_per_sec (${at("total_tokens_per_sec", total)}) != input_tokens_per_sec (${at("input_tokens_per_sec", input)}) + output_tokens_per_sec (${at("output_tokens_per_sec", output)})`,
      ),
    );
  }
  return findings;
}

function goodputFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const goodput = getPath(doc.contents, "successes", "goodput_metrics");
  if (!isDict(goodput)) return [];
  const at = (key: string, v: unknown) => show(doc, ["successes", "goodput_metrics", key], v);
  const findings: Finding[] = [];
  const { good_requests: good, total_requests: total } = goodput;
  if (isNumber(good) && isNumber(total) && good > total) findings.push(error(check, filename, `good_requests (${at("good_requests", good)}) exceeds total_requests (${at("total_requests", total)})`));
  const count = getPath(doc.contents, "successes", "count");
  if (isNumber(total) && isNumber(count) && total !== count) {
    findings.push(error(check, filename, `goodput total_requests (${at("total_requests", total)}) != successes.count (${show(doc, ["successes", "count"], count)})`));
  }
  for (const [key, value] of Object.entries(goodput)) {
    if (key.endsWith("percentage") && isNumber(value) && !(value >= 0 && value <= 100 + 1e-9)) findings.push(error(check, filename, `goodput ${key} outside [0, 100]: ${at(key, value)}`));
  }
  return findings;
}

function tokenMismatchFindings(filename: string, doc: ReportDoc, check: string): Finding[] {
  const mismatches = getPath(doc.contents, "successes", "token_count_mismatches");
  if (!(isNumber(mismatches) && mismatches > 0)) return [];
  const n = show(doc, ["successes", "token_count_mismatches"], mismatches);
  return [warning(check, filename, `${n} request(s) where the client-side token count disagrees with the server-reported completion_tokens`)];
}

/** All shared content checks against one ResponsesSummary-shaped file, in 0.7.0's order. */
export function summaryContentFindings(filename: string, doc: ReportDoc, prefix: string): Finding[] {
  return [
    ...countFindings(filename, doc, `${prefix}.counts`),
    ...timeFindings(filename, doc, `${prefix}.time`),
    ...distributionFindings(filename, doc, `${prefix}.distributions`),
    ...tokenFindings(filename, doc, `${prefix}.tokens`),
    ...throughputFindings(filename, doc, `${prefix}.throughput`),
    ...goodputFindings(filename, doc, `${prefix}.goodput`),
    ...tokenMismatchFindings(filename, doc, `${prefix}.token_mismatches`),
  ];
}

const SUMMARY = SUMMARY_LIFECYCLE_FILENAME;
const summaryDoc = (set: ReportSet) => set.get(SUMMARY)!;
const onSummary = (name: string, fn: (f: string, d: ReportDoc, c: string) => Finding[], check: string) => ({ name, run: (set: ReportSet) => fn(SUMMARY, summaryDoc(set), check) });

export const summaryLifecycleValidator: ReportSetValidator = {
  name: "summary",
  covers: (set) => (set.has(SUMMARY) ? [SUMMARY] : []),
  checks: [
    {
      name: "_check_structure",
      run(set) {
        // Absent: the report may be disabled by config (silent stop); broken: every later check would cascade.
        const doc = set.get(SUMMARY);
        if (doc === undefined || doc.contents === null || doc.contents === undefined) throw new StopValidation();
        const findings = structureFindings(SUMMARY, doc, "summary.structure");
        if (findings.length > 0) throw new StopValidation(findings);
        return [];
      },
    },
    onSummary("_check_counts", countFindings, "summary.counts"),
    onSummary("_check_time", timeFindings, "summary.time"),
    onSummary("_check_distributions", distributionFindings, "summary.distributions"),
    onSummary("_check_tokens", tokenFindings, "summary.tokens"),
    onSummary("_check_throughput", throughputFindings, "summary.throughput"),
    onSummary("_check_goodput", goodputFindings, "summary.goodput"),
    onSummary("_check_token_mismatches", tokenMismatchFindings, "summary.token_mismatches"),
  ],
};

/** Stage files that pass the structure check, by ascending stage id. */
function wellFormedStages(set: ReportSet): [number, ReportDoc][] {
  const stages = stageLifecycleFiles(set);
  return sortedIds(stages)
    .map((id) => [id, stages.get(id)!] as [number, ReportDoc])
    .filter(([id, doc]) => structureFindings(stageFilename(id), doc, "unused").length === 0);
}

const LOAD_KEYS = ["requested_rate", "achieved_rate", "send_duration", "concurrency"] as const;

export const perStageLifecycleValidator: ReportSetValidator = {
  name: "per_stage",
  covers: (set) => sortedIds(stageLifecycleFiles(set)).map(stageFilename),
  checks: [
    {
      name: "_check_structure",
      run(set) {
        const stages = stageLifecycleFiles(set);
        if (stages.size === 0) throw new StopValidation();
        return sortedIds(stages).flatMap((id) => structureFindings(stageFilename(id), stages.get(id)!, "per_stage.structure"));
      },
    },
    { name: "_check_contents", run: (set) => wellFormedStages(set).flatMap(([id, doc]) => summaryContentFindings(stageFilename(id), doc, "per_stage")) },
    {
      name: "_check_load",
      run: (set) =>
        wellFormedStages(set).flatMap(([id, doc]) => {
          const load = getPath(doc.contents, "load_summary");
          if (!isDict(load)) return [];
          return LOAD_KEYS.flatMap((key) => {
            const value = load[key];
            return isNumber(value) && value < 0 ? [error("per_stage.load", stageFilename(id), `load_summary.${key} is negative: ${show(doc, ["load_summary", key], value)}`)] : [];
          });
        }),
    },
  ],
};
