/**
 * `kneepoint report --compare DIR DIR …` (and `kneepoint report DIR` for one scenario run) below the CLI:
 * reads the runs, builds the tables, the charts and the markdown, writes `report.md`, `report.html` and the
 * charts (`<name>.svg` + `<name>.png`) into the output directory, and returns the terminal text for the CLI to print.
 * vega is imported only when charts are rendered: loading it takes seconds.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../errors.ts";
import type { RateAxis } from "../charts/rate-axis.ts";
import { scenarioCharts } from "../charts/scenario-charts.ts";
import { buildCompareMarkdown } from "./compare-markdown.ts";
import { renderCompareTables } from "./compare-terminal.ts";
import { readScenarioReportDir } from "./read-scenario-report-dir.ts";
import { runLabels } from "./run-labels.ts";
import type { LabelledRun } from "./scenario-report.ts";
import { writeFileAtomically } from "../write-file-atomically.ts";
import { HARNESS_VERSION } from "../../version.ts";

export const COMPARE_MARKDOWN_FILE = "report.md";

export interface CompareReportOptions {
  dirs: readonly string[];
  /** One per dir, or none (the directory names). */
  labels?: readonly string[];
  outDir: string;
  x: RateAxis;
  /** Latency percentiles of the latency chart; default 50, 90. */
  percentiles?: readonly number[];
  /** false: tables and markdown only (--no-charts). */
  charts: boolean;
  color: boolean;
}

export interface CompareReportResult {
  runs: LabelledRun[];
  /** The tables for the terminal. */
  tables: string;
  markdownPath: string;
  /** report.html beside report.md: the same tables, the charts interactive, in one offline page. */
  htmlPath: string;
  chartPaths: string[];
  /** Charts skipped and files missing, for the terminal too. */
  notes: string[];
  /** vega-lite/vega warnings of the rendered charts. */
  chartWarnings: string[];
}

export async function readScenarioRuns(dirs: readonly string[], labels: readonly string[] = []): Promise<LabelledRun[]> {
  if (dirs.length === 0) throw new UsageError("no report directory given", "kneepoint report --compare DIR DIR …");
  const names = runLabels(dirs, labels);
  const runs: LabelledRun[] = [];
  for (const [i, dir] of dirs.entries()) runs.push({ label: names[i]!, report: await readScenarioReportDir(dir) });
  return runs;
}

/** UsageError for a percentile no stage of any run has (it would draw nothing). */
export function checkChartPercentiles(runs: readonly LabelledRun[], percentiles: readonly number[]): void {
  const keys = new Set(runs.flatMap((r) => r.report.stages.flatMap((s) => Object.keys(s.lifecycle.latencyS.ttft ?? {}))));
  for (const p of percentiles) {
    const key = p === 50 ? "median" : `p${p}`;
    if (!keys.has(key)) {
      const have = [...keys].filter((k) => k === "median" || /^p[\d.]+$/.test(k)).map((k) => (k === "median" ? "50" : k.slice(1)));
      throw new UsageError(`--percentiles: p${p} is not in the reports' latency distributions`, `choose among ${have.join(", ") || "(none: the stages have no TTFT distribution)"}`);
    }
  }
}

export async function writeCompareReport(opts: CompareReportOptions): Promise<CompareReportResult> {
  const runs = await readScenarioRuns(opts.dirs, opts.labels);
  if (opts.percentiles) checkChartPercentiles(runs, opts.percentiles);
  const built = opts.charts
    ? scenarioCharts({ runs, x: opts.x, ...(opts.percentiles ? { percentiles: opts.percentiles } : {}) })
    : { charts: [], notes: ["charts not rendered (--no-charts)"] };
  await mkdir(opts.outDir, { recursive: true });
  let chartPaths: string[] = [];
  let chartWarnings: string[] = [];
  if (built.charts.length > 0) {
    const { writeChartFiles } = await import("../charts/write-chart-files.ts");
    const written = await writeChartFiles(built.charts, opts.outDir);
    chartPaths = written.flatMap((w) => [w.svgPath, w.pngPath]);
    chartWarnings = written.flatMap((w) => w.warnings.map((m) => `${w.name}: ${m}`));
  }
  const markdown = buildCompareMarkdown({ runs, charts: built.charts, chartNotes: built.notes, x: opts.x });
  const markdownPath = join(opts.outDir, COMPARE_MARKDOWN_FILE);
  await writeFileAtomically(markdownPath, markdown);
  const { buildScenarioHtmlModel } = await import("../html/scenario-html-model.ts");
  const { writeHtmlReport } = await import("../html/write-html-report.ts");
  const { readRunFacts } = await import("../html/read-run-facts.ts");
  const runFacts = await Promise.all(opts.dirs.map(readRunFacts));
  const html = await writeHtmlReport(buildScenarioHtmlModel({ runs, charts: built.charts, chartNotes: built.notes, x: opts.x, runFacts, generator: `kneepoint ${HARNESS_VERSION}` }), opts.outDir);
  chartWarnings.push(...html.warnings.map((w) => `report.html: ${w}`));
  return {
    runs,
    tables: renderCompareTables(runs, { color: opts.color }),
    markdownPath,
    htmlPath: html.path,
    chartPaths,
    notes: [...built.notes, ...runs.flatMap((r) => r.report.notes)],
    chartWarnings,
  };
}
