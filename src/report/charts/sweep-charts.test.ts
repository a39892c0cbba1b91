import { describe, expect, it } from "vitest";
import { saturatingSweep, saturatingTimeline } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { CHART_NAMES, sweepCharts } from "./sweep-charts.ts";

describe("sweepCharts", () => {
  const steps = saturatingSweep();
  const run = { name: "a", steps, kneeConcurrency: 8 };

  it("names the four charts of a single run with server metrics", () => {
    const charts = sweepCharts({ runs: [run], timeline: saturatingTimeline(steps), subtitle: "model · run" });
    expect(charts.map((c) => c.name)).toEqual([
      "throughput-vs-concurrency",
      "latency-vs-concurrency",
      "latency-vs-throughput",
      "kv-cache-and-queue-over-time",
    ]);
    for (const c of charts) expect(JSON.stringify(c.spec.title)).toContain("model · run");
  });

  it("leaves the timeline out without server metrics and in a comparison", () => {
    expect(sweepCharts({ runs: [run] }).map((c) => c.name)).not.toContain(CHART_NAMES.timeline);
    const compared = sweepCharts({ runs: [run, { ...run, name: "b" }], timeline: saturatingTimeline(steps) });
    expect(compared.map((c) => c.name)).toEqual([CHART_NAMES.throughput, CHART_NAMES.latency, CHART_NAMES.tradeOff]);
  });

  it("draws nothing for no runs", () => {
    expect(sweepCharts({ runs: [] })).toEqual([]);
  });
});
