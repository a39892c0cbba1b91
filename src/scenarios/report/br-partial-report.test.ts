import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { StageRun } from "../types.ts";
import { buildBrPartialFiles } from "./br-partial-files.ts";
import { buildBrAggregate } from "./br-partial-report.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

// Sent at 1.0 s and 1.2 s, ended at 1.5 s and 1.9 s; tokens at [1.1, 1.2, 1.3] and [1.3, 1.31, 1.5, 1.6]; prompts
// of 10 and 12 tokens. A third request, sent at 1.3 s, failed at 1.4 s.
const records = [
  scenarioRecord({ scheduledMs: 1000, sendMs: 1000, chunkTimesMs: [1100, 1200, 1300], endMs: 1500, promptTokens: 10, completionTokens: 3 }),
  scenarioRecord({ scheduledMs: 1200, sendMs: 1200, chunkTimesMs: [1300, 1310, 1500, 1600], endMs: 1900, promptTokens: 12, completionTokens: 4 }),
  scenarioRecord({ scheduledMs: 1300, sendMs: 1300, endMs: 1400, error: { reason: "http", status: 500, message: "HTTP 500: boom" } }),
];

describe("buildBrAggregate (hand-computed)", () => {
  const agg = buildBrAggregate(records, { useServerOutputTokens: false });

  it("requests: every request counted, the failure apart; lengths of the successes", () => {
    expect(agg.requests.total).toBe(3);
    expect(agg.requests.failures).toBe(1);
    expect(agg.requests.input_length).toMatchObject({ units: "count", mean: 11, stddev: Math.SQRT2, min: 10, p50: 11, max: 12 });
    expect(agg.requests.output_length).toMatchObject({ units: "count", mean: 3.5, min: 3, max: 4 });
  });

  it("latency of the successes only", () => {
    // request latency 0.5 and 0.7; TTFT 0.1 and 0.1; TPOT (1.3−1.1)/2 and (1.6−1.3)/3; ITL gaps .1 .1 .01 .19 .1
    expect(agg.latency.request_latency).toMatchObject({ units: "s", min: 0.5, max: 0.7 });
    expect(agg.latency.request_latency!.mean).toBeCloseTo(0.6, 15);
    expect(agg.latency.time_to_first_token!.mean).toBeCloseTo(0.1, 15);
    expect(agg.latency.time_per_output_token!.mean).toBeCloseTo(0.1, 15);
    expect(agg.latency.inter_token_latency).toMatchObject({ units: "s/token" });
    expect(agg.latency.inter_token_latency!.mean).toBeCloseTo(0.5 / 5, 15);
    expect(agg.latency.inter_token_latency!.min).toBeCloseTo(0.01, 15);
    // NTPOT 0.5/3 and 0.7/4
    expect(agg.latency.normalized_time_per_output_token!.min).toBeCloseTo(0.5 / 3, 15);
    expect(agg.latency.normalized_time_per_output_token!.max).toBeCloseTo(0.7 / 4, 15);
    expect(Object.keys(agg.latency)).toEqual(["time_to_first_token", "normalized_time_per_output_token", "time_per_output_token", "inter_token_latency", "request_latency"]);
  });

  it("throughput over the window of every request (1.0 → 1.9 s), the successes' tokens", () => {
    const w = 1.9 - 1.0;
    expect(agg.throughput).toEqual({
      input_token_rate: { units: "tokens/s", mean: 22 / w },
      output_token_rate: { units: "tokens/s", mean: 7 / w },
      total_token_rate: { units: "tokens/s", mean: 29 / w },
      request_rate: { units: "queries/s", mean: 2 / w },
    });
  });

  it("only failures: counts, an empty latency block, no throughput", () => {
    expect(buildBrAggregate(records.slice(2), { useServerOutputTokens: false })).toEqual({ requests: { total: 1, failures: 1 }, latency: {} });
  });

  it("NTPOT leaves out a success without output tokens (the lifecycle report counts it as 0)", () => {
    const empty = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [5], endMs: 6, textChunks: 0, promptTokens: 4 });
    const a = buildBrAggregate([empty], { useServerOutputTokens: false });
    expect(a.latency.normalized_time_per_output_token).toBeUndefined();
    expect(a.requests.output_length).toMatchObject({ mean: 0 });
  });

  it("use_server_output_tokens: TPOT, NTPOT, output length and rates by usage.completion_tokens", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [100, 120, 140], endMs: 200, promptTokens: 2, completionTokens: 6 });
    const a = buildBrAggregate([rec], { useServerOutputTokens: true });
    expect(a.latency.time_per_output_token!.mean).toBeCloseTo(0.04 / 5, 15);
    expect(a.requests.output_length!.mean).toBe(6);
    expect(a.throughput!.output_token_rate.mean).toBe(6 / 0.2);
  });
});

