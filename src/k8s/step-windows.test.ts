import { describe, expect, it } from "vitest";
import { stepWindowsFromLog } from "./step-windows.ts";
import { splitTimestamp } from "./run-bench-job.ts";

describe("stepWindowsFromLog", () => {
  it("dates each step from its start line to its result marker, by the kubelet's timestamps", () => {
    const raw = [
      "2026-11-23T12:00:00.000000000Z kneepoint: concurrency 1 2; 256 tokens in, 128 out; seed 42",
      "2026-11-23T12:00:01.250000000Z kneepoint: step c=1: 32 requests",
      "2026-11-23T12:00:31.500123456Z ============ Serving Benchmark Result ============",
      "2026-11-23T12:00:31.600999999Z === kneepoint-result c=1 begin ===",
      '2026-11-23T12:00:31.601000000Z {"duration": 30.2}',
      "2026-11-23T12:00:31.602000000Z === kneepoint-result c=1 end ===",
      "2026-11-23T12:00:31.700000000Z kneepoint: step c=2: 32 requests",
      "no timestamp here === kneepoint-result c=2 begin ===",
    ].map(splitTimestamp);
    const windows = stepWindowsFromLog(raw.map((r) => r.line), raw.map((r) => r.timeMs));
    expect([...windows.entries()]).toEqual([[1, { startedAtMs: Date.UTC(2026, 10, 23, 12, 0, 1, 250), endedAtMs: Date.UTC(2026, 10, 23, 12, 0, 31, 600) }]]);
  });

  it("splits RFC 3339 timestamps with any precision and leaves other lines alone", () => {
    expect(splitTimestamp("2026-11-23T12:00:00Z hello")).toEqual({ line: "hello", timeMs: Date.UTC(2026, 10, 23, 12) });
    expect(splitTimestamp("2026-11-23T12:00:00.5+01:00 x")).toEqual({ line: "x", timeMs: Date.UTC(2026, 10, 23, 11, 0, 0, 500) });
    const plain = splitTimestamp("=== kneepoint-result c=1 begin ===");
    expect(plain.line).toBe("=== kneepoint-result c=1 begin ===");
    expect(plain.timeMs).toBeNaN();
  });
});
