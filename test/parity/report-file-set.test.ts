import { describe, expect, it } from "vitest";
import { compareFileSets, matchesGlob } from "./report-file-set.ts";

describe("matchesGlob", () => {
  it("matches like fnmatch: * any run, dots literal", () => {
    expect(matchesGlob("stage_12_lifecycle_metrics.json", "*_lifecycle_metrics.json")).toBe(true);
    expect(matchesGlob("inference-perf.partial.stage_0.yaml", "inference-perf.*")).toBe(true);
    expect(matchesGlob("configXyaml", "config.yaml")).toBe(false);
    expect(matchesGlob("latency-vs-qps.png", "latency_vs_qps.png")).toBe(false);
  });
});

describe("compareFileSets", () => {
  it("names inference-perf's files kneepoint lacks, and kneepoint's files under inference-perf's names", () => {
    const ip = ["config.yaml", "stage_0_lifecycle_metrics.json", "summary_lifecycle_metrics.json", "validation.json", "summary_prometheus_metrics.json"];
    const kp = ["config.yaml", "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json", "summary_lifecycle_metrics.json", "report.md", "latency_vs_qps.png"];
    expect(compareFileSets(ip, kp, (n) => n.endsWith("_prometheus_metrics.json"))).toEqual({
      missing: ["validation.json"],
      extraMatchingGlobs: [
        { name: "latency_vs_qps.png", glob: "latency_vs_qps.png" },
        { name: "stage_1_lifecycle_metrics.json", glob: "*_lifecycle_metrics.json" },
      ],
      ownFiles: ["report.md"],
    });
  });
});