const STAGE_BASE = { plan: {} as StageRun["plan"], status: "completed" as const, startMs: 0, endMs: 0, unsent: 0 };
const REPORT: ScenarioReportOptions = { summary: true, perStage: true, perRequest: false, percentiles: [50], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null };

describe("buildBrPartialFiles", () => {
  it("writes, byte for byte, what 0.7.0's build_partial_report + yaml.dump wrote for the same requests", () => {
    const stages: StageRun[] = [
      { ...STAGE_BASE, index: -1, startEpochMs: 0, endEpochMs: 1, records },
      // first request due at 16:00:01.0625: 0.7.0's stage started a second earlier (STAGE_LEAD_S)
      { ...STAGE_BASE, index: 0, startEpochMs: 1764000001062.5, endEpochMs: 1764000003125, records },
      { ...STAGE_BASE, index: 1, startEpochMs: 1764000004000, endEpochMs: 1764000005000, records: [] },
    ];
    const ids = ["deadbeef", "0123abcd"];
    const files = buildBrPartialFiles(stages, REPORT, () => ids.shift()!);
    expect(files.map((f) => f.name)).toEqual(["inference-perf.partial.stage_0"]);
    const f = files[0]!;
    expect(f.kind === "yaml" && f.text).toBe(GOLDEN);
  });
});

describe("buildBrPartialFiles: when", () => {
  const stage = (recs: StageRun["records"]): StageRun[] => [{ ...STAGE_BASE, index: 0, startEpochMs: 1764000001000, endEpochMs: 1764000002000, records: recs }];
  const minItl = (text: string) => (parse(text) as { results: { request_performance: { aggregate: { latency: { inter_token_latency: { min: number } } } } } }).results.request_performance.aggregate.latency.inter_token_latency.min;
  // chunks "ab" at 100 ms and "c" at 150 ms; a "tokenizer" of one token per character
  const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [100, 150], endMs: 160, promptTokens: 3, capture: { contentTimesMs: [100, 150], contentTexts: ["ab", "c"], contentChunks: ["{}", "{}"] } });
  const tokenizer = { countTokens: (t: string) => t.length, retokenizeChunks: true };

  it("written whatever report.request_lifecycle asks for, as 0.7.0", () => {
    expect(buildBrPartialFiles(stage([rec]), { ...REPORT, summary: false, perStage: false, perRequest: false }, () => "00000000")).toHaveLength(1);
  });

  it("re-tokenized token times (a zero gap inside a chunk) only when the summary or per-stage report was built", () => {
    const text = (o: Partial<ScenarioReportOptions>) => (buildBrPartialFiles(stage([rec]), { ...REPORT, ...tokenizer, ...o }, () => "00000000")[0] as { text: string }).text;
    expect(minItl(text({}))).toBe(0); // token times [0.1, 0.1, 0.15]
    expect(minItl(text({ summary: false, perStage: false }))).toBeCloseTo(0.05, 12); // the chunk times [0.1, 0.15]
  });
});

