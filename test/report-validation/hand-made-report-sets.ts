/**
 * Hand-made report sets, one clean and one per family of inference-perf 0.7.0's validation checks, each broken so
 * that it trips the checks it names. Used by the unit tests of validate-reports.ts (expected findings written by
 * hand) and by validation-vs-release.test.ts (the same sets through 0.7.0's own validate_reports).
 */
import type { ReportFile } from "../../src/scenarios/storage/report-file.ts";
import { lifecycleNumberType } from "../../src/scenarios/report/lifecycle-report.ts";
import { perRequestNumberType } from "../../src/scenarios/report/per-request-entries.ts";
import type { NumberTypeOf } from "../../src/scenarios/report/python-json.ts";

type Json = Record<string, unknown>;

export interface HandMadeSet {
  name: string;
  files: ReportFile[];
  /** The findings differ from 0.7.0's in a known way (validate-br-partials.ts: its schema gate is not pydantic). */
  knownDifference?: string;
}

const dist = (mean: number, min: number, max: number, extra: Json = {}): Json => ({ mean, min, max, median: mean, p90: max, p99: max, ...extra });

/** A lifecycle report of `count` requests (`failures` of them failed) over `timeS` seconds. */
export function lifecycle(count: number, failures: number, timeS: number, rate: number | null = null): Json {
  const ok = count - failures;
  return {
    benchmark_time_seconds: timeS,
    load_summary: { count, schedule_delay: dist(0.001, 0.0002, 0.002), send_duration: timeS * 0.9, ...(rate === null ? {} : { requested_rate: rate, achieved_rate: count / timeS }) },
    successes: {
      count: ok,
      latency: { request_latency: dist(0.1, 0.08, 0.12), time_to_first_token: dist(0.02, 0.015, 0.03) },
      throughput: { input_tokens_per_sec: (ok * 24) / timeS, output_tokens_per_sec: (ok * 16) / timeS, total_tokens_per_sec: (ok * 40) / timeS, requests_per_sec: ok / timeS },
      prompt_tokens: { total: ok * 24, cached: 0, uncached: ok * 24, ...dist(24, 24, 24) },
      output_tokens: { total: ok * 16, ...dist(16, 16, 16) },
      token_count_mismatches: 0,
      goodput_metrics: { goodput_percentage: 100, good_requests: ok, total_requests: ok },
    },
    failures: { count: failures, request_latency: failures > 0 ? dist(0.05, 0.05, 0.05) : null, prompt_tokens: { total: 0, cached: 0, uncached: 0 }, by_label: {} },
  };
}

const record = (start: number, end: number, tokens = 4, error: unknown = null): Json => ({
  start_time: start,
  end_time: end,
  request: null,
  response: "",
  info: {
    request_metrics: { text: { input_tokens: 24 } },
    response_metrics:
      error === null
        ? { output_tokens: tokens, server_usage: { prompt_tokens: 24, completion_tokens: tokens }, output_token_times: Array.from({ length: tokens }, (_, i) => start + ((end - start) * (i + 1)) / (tokens + 1)) }
        : null,
    input_tokens: 24,
  },
  error,
});

const json = (name: string, contents: unknown, numberType: NumberTypeOf = lifecycleNumberType): ReportFile => ({ name, kind: "json", contents, numberType });
const perRequest = (records: unknown): ReportFile => json("per_request_lifecycle_metrics", records, perRequestNumberType);
const config = (stages: number): ReportFile => ({
  name: "config",
  kind: "yaml",
  text: `api:\n  type: completion\nload:\n  type: constant\n  stages:\n${Array.from({ length: stages }, (_, i) => `    - rate: ${i + 1}.0\n      duration: 1\n`).join("")}`,
});

export const PARTIAL_YAML = `version: 0.2.1
run:
  uid: inference-perf-stage-0-abcd1234
  eid: inference-perf-experiment-1234abcd
  time:
    start: '2026-12-03T10:00:00.000000Z'
    end: '2026-12-03T10:00:02.500000Z'
    duration: PT2.500S
results:
  request_performance:
    aggregate:
      requests:
        total: 3
        failures: 0
      latency:
        request_latency:
          units: s
          mean: 0.1
          min: 0.08
          max: 0.12
          p50: 0.1
      throughput:
        request_rate:
          units: queries/s
          mean: 1.5
`;
const partial = (stage: number, text = PARTIAL_YAML): ReportFile => ({ name: `inference-perf.partial.stage_${stage}`, kind: "yaml", text });

/** A consistent run: two stages of 3 requests over 2 s each, the summary over 4 s. */
export function cleanFiles(): ReportFile[] {
  return [
    json("summary_lifecycle_metrics", lifecycle(6, 0, 4)),
    json("stage_0_lifecycle_metrics", lifecycle(3, 0, 2, 1)),
    json("stage_1_lifecycle_metrics", lifecycle(3, 0, 2, 2)),
    perRequest([record(1, 1.1), record(1.5, 1.6), record(2, 2.1), record(3, 3.1), record(3.5, 3.6), record(4, 4.1)]),
    config(2),
  ];
}

