import { describe, expect, it } from "vitest";
import { compareReportDirs, perRequestPairs } from "./compare-report-dirs.ts";
import { parseRawJson } from "./raw-json.ts";
import type { ReportDir } from "./report-dir.ts";

const dir = (docs: Record<string, unknown>): ReportDir => ({
  dir: "/x",
  files: Object.keys(docs).sort(),
  documents: new Map(Object.entries(docs).map(([name, v]) => [name, parseRawJson(typeof v === "string" ? v : JSON.stringify(v))])),
  unreadable: new Map(),
});

describe("perRequestPairs", () => {
  it("pairs the first success with the first success and the first failure with the first failure", () => {
    const ip = parseRawJson('[{"error": {"t": 1}, "n": 1}, {"error": null, "n": 2}]');
    const kp = parseRawJson('[{"error": null, "n": 3}, {"error": null, "n": 4}, {"error": {"t": 2}, "n": 5}]');
    expect(perRequestPairs(ip, kp).map((p) => [p.label, p.ip.kind === "object" && p.ip.entries[1]![1], p.kp.kind === "object" && p.kp.entries[1]![1]])).toEqual([
      ["first success", { kind: "number", text: "2" }, { kind: "number", text: "3" }],
      ["first failure", { kind: "number", text: "1" }, { kind: "number", text: "5" }],
    ]);
  });
});

describe("compareReportDirs", () => {
  it("compares shapes, counts and latencies of the files both wrote, and leaves Prometheus files out", () => {
    const ip = dir({
      "summary_lifecycle_metrics.json": '{"load_summary": {"count": 2, "requested_rate": 1.0}, "successes": {"count": 2, "latency": {"time_to_first_token": {"median": 0.020}}}, "failures": {"count": 0}}',
      "summary_prometheus_metrics.json": { a: 1.0 },
      "validation.json": {},
    });
    const kp = dir({
      "summary_lifecycle_metrics.json": '{"load_summary": {"count": 2, "requested_rate": 1}, "successes": {"count": 1, "latency": {"time_to_first_token": {"median": 0.0205}}}, "failures": {"count": 1}}',
      "summary_prometheus_metrics.json": { b: 1 },
    });
    const f = compareReportDirs(ip, kp);
    expect(f.files.missing).toEqual(["validation.json"]);
    expect(f.shapes.map((s) => [s.document, s.findings.map((d) => d.path)])).toEqual([["summary_lifecycle_metrics.json", ["load_summary.requested_rate"]]]);
    expect(f.counts[0]!.findings).toEqual([
      { field: "successes", ip: 2, kp: 1 },
      { field: "failures", ip: 0, kp: 1 },
    ]);
    expect(f.latencies[0]!.findings).toMatchObject([{ path: "successes.latency.time_to_first_token.median", ok: true }]);
  });
});
