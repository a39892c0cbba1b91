/**
 * report.html of a sweep run, written into its results directory: the model (sweep-html-model.ts) from what
 * the run's report step has at hand, secrets scrubbed, rendered and written. One import for the CLI's report
 * step (src/cli/report-run.ts), which loads it only when it renders the charts.
 */
import type { SweepAnalysis } from "../../analysis/analyze-sweep.ts";
import type { NamedChart } from "../charts/sweep-charts.ts";
import type { RunContext } from "../run-context.ts";
import type { StepRow } from "../step-rows.ts";
import { buildSweepHtmlModel } from "./sweep-html-model.ts";
import { writeHtmlReport, type WrittenHtmlReport } from "./write-html-report.ts";

export interface SweepHtmlFile {
  dir: string;
  runId: string;
  model: string;
  simulated: boolean;
  partial: boolean;
  rows: readonly StepRow[];
  analysis: SweepAnalysis;
  charts: readonly NamedChart[];
  context: RunContext;
  /** The run's API key and header values: none of them reaches the page. */
  secrets: Array<string | undefined>;
}

export function writeSweepHtml(f: SweepHtmlFile): Promise<WrittenHtmlReport> {
  const model = buildSweepHtmlModel({
    runId: f.runId,
    model: f.model,
    simulated: f.simulated,
    status: f.partial ? "partial" : "complete",
    rows: f.rows,
    analysis: f.analysis,
    charts: f.charts,
    context: f.context,
    generator: `kneepoint ${f.context.harnessVersion}`,
  });
  return writeHtmlReport(model, f.dir, { secrets: f.secrets });
}