// inference-perf 0.7.0: build_partial_report(<the three requests above as RequestLifecycleMetric>, None,
//   run_uid="inference-perf-stage-0-0123abcd", run_eid="inference-perf-experiment-deadbeef",
//   stage_start=1764000000.0625, stage_end=1764000003.125), then yaml.dump(sort_keys=False, default_flow_style=False)
const GOLDEN = `version: 0.2.1
run:
  uid: inference-perf-stage-0-0123abcd
  eid: inference-perf-experiment-deadbeef
  time:
    start: '2025-11-24T16:00:00.062500Z'
    end: '2025-11-24T16:00:03.125000Z'
    duration: PT3.062S
results:
  request_performance:
    aggregate:
      requests:
        total: 3
        failures: 1
        input_length:
          units: count
          mean: 11.0
          stddev: 1.4142135623730951
          min: 10.0
          p0p1: 10.002
          p1: 10.02
          p5: 10.1
          p10: 10.2
          p25: 10.5
          p50: 11.0
          p75: 11.5
          p90: 11.8
          p95: 11.9
          p99: 11.98
          p99p9: 11.998000000000001
          max: 12.0
        output_length:
          units: count
          mean: 3.5
          stddev: 0.7071067811865476
          min: 3.0
          p0p1: 3.001
          p1: 3.01
          p5: 3.05
          p10: 3.1
          p25: 3.25
          p50: 3.5
          p75: 3.75
          p90: 3.9
          p95: 3.95
          p99: 3.99
          p99p9: 3.999
          max: 4.0
      latency:
        time_to_first_token:
          units: s
          mean: 0.10000000000000009
          stddev: 0.0
          min: 0.10000000000000009
          p0p1: 0.10000000000000009
          p1: 0.10000000000000009
          p5: 0.10000000000000009
          p10: 0.10000000000000009
          p25: 0.10000000000000009
          p50: 0.10000000000000009
          p75: 0.10000000000000009
          p90: 0.10000000000000009
          p95: 0.10000000000000009
          p99: 0.10000000000000009
          p99p9: 0.10000000000000009
          max: 0.10000000000000009
        normalized_time_per_output_token:
          units: s/token
          mean: 0.17083333333333334
          stddev: 0.005892556509887895
          min: 0.16666666666666666
          p0p1: 0.166675
          p1: 0.16674999999999998
          p5: 0.16708333333333333
          p10: 0.16749999999999998
          p25: 0.16874999999999998
          p50: 0.17083333333333334
          p75: 0.17291666666666666
          p90: 0.17416666666666666
          p95: 0.1745833333333333
          p99: 0.17491666666666666
          p99p9: 0.17499166666666666
          max: 0.175
        time_per_output_token:
          units: s/token
          mean: 0.1
          stddev: 3.1031676915590914e-17
          min: 0.09999999999999998
          p0p1: 0.09999999999999998
          p1: 0.09999999999999998
          p5: 0.09999999999999998
          p10: 0.09999999999999998
          p25: 0.09999999999999999
          p50: 0.1
          p75: 0.1
          p90: 0.10000000000000002
          p95: 0.10000000000000002
          p99: 0.10000000000000002
          p99p9: 0.10000000000000002
          max: 0.10000000000000002
        inter_token_latency:
          units: s/token
          mean: 0.1
          stddev: 0.06363961030678926
          min: 0.010000000000000009
          p0p1: 0.010360000000000008
          p1: 0.013600000000000003
          p5: 0.02799999999999998
          p10: 0.04599999999999995
          p25: 0.09999999999999987
          p50: 0.10000000000000009
          p75: 0.10000000000000009
          p90: 0.15400000000000003
          p95: 0.17199999999999996
          p99: 0.18639999999999995
          p99p9: 0.18963999999999998
          max: 0.18999999999999995
        request_latency:
          units: s
          mean: 0.6
          stddev: 0.14142135623730948
          min: 0.5
          p0p1: 0.5002
          p1: 0.502
          p5: 0.51
          p10: 0.52
          p25: 0.55
          p50: 0.6
          p75: 0.6499999999999999
          p90: 0.6799999999999999
          p95: 0.69
          p99: 0.698
          p99p9: 0.6998
          max: 0.7
      throughput:
        input_token_rate:
          units: tokens/s
          mean: 24.444444444444446
        output_token_rate:
          units: tokens/s
          mean: 7.777777777777779
        total_token_rate:
          units: tokens/s
          mean: 32.22222222222223
        request_rate:
          units: queries/s
          mean: 2.2222222222222223
`;
