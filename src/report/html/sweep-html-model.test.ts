import { describe, expect, it } from "vitest";
import { analyzeSweep } from "../../analysis/analyze-sweep.ts";
import type { StepSummary } from "../../metrics/summarize-step.ts";
import { sweepCharts } from "../charts/sweep-charts.ts";
import type { RunContext } from "../run-context.ts";
import { stepCells, type StepRow } from "../step-rows.ts";
import type { HtmlChartSection, HtmlTableSection, HtmlVerdictSection } from "./html-report-model.ts";
import { buildSweepHtmlModel } from "./sweep-html-model.ts";

/** Throughput doubling to c=4, then flat while latency doubles: the knee is c=4. */
const THROUGHPUT: Record<number, number> = { 1: 100, 2: 200, 4: 400, 8: 420 };
const step = (c: number): StepSummary =>
  ({ max_concurrency: c, completed: 16, failed: 0, output_throughput: THROUGHPUT[c], request_throughput: c, median_e2el_ms: c <= 4 ? 100 : 200, p50_ttft_ms: 10, p95_ttft_ms: 12, p99_ttft_ms: 14, p50_itl_ms: 2, p95_itl_ms: 3, p50_e2el_ms: 100, p99_e2el_ms: 150, median_ttft_ms: 10, p99_itl_ms: 4, median_itl_ms: 2, started_at_ms: c * 1000, ended_at_ms: c * 1000 + 900 }) as unknown as StepSummary;
const rows: StepRow[] = [1, 2, 4, 8].map((c) => ({ concurrency: c, result: step(c), peaks: null, partial: false }));
const analysis = analyzeSweep(rows, { maxNumSeqs: null });
const context = { commit: "abc", gpu: "H100", model: "m", harnessVersion: "0.1.0", targetKind: "simulator" } as RunContext;

describe("buildSweepHtmlModel", () => {
  const charts = sweepCharts({ runs: [{ name: "r1", steps: rows.map((r) => r.result), kneeConcurrency: analysis.knee.concurrency }], timeline: { steps: [], kvCachePct: { points: [{ tMs: 1000, value: 1 }] }, waiting: null } });
  const model = buildSweepHtmlModel({ runId: "r1", model: "m", simulated: true, status: "complete", rows, analysis, charts, context });

  it("opens with the knee and the verdict, with the throughput gain of every doubling as evidence", () => {
    expect(analysis.knee.concurrency).toBe(4);
    const v = model.sections[0] as HtmlVerdictSection;
    expect(v.kind).toBe("verdict");
    expect(v.facts?.[0]).toEqual(["Knee", expect.stringMatching(/^c=4 /)]);
    expect(v.evidence).toContain("c=4 → c=8: output throughput +5% per doubling, median E2EL +100%");
    expect(v.headline).toMatch(/^Verdict: /);
  });

  it("has the step table with the cells every report shows, the knee's row highlighted", () => {
    const t = model.sections[1] as HtmlTableSection;
    expect(t.rows).toEqual(rows.map((r) => stepCells(r, { withPeaks: false, kneeConcurrency: 4 })));
    expect(t.highlightRows).toEqual([2]);
    expect(t.rows[2]![0]).toBe("4 ◀knee");
  });

  it("has every chart, titled as drawn, the timeline zoomable", () => {
    const c = model.sections.filter((s): s is HtmlChartSection => s.kind === "chart");
    expect(c.map((s) => [s.heading, s.zoom ?? false])).toEqual([
      ["Throughput vs concurrency", false],
      ["Latency percentiles vs concurrency", false],
      ["Latency vs throughput", false],
      ["KV-cache usage and queue over time", true],
    ]);
  });

  it("puts the run, its status and the run context fields in the context", () => {
    expect(model.context.slice(0, 4)).toEqual([["Run", "r1"], ["Status", "complete"], ["Commit", "abc"], ["GPU", "H100"]]);
    expect(model.subtitle).toContain("simulated");
  });
});