function edit(files: ReportFile[], name: string, change: (contents: Json) => void): ReportFile[] {
  for (const f of files) if (f.kind === "json" && f.name === name) change(f.contents as Json);
  return files;
}

const at = (o: Json, ...path: string[]): Json => path.reduce((n, k) => n[k] as Json, o);

export const HAND_MADE_SETS: HandMadeSet[] = [
  { name: "clean", files: cleanFiles() },
  { name: "clean, with a BR partial", files: [...cleanFiles(), partial(0)] },
  {
    name: "summary missing a section",
    files: edit(cleanFiles(), "summary_lifecycle_metrics", (s) => delete s.failures),
  },
  { name: "summary not an object", files: [json("summary_lifecycle_metrics", [1, 2]), config(1)] },
  {
    name: "counts and time",
    files: edit(edit(cleanFiles(), "summary_lifecycle_metrics", (s) => ((at(s, "successes").count = 5), (s.benchmark_time_seconds = -1))), "stage_1_lifecycle_metrics", (s) => ((at(s, "failures").count = "x"), (s.benchmark_time_seconds = 0))),
  },
  {
    name: "distributions",
    files: edit(cleanFiles(), "summary_lifecycle_metrics", (s) => {
      Object.assign(at(s, "successes", "latency", "request_latency"), { min: 0.2, mean: 0.3, p90: 0.05 });
      Object.assign(at(s, "successes", "latency", "time_to_first_token"), { min: -0.5, median: 0.04, p90: 0.025 });
      Object.assign(at(s, "load_summary", "schedule_delay"), { min: -0.001 });
    }),
  },
  {
    name: "tokens, throughput, goodput, mismatches",
    files: edit(cleanFiles(), "stage_0_lifecycle_metrics", (s) => {
      Object.assign(at(s, "successes", "prompt_tokens"), { cached: 100, uncached: 3 });
      Object.assign(at(s, "successes", "output_tokens"), { total: 47 });
      Object.assign(at(s, "successes", "throughput"), { requests_per_sec: 2, total_tokens_per_sec: -1 });
      Object.assign(at(s, "successes", "goodput_metrics"), { good_requests: 4, total_requests: 2, goodput_percentage: 120 });
      at(s, "successes").token_count_mismatches = 2;
      at(s, "load_summary").achieved_rate = -1;
    }),
  },
  {
    name: "a stage missing a section",
    files: edit(cleanFiles(), "stage_1_lifecycle_metrics", (s) => delete s.load_summary),
  },
  {
    name: "per-request records",
    files: [
      ...cleanFiles().filter((f) => f.name !== "per_request_lifecycle_metrics"),
      perRequest([
        record(1, 0.9),
        "not a record",
        { ...record(2, 2.1), info: { response_metrics: null } },
        { ...record(3, 3.1), info: { response_metrics: { output_tokens: 10, server_usage: { completion_tokens: 4 }, output_token_times: [3.05, 3.02, 3.2] } } },
        record(4, 4.1, 2, { error_type: "HTTP 500", error_msg: "boom" }),
        ...Array.from({ length: 6 }, (_, i) => ({ ...record(5 + i, 5.1 + i), end_time: 4 + i })),
      ]),
    ],
  },
  { name: "per-request not a list", files: [...cleanFiles().filter((f) => f.name !== "per_request_lifecycle_metrics"), perRequest({ records: 1 })] },
  {
    name: "cross-report",
    files: [
      json("summary_lifecycle_metrics", lifecycle(7, 1, 4)),
      json("stage_0_lifecycle_metrics", lifecycle(3, 0, 2, 4)),
      json("stage_2_lifecycle_metrics", lifecycle(3, 0, 2, 2)),
      json("stage_3_lifecycle_metrics", lifecycle(2, 1, 2, 1.5)),
      perRequest([record(1, 1.1)]),
      config(2),
    ],
  },
  {
    name: "BR partials",
    files: [
      ...cleanFiles(),
      partial(0, PARTIAL_YAML.replace("version: 0.2.1", "version: '0.2'").replace("duration: PT2.500S", "duration: PT3.000S").replace("min: 0.08", "min: -0.08").replace("mean: 1.5", "mean: 2.5")),
      partial(1, PARTIAL_YAML.replace("  eid: inference-perf-experiment-1234abcd\n", "  eid:\n  description: null\n").replace("p50: 0.1", "p50: 0.2")),
    ],
  },
  {
    name: "BR partial that is no BR document",
    files: [...cleanFiles(), partial(0, "version: 0.2.1\nresults: {}\n")],
    knownDifference: "br_partial.schema: 0.7.0 prints pydantic's error text, kneepoint its own",
  },
];
