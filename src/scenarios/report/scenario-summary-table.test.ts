import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { StageRun } from "../types.ts";
import { buildLifecycleReport } from "./build-lifecycle-report.ts";
import { renderScenarioSummaryTable, scenarioTableCells, scenarioTableHeaders } from "./scenario-summary-table.ts";

// The five records of build-lifecycle-report.test.ts (hand-computed there).
const records = [
  scenarioRecord({ scheduledMs: 1000, sendMs: 1001, chunkTimesMs: [1101, 1111, 1121, 1131], endMs: 1140, promptTokens: 10, completionTokens: 4 }),
  scenarioRecord({ scheduledMs: 1500, sendMs: 1503, chunkTimesMs: [1553, 1573], endMs: 1580, plannedPromptTokens: 20, completionTokens: 3 }),
  scenarioRecord({ scheduledMs: 2000, sendMs: 2000.5, chunkTimesMs: [2200], endMs: 2210, promptTokens: 5, completionTokens: 1 }),
  scenarioRecord({ scheduledMs: 2500, sendMs: 2502, endMs: 2530, error: { reason: "http", status: 503, message: "HTTP 503: busy" } }),
  scenarioRecord({ scheduledMs: 3000, sendMs: 3001, endMs: 3100, error: { reason: "timeout", message: "no complete answer" } }),
];
const stage = (index: number, plan: StageRun["plan"], recs: StageRun["records"]): StageRun => ({
  index, plan, status: "completed", startMs: 0, endMs: 0, startEpochMs: 0, endEpochMs: 0, records: recs, unsent: 0,
});
const open = stage(0, { kind: "constant", rate: 2, durationS: 2 }, records);
// a closed-loop stage whose only request failed and left 20 ms late
const closed = stage(1, { kind: "concurrent", concurrency: 4, numRequests: 1 }, [
  scenarioRecord({ stage: 1, scheduledMs: 5000, sendMs: 5020, endMs: 5030, error: { reason: "disconnect", message: "connection closed" } }),
]);
const GOODPUT = { ttft: 0.08, request_latency: 0.2 };

describe("scenario summary table", () => {
  it("one row per stage, in ms, from the stage's lifecycle report", () => {
    const report = buildLifecycleReport(open.records, { percentiles: [50, 90], maxErrorMessages: 0, useServerOutputTokens: false, goodput: GOODPUT, stage: open.plan });
    // achieved 5 / 2 s; schedule delay p50 1 ms; TTFT 75/95 ms; ITL 10 ms; E2E 139/195.4 ms; 7 tokens / 2.099 s; 1 good of 3
    expect(scenarioTableCells(open, report, true)).toEqual(["0", "2 req/s", "2.50", "5", "2", "1.00", "75.0", "95.0", "10.0", "139", "195", "3", "33.3"]);
  });

  it("absent values are –, a late stage is marked, goodput only when constraints are set", () => {
    const text = renderScenarioSummaryTable([open, closed], { color: false, useServerOutputTokens: false, goodput: GOODPUT });
    const rows = text.split("\n").filter((l) => l.startsWith("│"));
    expect(rows).toHaveLength(3);
    const cells = rows[2]!.split("│").slice(1, -1).map((c) => c.trim());
    expect(cells).toEqual(["1", "c=4", "–", "1", "1", "20.0 !", "–", "–", "–", "–", "–", "–", "–"]);
    expect(text).toContain("! median schedule delay > 10 ms");
    const noGoodput = renderScenarioSummaryTable([open], { color: false, useServerOutputTokens: false, goodput: null });
    expect(noGoodput).not.toContain("goodput %");
    expect(scenarioTableHeaders(false)).not.toContain("goodput %");
    expect(noGoodput).not.toContain("! median");
  });

  it("streaming off: the TTFT and ITL columns are left out and the note says why", () => {
    const report = buildLifecycleReport(open.records, { percentiles: [50, 90], maxErrorMessages: 0, useServerOutputTokens: false, goodput: null, stage: open.plan, streaming: false });
    expect(scenarioTableHeaders(false, false)).toEqual(["stage", "requested", "achieved req/s", "requests", "failed", "sched p50", "E2E p50", "E2E p90", "out tok/s"]);
    // the first row above without its TTFT p50/p90 and ITL p50 cells; a non-streamed answer's output count is
    // usage.completion_tokens (4 + 3 + 1 = 8 tokens / 2.099 s = 3.8 tok/s) rather than its one chunk
    expect(scenarioTableCells(open, report, false, false)).toEqual(["0", "2 req/s", "2.50", "5", "2", "1.00", "139", "195", "4"]);
    const text = renderScenarioSummaryTable([open], { color: false, useServerOutputTokens: false, goodput: null, streaming: false });
    expect(text).not.toContain("TTFT p50");
    expect(text).toContain("no TTFT/ITL: api.streaming is false");
  });

  it("no colour codes when colour is off", () => {
    expect(renderScenarioSummaryTable([open], { color: false, useServerOutputTokens: false, goodput: null })).not.toMatch(/\u001b\[/);
  });
});
