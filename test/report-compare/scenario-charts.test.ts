import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile, type TopLevelSpec } from "vega-lite";
import { latencyVsQpsChart, qpsLatencyRows, ttftP90VsQpsChart } from "../../src/report/charts/latency-vs-qps-chart.ts";
import { RATE_AXIS_TITLES } from "../../src/report/charts/rate-axis.ts";
import { scenarioCharts, SCENARIO_CHARTS } from "../../src/report/charts/scenario-charts.ts";
import { serverSeriesVsTimeChart, stageShades } from "../../src/report/charts/server-series-vs-time-chart.ts";
import { throughputVsQpsChart } from "../../src/report/charts/throughput-vs-qps-chart.ts";
import type { LabelledRun } from "../../src/report/compare/scenario-report.ts";
import { nonFiniteNumbers, titles, unitViews } from "../fixtures/charts/spec-walk.ts";
import { fixtureRuns, H100, KV_STARVED, LEGACY } from "./fixture-runs.ts";

let two: LabelledRun[];
let one: LabelledRun[];
beforeAll(async () => {
  two = await fixtureRuns([H100, KV_STARVED], ["h100-8b", "kv-starved"]);
  one = two.slice(0, 1);
});

const lines = (spec: TopLevelSpec) => unitViews(spec).filter((u) => u.markType === "line");
const field = (enc: unknown) => (enc as { field?: string }).field;
const title = (enc: unknown) => (enc as { title?: string }).title;

function compileWarnings(spec: TopLevelSpec): unknown[] {
  const warnings: unknown[] = [];
  const logger = { level: () => 0, warn: (...a: unknown[]) => (warnings.push(a), logger), info: () => logger, debug: () => logger, error: () => logger };
  compile(spec, { logger: logger as never });
  return warnings;
}

