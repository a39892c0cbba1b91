import { describe, expect, it } from "vitest";
import { scenarioCharts } from "../charts/scenario-charts.ts";
import { buildCompareMarkdown } from "../compare/compare-markdown.ts";
import { readScenarioRuns } from "../compare/write-compare-report.ts";
import type { HtmlChartSection, HtmlTableSection } from "./html-report-model.ts";
import { buildScenarioHtmlModel } from "./scenario-html-model.ts";

// The scenario report fixtures test/report-compare reads (vitest runs from the repository root).
const DIRS = ["test/fixtures/scenario-reports/sim-h100-8b", "test/fixtures/scenario-reports/sim-kv-starved", "test/fixtures/scenario-reports/legacy-v0.2"];

describe("buildScenarioHtmlModel", async () => {
  const runs = await readScenarioRuns(DIRS, ["h100-8b", "kv-starved", "legacy"]);
  const built = scenarioCharts({ runs, x: "achieved" });
  const model = buildScenarioHtmlModel({ runs, charts: built.charts, chartNotes: built.notes, x: "achieved" });
  const markdown = buildCompareMarkdown({ runs, charts: built.charts, chartNotes: built.notes, x: "achieved" });
  const tables = model.sections.filter((s): s is HtmlTableSection => s.kind === "table");

  it("has every table of report.md, each row with the same cells", () => {
    expect(tables.map((t) => t.heading)).toEqual(["Runs", "Summary across QPS", "Queue and KV cache summary", "EPP Queue and KV Cache Metrics Summary", ...[...markdown.matchAll(/^### (QPS = .*|Concurrency = .*|Stage .*)$/gm)].map((m) => `Per-QPS Results: ${m[1]}`)]);
    for (const t of tables) {
      for (const row of t.rows) {
        const cells = t.heading === "Runs" ? row.map((c, i) => (i === 1 ? `\`${c}\`` : c)) : row;
        expect(markdown, `${t.heading}: ${row[0]}`).toContain(`| ${cells.join(" | ")} |`);
      }
      for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
    }
  });

  it("has the charts of report.md, the time charts zoomable, and says which were left out and why", () => {
    const charts = model.sections.filter((s): s is HtmlChartSection => s.kind === "chart");
    expect(charts.map((c) => [c.heading, c.zoom ?? false])).toEqual(built.charts.map((c) => [c.title, c.name.endsWith("-vs-time")]));
    expect(model.sections).toContainEqual({ kind: "text", heading: "Charts left out", items: built.notes });
  });

  it("titles a comparison with its runs and puts each run's directory and load in the context", () => {
    expect(model.title).toBe("Scenario comparison: h100-8b vs kv-starved vs legacy");
    expect(model.context.map(([k]) => k)).toEqual(["h100-8b", "kv-starved", "legacy"]);
    expect(model.context[0]![1]).toContain(DIRS[0]);
  });

  it("titles one run as a scenario report with its directory, model, data and load", () => {
    const one = buildScenarioHtmlModel({ runs: runs.slice(0, 1), charts: [], chartNotes: [], x: "achieved" });
    expect(one.title).toBe("Scenario report: h100-8b");
    expect(one.context.map(([k]) => k)).toEqual(["Directory", "Model", "Data", "Load"]);
  });
});

describe("run facts in the context", () => {
  it("one run: kneepoint_run.json's facts after the config's; a comparison: kind and server version on each run's line", async () => {
    const runs = await readScenarioRuns(DIRS.slice(0, 2), ["a", "b"]);
    const facts: Array<Array<[string, string]>> = [[["Target", "http://127.0.0.1:1"], ["Target kind", "simulator"], ["Server version", "0.11.0"]], []];
    const one = buildScenarioHtmlModel({ runs: runs.slice(0, 1), charts: [], chartNotes: [], x: "achieved", runFacts: facts });
    expect(one.context.slice(4)).toEqual(facts[0]);
    const two = buildScenarioHtmlModel({ runs, charts: [], chartNotes: [], x: "achieved", runFacts: facts });
    expect(two.context[0]![1]).toMatch(/ · simulator · server 0\.11\.0$/);
    expect(two.context[1]![1]).not.toContain("simulator ·");
  });
});
