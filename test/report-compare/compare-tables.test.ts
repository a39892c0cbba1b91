import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { scenarioCharts } from "../../src/report/charts/scenario-charts.ts";
import { STAGE_COLUMNS, SUMMARY_COLUMNS } from "../../src/report/compare/compare-cells.ts";
import { buildCompareMarkdown, markdownTable } from "../../src/report/compare/compare-markdown.ts";
import { byTtftP90, formatRate, perRateSections, summaryRows, type CompareRow } from "../../src/report/compare/compare-rows.ts";
import { renderCompareTables } from "../../src/report/compare/compare-terminal.ts";
import type { LabelledRun, LifecycleMetrics } from "../../src/report/compare/scenario-report.ts";
import { formatSeriesStats, seriesStats, serverMetricsRows } from "../../src/report/compare/server-metrics-rows.ts";
import { fixtureRuns, H100, KV_STARVED, LEGACY } from "./fixture-runs.ts";

const GOLDEN = fileURLToPath(new URL("./goldens/compare-report.md", import.meta.url));

function metrics(over: Partial<LifecycleMetrics> & { ttftP90?: number | null; itl?: Record<string, number> } = {}): LifecycleMetrics {
  const { ttftP90 = 0.1, itl = null, ...rest } = over;
  return {
    benchmarkTimeS: 60,
    load: { count: 300, requestedRateRps: 5, achievedRateRps: 5.008347245409015, concurrency: null, scheduleDelayS: null },
    successCount: 297,
    failureCount: 3,
    latencyS: { requestLatency: null, ttft: ttftP90 === null ? null : { mean: 0.06, p90: ttftP90 }, tpot: null, ntpot: null, itl },
    outputTokensPerS: 990,
    requestsPerS: 4.95,
    inputTokensPerS: 1400,
    promptTokens: null,
    outputTokens: null,
    ...rest,
  };
}

const row = (experiment: string, m: LifecycleMetrics | null): CompareRow => ({ experiment, run: experiment, metrics: m });
const cells = (columns: typeof STAGE_COLUMNS, r: CompareRow) => Object.fromEntries(columns.map((c) => [c.header, c.cell(r)]));

describe("seed 004's table cells", () => {
  it("prints each column as the seed does (hand-computed)", () => {
    const r = row("legacy", metrics({ ttftP90: 0.09, itl: { mean: 0.0125, median: 0.0001, p90: 0.0182 } }));
    expect(cells(STAGE_COLUMNS, r)).toEqual({
      Experiment: "legacy",
      "Achieved QPS": "5.008", // 300 / 59.9
      "Output toks/s": "990.0",
      "Requests/s": "4.950",
      "Success Rate": "99.00%", // 297 / (297 + 3)
      "TTFT p90 (s)": "0.090",
      "TTFT mean (s)": "0.060",
      "ITL mean (s)": "0.013", // 0.0125 → 3 decimals
      "ITL p50/p90 (s)": "0.0001/0.018",
    });
  });

  it("prints '–' for what is absent, never 0: a run without a summary, no ITL, nothing sent", () => {
    expect(new Set(SUMMARY_COLUMNS.slice(1).map((c) => c.cell(row("x", null))))).toEqual(new Set(["–"]));
    expect(cells(STAGE_COLUMNS, row("x", metrics({ successCount: 0, failureCount: 0 })))["Success Rate"]).toBe("–");
    expect(cells(STAGE_COLUMNS, row("x", metrics()))["ITL p50/p90 (s)"]).toBe("–");
    expect(cells(STAGE_COLUMNS, row("x", metrics({ itl: { p90: 0.02 } })))["ITL p50/p90 (s)"]).toBe("–/0.020");
  });

  it("never prints NaN or Infinity, whatever the numbers (property)", () => {
    const value = fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.constant(null));
    fc.assert(
      fc.property(fc.array(value, { minLength: 8, maxLength: 8 }), fc.nat(1000), fc.nat(1000), (v, ok, failed) => {
        const num = (x: number | null) => x as number | null;
        const m = metrics({
          successCount: ok,
          failureCount: failed,
          outputTokensPerS: num(v[0]!),
          requestsPerS: num(v[1]!),
          ttftP90: num(v[2]!),
          itl: Object.fromEntries([["mean", v[3]], ["median", v[4]], ["p90", v[5]]].filter((e) => e[1] !== null)) as Record<string, number>,
          load: { count: 1, requestedRateRps: 1, achievedRateRps: num(v[6]!), concurrency: null, scheduleDelayS: null },
        });
        for (const c of STAGE_COLUMNS.slice(1)) expect(c.cell(row("x", m))).not.toMatch(/NaN|Infinity|undefined|null/);
      }),
      { numRuns: 200 },
    );
  });

  it("orders rows best TTFT p90 first, rows without one last, ties in the given order", () => {
    const rows = [row("a", metrics({ ttftP90: 2 })), row("b", null), row("c", metrics({ ttftP90: 0.5 })), row("d", metrics({ ttftP90: 2 }))];
    expect(byTtftP90(rows).map((r) => r.experiment)).toEqual(["c", "a", "d", "b"]);
  });

  it("titles a rate with one decimal at least", () => {
    expect([formatRate(3), formatRate(0.25), formatRate(12.5), formatRate(1 / 3)]).toEqual(["3.0", "0.25", "12.5", "0.333333"]);
  });

  it("escapes pipes in markdown cells so a label cannot break a table", () => {
    expect(markdownTable(["A", "B"], ["left", "right"], [["x|y", "1"]])).toBe("| A | B |\n|---|---:|\n| x\\|y | 1 |");
  });
});

