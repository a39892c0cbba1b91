import { describe, expect, it } from "vitest";
import { stepWindowsFromLog } from "./step-windows.ts";
import { splitTimestamp } from "./job-log-follower.ts";

const at = (s: string) => Date.parse(`2026-11-23T12:${s}Z`);

function windowsOf(raw: string[]): Array<[number, { startedAtMs: number; endedAtMs: number }]> {
  const split = raw.map(splitTimestamp);
  return [...stepWindowsFromLog(split.map((r) => r.line), split.map((r) => r.timeMs)).entries()];
}

describe("stepWindowsFromLog", () => {
  it("times the step from vLLM's own 'Starting main benchmark run' to its 'Serving Benchmark Result' line", () => {
    // What `vllm bench serve` (v0.31) prints in the Job, with the kubelet's timestamps: imports, the tokenizer, the
    // ready check and 3 warm-up requests come before the timed phase and stay out of the window.
    const windows = windowsOf([
      "2026-11-23T12:00:00.000000000Z kneepoint: concurrency 4; 256 tokens in, 128 out; seed 42",
      "2026-11-23T12:00:01.250000000Z kneepoint: step c=4: 32 requests",
      "2026-11-23T12:00:09.100000000Z INFO 11-23 12:00:09 [datasets.py:612] Sampling input_len from [256, 256] and output_len from [128, 128]",
      "2026-11-23T12:00:09.300000000Z Starting initial single prompt test run...",
      "2026-11-23T12:00:10.800000000Z Initial test run completed.",
      "2026-11-23T12:00:10.810000000Z Warming up with 3 requests...",
      "2026-11-23T12:00:11.900000000Z Warmup run completed.",
      "2026-11-23T12:00:12.000000000Z Starting main benchmark run...",
      "2026-11-23T12:00:12.001000000Z Traffic request rate: inf",
      "2026-11-23T12:00:42.400000000Z tip: install termplotlib and gnuplot to plot the metrics",
      "2026-11-23T12:00:42.450000000Z ============ Serving Benchmark Result ============",
      "2026-11-23T12:00:42.451000000Z Successful requests:                     32",
      "2026-11-23T12:00:42.600000000Z ==================================================",
      "2026-11-23T12:00:42.700000000Z ",
      "2026-11-23T12:00:42.710000000Z === kneepoint-result c=4 begin ===",
      '2026-11-23T12:00:42.711000000Z {"duration": 30.4}',
      "2026-11-23T12:00:42.712000000Z === kneepoint-result c=4 end ===",
    ]);
    // 12:00:12.000 → 12:00:42.450: 30.45 s, against 41.46 s from the step line to the marker.
    expect(windows).toEqual([[4, { startedAtMs: at("00:12.000"), endedAtMs: at("00:42.450") }]]);
    expect(windows[0]![1].endedAtMs - windows[0]![1].startedAtMs).toBe(30_450);
  });

  it("reads older releases' one-line form, and each step's own lines only", () => {
    const windows = windowsOf([
      "2026-11-23T12:00:00.000Z kneepoint: step c=1: 8 requests",
      "2026-11-23T12:00:05.000Z Initial test run completed. Starting main benchmark run...",
      "2026-11-23T12:00:15.500Z ============ Serving Benchmark Result ============",
      "2026-11-23T12:00:15.600Z === kneepoint-result c=1 begin ===",
      "2026-11-23T12:00:15.700Z === kneepoint-result c=1 end ===",
      // c=2 printed neither line (another client): the script's markers, not c=1's vLLM lines.
      "2026-11-23T12:00:16.000Z kneepoint: step c=2: 16 requests",
      "2026-11-23T12:00:40.000Z === kneepoint-result c=2 begin ===",
    ]);
    expect(windows).toEqual([
      [1, { startedAtMs: at("00:05.000"), endedAtMs: at("00:15.500") }],
      [2, { startedAtMs: at("00:16.000"), endedAtMs: at("00:40.000") }],
    ]);
  });

  it("falls back per edge: only the result line (the tests' fake vllm) ends the window there", () => {
    const windows = windowsOf([
      "2026-11-23T12:00:01.250Z kneepoint: step c=1: 32 requests",
      "2026-11-23T12:00:31.500Z ============ Serving Benchmark Result ============",
      "2026-11-23T12:00:31.600Z === kneepoint-result c=1 begin ===",
    ]);
    expect(windows).toEqual([[1, { startedAtMs: at("00:01.250"), endedAtMs: at("00:31.500") }]]);
  });

  it("without vLLM's lines: from the step line to the result's begin marker (the previous behaviour)", () => {
    const windows = windowsOf([
      "2026-11-23T12:00:00.000000000Z kneepoint: concurrency 1 2; 256 tokens in, 128 out; seed 42",
      "2026-11-23T12:00:01.250000000Z kneepoint: step c=1: 32 requests",
      "2026-11-23T12:00:31.600999999Z === kneepoint-result c=1 begin ===",
      '2026-11-23T12:00:31.601000000Z {"duration": 30.2}',
      "2026-11-23T12:00:31.602000000Z === kneepoint-result c=1 end ===",
      "2026-11-23T12:00:31.700000000Z kneepoint: step c=2: 32 requests",
      "no timestamp here === kneepoint-result c=2 begin ===",
    ]);
    expect(windows).toEqual([[1, { startedAtMs: at("00:01.250"), endedAtMs: at("00:31.600") }]]);
  });

  it("a failed step (no result) leaves no window and lends its lines to no other step", () => {
    const windows = windowsOf([
      "2026-11-23T12:00:00.000Z kneepoint: step c=8: 64 requests",
      "2026-11-23T12:00:04.000Z Starting main benchmark run...",
      "2026-11-23T12:00:09.000Z === kneepoint-step-failed c=8 exit=1 ===",
      "2026-11-23T12:00:10.000Z kneepoint: step c=16: 128 requests",
      "2026-11-23T12:00:30.000Z === kneepoint-result c=16 begin ===",
    ]);
    expect(windows).toEqual([[16, { startedAtMs: at("00:10.000"), endedAtMs: at("00:30.000") }]]);
  });

  it("splits RFC 3339 timestamps with any precision and leaves other lines alone", () => {
    expect(splitTimestamp("2026-11-23T12:00:00Z hello")).toEqual({ line: "hello", timeMs: Date.UTC(2026, 10, 23, 12) });
    expect(splitTimestamp("2026-11-23T12:00:00.5+01:00 x")).toEqual({ line: "x", timeMs: Date.UTC(2026, 10, 23, 11, 0, 0, 500) });
    const plain = splitTimestamp("=== kneepoint-result c=1 begin ===");
    expect(plain.line).toBe("=== kneepoint-result c=1 begin ===");
    expect(plain.timeMs).toBeNaN();
  });
});
