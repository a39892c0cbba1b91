/**
 * The end of `kneepoint run`: the run's own tables and charts rendered into its report directory by the
 * comparison report's writer for one run (src/report/compare/write-compare-report.ts: report.md, report.html, seed 004's
 * five charts as SVG + PNG), or the reason they are not. The charts read the files the run just wrote, so what
 * is drawn is what `kneepoint report DIR` would draw later from the same directory.
 */
import { isScenarioReportDir } from "../report/compare/read-scenario-report-dir.ts";
import { writeCompareReport } from "../report/compare/write-compare-report.ts";

export type RunChartsOutcome =
  | { rendered: true; markdownPath: string; htmlPath: string; pngPaths: string[]; notes: string[]; warnings: string[] }
  | { rendered: false; reason: string };

export interface RunChartsInput {
  dir: string;
  /** storage.local_storage.report_file_prefix: the reader reads unprefixed file names only. */
  reportFilePrefix: string | null;
  color: boolean;
}

export async function renderRunCharts(input: RunChartsInput): Promise<RunChartsOutcome> {
  if (input.reportFilePrefix) {
    return { rendered: false, reason: `storage.local_storage.report_file_prefix (${input.reportFilePrefix}) is set, and the report reader reads unprefixed file names` };
  }
  if (!(await isScenarioReportDir(input.dir))) {
    return { rendered: false, reason: "no stage_N_lifecycle_metrics.json was written (set report.request_lifecycle.per_stage: true)" };
  }
  const result = await writeCompareReport({ dirs: [input.dir], outDir: input.dir, x: "achieved", charts: true, color: input.color });
  return {
    rendered: true,
    markdownPath: result.markdownPath,
    htmlPath: result.htmlPath,
    pngPaths: result.chartPaths.filter((p) => p.endsWith(".png")),
    notes: result.notes,
    warnings: result.chartWarnings,
  };
}
