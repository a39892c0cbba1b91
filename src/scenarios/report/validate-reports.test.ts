import { describe, expect, it } from "vitest";
import { HAND_MADE_SETS } from "../../../test/report-validation/hand-made-report-sets.ts";
import type { ReportFile } from "../storage/report-file.ts";
import { serializeReportFile } from "../storage/report-file.ts";
import { buildValidationFile, validateReportSet, yamlDoc } from "./validate-reports.ts";
import { allErrors, allWarnings, runValidators, type Finding, type ReportSetValidator } from "./validation-findings.ts";

const setNamed = (name: string): ReportFile[] => HAND_MADE_SETS.find((s) => s.name === name)!.files;
const line = (f: Finding) => `${f.severity} ${f.check} ${f.report ?? "global"}: ${f.message}`;
const lines = (name: string) => {
  const r = validateReportSet(setNamed(name));
  return [...allErrors(r), ...allWarnings(r)].map(line);
};

describe("validateReportSet (inference-perf 0.7.0's validate_reports)", () => {
  it("a consistent run: every covered file listed, clean, in the validators' order", () => {
    const r = validateReportSet(setNamed("clean, with a BR partial"));
    expect(r.global).toEqual({ warnings: [], errors: [] });
    expect(Object.keys(r.reports)).toEqual([
      "summary_lifecycle_metrics.json",
      "stage_0_lifecycle_metrics.json",
      "stage_1_lifecycle_metrics.json",
      "per_request_lifecycle_metrics.json",
      "inference-perf.partial.stage_0.yaml",
    ]);
    expect(Object.values(r.reports).every((g) => g.warnings.length === 0 && g.errors.length === 0)).toBe(true);
  });

  it("validation.json: 0.7.0's structure, key order and json.dumps(indent=2) bytes", () => {
    const [file] = buildValidationFile(setNamed("summary not an object")).files;
    expect(serializeReportFile(file!, "indented")).toBe(
      [
        "{",
        '  "global": {',
        '    "warnings": [],',
        '    "errors": []',
        "  },",
        '  "reports": {',
        '    "summary_lifecycle_metrics.json": {',
        '      "warnings": [],',
        '      "errors": [',
        "        {",
        '          "check": "summary.structure",',
        '          "severity": "error",',
        '          "message": "expected a JSON object, got list",',
        '          "report": "summary_lifecycle_metrics.json"',
        "        }",
        "      ]",
        "    }",
        "  }",
        "}",
      ].join("\n"),
    );
  });

  it("summary: a missing section stops the summary's checks", () => {
    expect(lines("summary missing a section")).toEqual(["error summary.structure summary_lifecycle_metrics.json: missing top-level section(s): failures"]);
  });

  it("counts, time, token totals and goodput, with Python's ints and floats in the messages", () => {
    expect(lines("counts and time")).toEqual([
      "error cross_report.stage_totals global: per-stage successes.count values sum to 6 but the run summary reports 5 — requests dropped or double-counted across stages (stages: [0, 1])",
      "error summary.counts summary_lifecycle_metrics.json: request counts do not reconcile: successes (5) + failures (0) != load_summary.count (6)",
      "error summary.time summary_lifecycle_metrics.json: negative benchmark_time_seconds: -1.0",
      "error summary.tokens summary_lifecycle_metrics.json: prompt_tokens.total (144.0) != mean * successes.count (24.0 * 5)",
      "error summary.tokens summary_lifecycle_metrics.json: output_tokens.total (96.0) != mean * successes.count (16.0 * 5)",
      "error summary.goodput summary_lifecycle_metrics.json: goodput total_requests (6) != successes.count (5)",
      "error per_stage.counts stage_1_lifecycle_metrics.json: missing or non-numeric request counts",
      "warning per_stage.time stage_1_lifecycle_metrics.json: benchmark_time_seconds is 0 with 3 request(s)",
    ]);
  });

  it("distributions: min > max, outside [min, max], percentile order, negative minimum (a warning for schedule_delay)", () => {
    const got = lines("distributions");
    expect(got).toContain("error summary.distributions summary_lifecycle_metrics.json: successes.latency.request_latency: min 0.2 > max 0.12");
    expect(got).toContain("error summary.distributions summary_lifecycle_metrics.json: successes.latency.request_latency: mean 0.3 outside [min, max] = [0.2, 0.12]");
    expect(got).toContain("error summary.distributions summary_lifecycle_metrics.json: successes.latency.request_latency.p90: 0.05 outside [min, max] = [0.2, 0.12]");
    expect(got).toContain("error summary.distributions summary_lifecycle_metrics.json: successes.latency.time_to_first_token: percentile ordering violated: median=0.04 > p90=0.025");
    expect(got).toContain("error summary.distributions summary_lifecycle_metrics.json: successes.latency.time_to_first_token: negative minimum -0.5");
    expect(got).toContain("warning summary.distributions summary_lifecycle_metrics.json: load_summary.schedule_delay: negative minimum -0.001");
    expect(got).toHaveLength(10);
  });

  it("a stage's tokens, throughput, goodput, token mismatches and load block", () => {
    expect(lines("tokens, throughput, goodput, mismatches")).toEqual([
      "error per_stage.tokens stage_0_lifecycle_metrics.json: prompt_tokens.cached (100.0) exceeds prompt_tokens.total (72.0)",
      "error per_stage.tokens stage_0_lifecycle_metrics.json: prompt_tokens.uncached (3.0) != total - cached (72.0 - 100.0)",
      "error per_stage.tokens stage_0_lifecycle_metrics.json: output_tokens.total (47.0) != mean * successes.count (16.0 * 3)",
      "error per_stage.throughput stage_0_lifecycle_metrics.json: negative throughput total_tokens_per_sec: -1.0",
      "error per_stage.throughput stage_0_lifecycle_metrics.json: requests_per_sec (2.0) * benchmark_time_seconds (2.0) != successes.count (3)",
      "error per_stage.throughput stage_0_lifecycle_metrics.json: total_tokens_per_sec (-1.0) != input_tokens_per_sec (36.0) + output_tokens_per_sec (24.0)",
      "error per_stage.goodput stage_0_lifecycle_metrics.json: good_requests (4) exceeds total_requests (2)",
      "error per_stage.goodput stage_0_lifecycle_metrics.json: goodput total_requests (2) != successes.count (3)",
      "error per_stage.goodput stage_0_lifecycle_metrics.json: goodput goodput_percentage outside [0, 100]: 120.0",
      "error per_stage.load stage_0_lifecycle_metrics.json: load_summary.achieved_rate is negative: -1.0",
      "warning per_stage.token_mismatches stage_0_lifecycle_metrics.json: 2 request(s) where the client-side token count disagrees with the server-reported completion_tokens",
    ]);
  });

  it("a malformed stage is reported and left out of the content and cross-report checks", () => {
    expect(lines("a stage missing a section")).toEqual([
      "error cross_report.stage_totals global: per-stage load_summary.count values sum to 3 but the run summary reports 6 — requests dropped or double-counted across stages (stages: [0])",
      "error cross_report.stage_totals global: per-stage successes.count values sum to 3 but the run summary reports 6 — requests dropped or double-counted across stages (stages: [0])",
      "error per_stage.structure stage_1_lifecycle_metrics.json: missing top-level section(s): load_summary",
    ]);
  });

  it("per-request records: one finding per rule, a count and at most five indices", () => {
    expect(lines("per-request records")).toEqual([
      "error cross_report.per_request_count global: per_request_lifecycle_metrics.json has 11 record(s) but the run summary reports 6 request(s)",
      "error per_request.structure per_request_lifecycle_metrics.json: 1 record(s) are not JSON objects (record indices: 1)",
      "error per_request.timestamps per_request_lifecycle_metrics.json: 7 record(s) have end_time before start_time (record indices: 0, 5, 6, 7, 8, …)",
      "error per_request.token_times per_request_lifecycle_metrics.json: 2 record(s) have out-of-order output token timestamps (record indices: 0, 3)",
      "error per_request.token_times per_request_lifecycle_metrics.json: 8 record(s) have output token timestamps outside [start_time, end_time] (record indices: 0, 3, 5, 6, 7, …)",
      "warning per_request.response_presence per_request_lifecycle_metrics.json: 1 record(s) are successful but carry no response metrics (record indices: 2)",
      "warning per_request.token_agreement per_request_lifecycle_metrics.json: 1 record(s) have client output_tokens diverging from server completion_tokens by more than 25% (reasoning-channel tokens can account for some divergence) (record indices: 3)",
    ]);
    expect(lines("per-request not a list")).toEqual(["error per_request.structure per_request_lifecycle_metrics.json: expected a JSON array of records, got dict"]);
  });

  it("cross-report: stage totals, per-request count, stage gaps, configured stages, falling rates (under global)", () => {
    const r = validateReportSet(setNamed("cross-report"));
    expect(r.global.errors.map((f) => f.check)).toEqual(["cross_report.stage_totals", "cross_report.stage_totals", "cross_report.per_request_count", "cross_report.configured_stages"]);
    expect(r.global.warnings.map((f) => f.message)).toEqual([
      "no per-stage lifecycle report for stage(s) [1] — those stages recorded no requests",
      "config declares 2 stage(s) but stage(s) [1] emitted no lifecycle report",
      "stage requested rates are not monotonically increasing: stage 2 requested_rate 2 < stage 0 requested_rate 4",
      "stage requested rates are not monotonically increasing: stage 3 requested_rate 1.5 < stage 2 requested_rate 2",
    ]);
    expect(r.global.errors[3]!.message).toBe("per-stage report(s) for stage(s) [2, 3] but the config declares only 2 stage(s)");
  });

  it("BR partials: version, nulls, distributions without a negative allowance, run.time, agreement with the stage", () => {
    expect(lines("BR partials")).toEqual([
      "error br_partial.version inference-perf.partial.stage_0.yaml: declares version '0.2', expected '0.2.1'",
      "error br_partial.distributions inference-perf.partial.stage_0.yaml: results.request_performance.aggregate.latency.request_latency: negative minimum -0.08",
      "error br_partial.run_time inference-perf.partial.stage_0.yaml: run.time.duration (3.0s) disagrees with its own start/end window (2.5s)",
      "error br_partial.lifecycle_agreement inference-perf.partial.stage_0.yaml: aggregate.latency.request_latency.min (-0.08) disagrees with the stage lifecycle successes.latency.request_latency.min (0.08) — the BR adapter and the native report math have drifted apart",
      "error br_partial.lifecycle_agreement inference-perf.partial.stage_0.yaml: aggregate.throughput.request_rate.mean (2.5) disagrees with the stage lifecycle successes.throughput.requests_per_sec (1.5) — the BR adapter and the native report math have drifted apart",
      "error br_partial.nulls inference-perf.partial.stage_1.yaml: 2 null value(s) would clobber composer data on merge: run.eid, run.description",
      "error br_partial.distributions inference-perf.partial.stage_1.yaml: results.request_performance.aggregate.latency.request_latency.p50: 0.2 outside [min, max] = [0.08, 0.12]",
      "error br_partial.lifecycle_agreement inference-perf.partial.stage_1.yaml: aggregate.latency.request_latency.p50 (0.2) disagrees with the stage lifecycle successes.latency.request_latency.median (0.1) — the BR adapter and the native report math have drifted apart",
    ]);
    expect(lines("BR partial that is no BR document")).toEqual(["error br_partial.schema inference-perf.partial.stage_0.yaml: does not validate as a BR 0.2.1 document: run: a mapping is required"]);
  });

  it("a check that throws is an error finding and its siblings still run; validation never throws", () => {
    const validator: ReportSetValidator = {
      name: "demo",
      covers: () => [],
      checks: [
        { name: "_boom", run: () => { throw new TypeError("bad"); } },
        { name: "_fine", run: () => [{ check: "demo.fine", severity: "warning", message: "ran", report: null }] },
      ],
    };
    const r = runValidators([validator], new Map());
    expect(r.global.errors).toEqual([{ check: "demo.internal", severity: "error", message: "check _boom crashed: TypeError('bad')", report: null }]);
    expect(r.global.warnings.map((f) => f.message)).toEqual(["ran"]);
  });

  it("what the run prints: each error loudly as a kneepoint bug, each warning as 0.7.0 logs it", () => {
    const { messages } = buildValidationFile(setNamed("summary missing a section"));
    expect(messages).toEqual([
      "REPORT VALIDATION ERROR [summary.structure] summary_lifecycle_metrics.json: missing top-level section(s): failures — the report files contradict each other: a bug in kneepoint's report builder, please report it (see validation.json)",
    ]);
    expect(buildValidationFile(setNamed("clean")).messages).toEqual([]);
  });

  it("a sweep's stage reports against config.yaml's empty stages: kept in validation.json as 0.7.0 finds it, printed as expected, not as a bug", () => {
    const sweepConfig: ReportFile = { name: "config", kind: "yaml", text: "load:\n  type: constant\n  stages: []\n  sweep:\n    type: geometric\n    num_stages: 2\n" };
    const files = [...setNamed("clean").filter((f) => f.name !== "config"), sweepConfig];
    const { files: out, messages } = buildValidationFile(files);
    expect(JSON.stringify((out[0] as { contents: unknown }).contents)).toContain("per-stage report(s) for stage(s) [0, 1] but the config declares only 0 stage(s)");
    expect(messages).toEqual([
      "report validation [cross_report.configured_stages] global: per-stage report(s) for stage(s) [0, 1] but the config declares only 0 stage(s) — expected for a sweep: inference-perf 0.7.0's validator counts config.yaml's load.stages, which a sweep leaves empty (its stages are generated after the probe); validation.json records it as 0.7.0's does",
    ]);
  });

  it("YAML files keep PyYAML's number types: a fraction or an exponent is a float", () => {
    const doc = yamlDoc("a: 3\nb: 3.0\nc: [1, 1.0e-05, .inf]\n");
    expect(doc.contents).toEqual({ a: 3, b: 3, c: [1, 1e-5, Infinity] });
    expect([["a"], ["b"], ["c", 0], ["c", 1], ["c", 2]].map((p) => doc.numberType(p, 0))).toEqual(["int", "float", "int", "float", "float"]);
  });
});