describe("sections and rows", () => {
  it("makes one section per requested rate, ascending, with the runs that ran it (6 QPS: only kv-starved)", async () => {
    const runs = await fixtureRuns([H100, KV_STARVED], ["h100-8b", "kv-starved"]);
    const sections = perRateSections(runs);
    expect(sections.map((s) => s.title)).toEqual(["QPS = 1.0", "QPS = 2.0", "QPS = 4.0", "QPS = 6.0", "QPS = 8.0"]);
    expect(sections[3]!.rows.map((r) => r.experiment)).toEqual(["kv-starved"]);
    expect(sections[4]!.rows.map((r) => r.experiment)).toEqual(["h100-8b", "kv-starved"]);
    expect(summaryRows(runs).map((r) => r.experiment)).toEqual(["h100-8b", "kv-starved"]);
  });

  it("puts closed-loop stages under 'Concurrency = N' after the rates, and names a run's repeated rate by stage", () => {
    const report = (stages: LifecycleMetrics[]): LabelledRun["report"] => ({
      dir: "d",
      description: { model: "m", data: "d", load: "l" },
      summary: null,
      summaryPrometheus: null,
      stages: stages.map((lifecycle, index) => ({ index, lifecycle, prometheus: null })),
      timeseries: null,
      notes: [],
    });
    const closed = metrics({ load: { count: 10, requestedRateRps: null, achievedRateRps: 9, concurrency: 8, scheduleDelayS: null } });
    const runs: LabelledRun[] = [{ label: "warm", report: report([metrics({ ttftP90: 0.3 }), metrics({ ttftP90: 0.2 }), closed]) }];
    const sections = perRateSections(runs);
    expect(sections.map((s) => s.title)).toEqual(["QPS = 5.0", "Concurrency = 8"]);
    expect(sections[0]!.rows.map((r) => r.experiment)).toEqual(["warm (stage 1)", "warm (stage 0)"]);
  });
});

describe("queue and KV-cache summary", () => {
  it("computes mean/p90/max as numpy does, skipping absent samples (hand-computed)", () => {
    // [0, 2, 4]: mean 2; p90 rank 0.9·2 = 1.8 → 2 + 0.8·(4 − 2) = 3.6; max 4.
    expect(seriesStats([0, 2, null, 4])).toEqual({ mean: 2, p90: 3.6, max: 4 });
    expect(seriesStats([null, null])).toBeNull();
    expect(formatSeriesStats({ mean: 0.94, p90: 0, max: 74 })).toBe("0.9/0.0/74.0");
    expect(formatSeriesStats({ mean: 0.94 })).toBe("0.9/–/–");
  });

  it("uses the time series when there is one, else the Prometheus summary (KV as %), else nothing", async () => {
    const runs = await fixtureRuns([H100, KV_STARVED, LEGACY]);
    const noSeries = { ...runs[0]!, report: { ...runs[0]!.report, timeseries: null } };
    const [a, b, legacy] = serverMetricsRows(runs);
    expect(a!.source).toMatch(/^time series \(\d+ samples\)$/);
    expect(b!.waiting!.max).toBe(Math.max(...runs[1]!.report.timeseries!.samples.map((s) => s.waiting!)));
    expect(legacy).toEqual({ run: "legacy-v0.2", waiting: null, kvCachePct: null, running: null, source: "none" });
    const [prom] = serverMetricsRows([noSeries]);
    expect(prom!.source).toBe("Prometheus summary");
    expect(prom!.kvCachePct!.mean).toBeCloseTo(runs[0]!.report.summaryPrometheus!.kvCacheUsage!.mean! * 100, 12);
  });
});

describe("the comparison report", () => {
  it("matches the golden markdown for the fixtures (UPDATE_GOLDENS=1 rewrites it)", async () => {
    const runs = await fixtureRuns([H100, KV_STARVED, LEGACY], ["h100-8b", "kv-starved", "legacy"]);
    const { charts, notes } = scenarioCharts({ runs, x: "achieved" });
    const text = buildCompareMarkdown({ runs, charts, chartNotes: notes, x: "achieved" });
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(GOLDEN)) {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("prints the same tables on the terminal, without colour codes unless asked", async () => {
    const runs = await fixtureRuns([H100, KV_STARVED], ["h100-8b", "kv-starved"]);
    const text = renderCompareTables(runs, { color: false });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toContain("Summary across QPS");
    const golden = readFileSync(GOLDEN, "utf8");
    // The kv-starved row at 8 QPS carries the same cells in both renderings.
    const mdRow = golden.split("\n").find((l) => l.startsWith("| kv-starved | 8.023"))!;
    const mdCells = mdRow.split("|").map((c) => c.trim()).filter(Boolean);
    const termRow = text.split("\n").find((l) => /│ kv-starved\s+│\s+8\.023/.test(l))!;
    expect(termRow.split("│").map((c) => c.trim()).filter(Boolean)).toEqual(mdCells);
    // color: true is not asserted: cli-table3's colours follow the terminal's support (none under CI=true).
  });
});