describe("latency vs QPS", () => {
  it("draws TTFT, TPOT, ITL and E2E panels, one series per run, p50 solid and p90 dashed, x titled with the rate it uses", () => {
    const spec = latencyVsQpsChart(two, { x: "achieved" });
    const views = lines(spec);
    expect(views.map((v) => (v.transform[0] as { filter: { equal: string } }).filter.equal)).toEqual(["ttft", "tpot", "itl", "requestLatency"]);
    for (const v of views) {
      expect(title(v.encoding.x)).toBe("Achieved rate (req/s sent, measured)");
      expect(v.encoding.color).toMatchObject({ field: "run", scale: { domain: ["h100-8b", "kv-starved"] } });
      expect(v.encoding.strokeDash).toMatchObject({ field: "stat", scale: { domain: ["p50", "p90"] } });
      expect(title(v.encoding.y)).toMatch(/^(TTFT|TPOT|ITL|E2E latency) \(ms(, log scale)?\)$/);
    }
    // The KV-starved TTFT spans 80 ms … 10 s: a log axis, said in the title.
    expect(title(views[0]!.encoding.y)).toBe("TTFT (ms, log scale)");
    expect(new Set(views[0]!.values.map((r) => (r as { run: string }).run))).toEqual(new Set(["h100-8b", "kv-starved"]));
    expect(nonFiniteNumbers(spec)).toEqual([]);
    expect(compileWarnings(spec)).toEqual([]);
  });

  it("places each stage at its achieved rate, or at its requested rate with --x requested, and converts seconds to ms", () => {
    const file = JSON.parse(readFileSync(join(H100, "stage_3_lifecycle_metrics.json"), "utf8"));
    const achieved = qpsLatencyRows(one, "achieved", ["ttft"], [50]);
    expect(achieved.map((r) => r.rateRps)).toEqual(one[0]!.report.stages.map((s) => s.lifecycle.load.achievedRateRps));
    expect(achieved[3]!.latencyMs).toBeCloseTo(file.successes.latency.time_to_first_token.median * 1000, 9);
    const requested = qpsLatencyRows(one, "requested", ["ttft"], [50]);
    expect(requested.map((r) => r.rateRps)).toEqual([1, 2, 4, 8]);
    const x = lines(latencyVsQpsChart(two, { x: "requested" }))[0]!.encoding.x;
    expect(x).toMatchObject({ title: "Requested rate (QPS, as configured)", axis: { values: [1, 2, 4, 6, 8] } });
  });

  it("draws only the chosen percentiles; one run is coloured by percentile", () => {
    const [v] = lines(latencyVsQpsChart(one, { x: "achieved", percentiles: [50, 99] }));
    expect(v!.encoding.color).toMatchObject({ field: "stat", scale: { domain: ["p50", "p99"] } });
    expect(new Set(v!.values.map((r) => (r as { stat: string }).stat))).toEqual(new Set(["p50", "p99"]));
  });

  it("TTFT p90 vs QPS: one panel of p90 only", () => {
    const spec = ttftP90VsQpsChart(two, { x: "achieved" });
    const views = lines(spec);
    expect(views).toHaveLength(1);
    expect(title(views[0]!.encoding.y)).toMatch(/^TTFT p90 \(ms/);
    expect(new Set(views[0]!.values.map((r) => (r as { stat: string }).stat))).toEqual(new Set(["p90"]));
    expect(compileWarnings(spec)).toEqual([]);
  });
});

describe("throughput vs QPS", () => {
  it("plots output tokens/s and completed req/s per run, with the completed = rate diagonal", () => {
    const spec = throughputVsQpsChart(two, { x: "requested" });
    const views = lines(spec);
    const series = views.filter((v) => v.encoding.color !== undefined);
    expect(series.map((v) => field(v.encoding.y))).toEqual(["outputTokensPerS", "requestsPerS"]);
    expect(series.map((v) => title(v.encoding.y))).toEqual(["Output throughput (tokens/s)", "Completed requests (req/s)"]);
    expect(series.map((v) => title(v.encoding.x))).toEqual([RATE_AXIS_TITLES.requested, RATE_AXIS_TITLES.requested]);
    const diagonal = views.find((v) => v.encoding.color === undefined)!;
    expect(diagonal.values).toEqual([{ rateRps: 0, requestsPerS: 0 }, { rateRps: 8, requestsPerS: 8 }]);
    expect(titles(spec)).toContain("Throughput vs QPS (comparison)");
    expect(compileWarnings(spec)).toEqual([]);
  });
});

describe("server series vs time", () => {
  it("overlays runs from their own start, KV-cache usage in %", () => {
    const spec = serverSeriesVsTimeChart(two, "kvCache");
    const [line] = lines(spec);
    expect(title(line!.encoding.x)).toBe("Time since the run's start (s)");
    expect(title(line!.encoding.y)).toBe("KV-cache usage (%)");
    const pts = line!.values as Array<{ run: string; tS: number; value: number }>;
    for (const run of ["h100-8b", "kv-starved"]) expect(Math.min(...pts.filter((p) => p.run === run).map((p) => p.tS))).toBe(0);
    const kvMax = Math.max(...two[1]!.report.timeseries!.samples.map((s) => s.kvCacheUsage!));
    expect(Math.max(...pts.filter((p) => p.run === "kv-starved").map((p) => p.value))).toBeCloseTo(kvMax * 100, 9);
    expect(unitViews(spec).some((u) => u.markType === "rect")).toBe(false); // no stage bands across runs
    expect(compileWarnings(spec)).toEqual([]);
  });

  it("shades one run's stages, labelled with their requested rate", () => {
    const spec = serverSeriesVsTimeChart(one, "waiting");
    expect(unitViews(spec).filter((u) => u.markType === "text").flatMap((u) => u.values.map((v) => (v as { label: string }).label))).toEqual(["1.0 QPS", "2.0 QPS", "4.0 QPS", "8.0 QPS"]);
    const shades = stageShades(one[0]!);
    expect(shades[0]!.startS).toBe(0);
    expect(shades.every((s, i) => i === 0 || s.startS > shades[i - 1]!.endS)).toBe(true);
    expect(compileWarnings(spec)).toEqual([]);
  });
});

describe("scenarioCharts", () => {
  it("makes seed 004's five charts for runs with time series", () => {
    const { charts, notes } = scenarioCharts({ runs: two });
    expect(charts.map((c) => c.name)).toEqual(["latency-vs-qps", "throughput-vs-qps", "ttft-p90-vs-qps", "waiting-queue-vs-time", "kv-cache-usage-vs-time"]);
    expect(notes).toEqual([]);
    for (const c of charts) expect(nonFiniteNumbers(c.spec), c.name).toEqual([]);
  });

  it("skips the time charts with a note when no run has a time series, and names the runs left out otherwise", async () => {
    const legacy = await fixtureRuns([LEGACY]);
    const alone = scenarioCharts({ runs: legacy });
    expect(alone.charts.map((c) => c.name)).toEqual([SCENARIO_CHARTS.latency.name, SCENARIO_CHARTS.throughput.name, SCENARIO_CHARTS.ttftP90.name]);
    expect(alone.notes).toEqual([
      "Waiting queue vs time: skipped (no server_metrics_timeseries.json in legacy-v0.2)",
      "KV-cache usage vs time: skipped (no server_metrics_timeseries.json in legacy-v0.2)",
    ]);
    const mixed = scenarioCharts({ runs: [...two, { label: "old", report: legacy[0]!.report }] });
    expect(mixed.notes[0]).toBe("Waiting queue vs time: drawn for h100-8b, kv-starved only (no server_metrics_timeseries.json in old)");
  });

  it("says which stages cannot be placed on a requested-rate axis (closed loop) instead of dropping them silently", () => {
    const r = two[0]!;
    const closed = { ...r.report.stages[0]!, lifecycle: { ...r.report.stages[0]!.lifecycle, load: { ...r.report.stages[0]!.lifecycle.load, requestedRateRps: null, concurrency: 4 } } };
    const runs: LabelledRun[] = [{ label: "c", report: { ...r.report, stages: [closed, ...r.report.stages.slice(1)] } }];
    expect(scenarioCharts({ runs, x: "requested" }).notes[0]).toBe(
      "rate charts: stages without a requested rate are not drawn: c (1 stage) (closed-loop stages have no requested rate; --x achieved places them)",
    );
    expect(scenarioCharts({ runs, x: "achieved" }).notes).toEqual([]);
  });
});
