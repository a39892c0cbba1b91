/**
 * `kneepoint report DIR`: a sweep run's table rebuilt from its raw samples, or, when DIR is a scenario report
 * directory (inference-perf's files), that run's tables and charts. `kneepoint report --compare DIR DIR …`:
 * several scenario runs side by side (seed 004's tables, overlaid charts), printed and written as report.md.
 */
import { Command, Option } from "commander";
import { rebuildRun } from "../../report/read-run.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { renderSweepTable } from "../../report/sweep-table.ts";
import { analyzeSweep } from "../../analysis/analyze-sweep.ts";
import { describeAnalysis } from "../report-run.ts";
import { io, parseNumberList } from "./sweep.ts";
import { UsageError } from "../../errors.ts";
import { RATE_AXES, type RateAxis } from "../../report/charts/rate-axis.ts";
import { isScenarioReportDir } from "../../report/compare/read-scenario-report-dir.ts";
import { writeCompareReport } from "../../report/compare/write-compare-report.ts";

interface ReportFlags {
  percentiles?: number[];
  compare?: string[];
  label?: string[];
  out?: string;
  x: RateAxis;
  charts: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** inference-perf's directory stamp (reports-YYYYmmdd-HHMMSS), local time. */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .summary("rebuild a run's table, or render scenario reports (--compare: several side by side)")
    .description(
      "Rebuild a sweep run's results table from the raw samples in results/<runId>/ (formulas re-applied, nothing re-measured).\n" +
        "Given a scenario report directory (stage_N_lifecycle_metrics.json …, written by `kneepoint run` or inference-perf),\n" +
        "print its Summary and Per-QPS tables and write report.md and charts. --compare renders several runs side by side.",
    )
    .argument("[dir]", "a sweep run directory (results/<runId>) or a scenario report directory")
    .option("--compare <dirs...>", "scenario report directories to compare (tables and overlaid charts)")
    .option("--label <label>", "legend name of each compared run, in the order of the directories (repeatable; default: directory names)", collect)
    .option("--out <dir>", "where report.md and the charts go (default: the run's directory; for --compare ./compare-<timestamp>)")
    .addOption(new Option("--x <rate>", "rate on the charts' x axis: achieved (measured, sent/s) or requested (configured)").choices(RATE_AXES).default("achieved"))
    .option("--percentiles <list>", "sweep: percentiles to compute (default 50,90,95,99); scenario: latency percentiles to chart (default 50,90)", parseNumberList)
    .option("--no-charts", "scenario reports: tables and report.md only")
    .addHelpText("after", "\nExamples:\n  kneepoint report results/20261123-201942-0f06\n  kneepoint report --compare reports-a reports-b --label h100-8b --label kv-starved --out compare/")
    .action(async (dir: string | undefined, o: ReportFlags) => {
      const dirs = [...(dir !== undefined ? [dir] : []), ...(o.compare ?? [])];
      if (dirs.length === 0) throw new UsageError("report: no directory given", "kneepoint report DIR, or kneepoint report --compare DIR DIR …");
      if (o.compare === undefined && !(await isScenarioReportDir(dirs[0]!))) {
        if (o.label || o.out) throw new UsageError(`${dirs[0]} is not a scenario report directory; --label and --out apply to scenario reports only`, "drop them to rebuild a sweep run's table");
        return reportSweep(dirs[0]!, o.percentiles);
      }
      const out = io();
      const outDir = o.out ?? (o.compare === undefined ? dirs[0]! : `compare-${timestamp(new Date())}`);
      const result = await writeCompareReport({
        dirs,
        ...(o.label ? { labels: o.label } : {}),
        outDir,
        x: o.x,
        ...(o.percentiles ? { percentiles: o.percentiles } : {}),
        charts: o.charts,
        color: out.color,
      });
      out.stdout.write(result.tables + "\n");
      for (const note of result.notes) out.stdout.write(`note: ${note}\n`);
      for (const warning of result.chartWarnings) out.stderr.write(`chart warning: ${warning}\n`);
      out.stdout.write(`report: ${result.markdownPath}\nreport: ${result.htmlPath}\n`);
      const pngs = result.chartPaths.filter((p) => p.endsWith(".png"));
      if (pngs.length > 0) out.stdout.write(`charts: ${pngs.join(", ")}\n`);
    });
}

async function reportSweep(dir: string, percentiles: number[] | undefined): Promise<void> {
  const run = await rebuildRun(dir, percentiles);
  const out = io();
  const target = await readFile(join(dir, "target.json"), "utf8").then((t) => JSON.parse(t) as { maxNumSeqs?: number | null }, () => ({ maxNumSeqs: null }));
  const analysis = analyzeSweep(run.steps, { maxNumSeqs: target.maxNumSeqs ?? null });
  out.stdout.write(renderSweepTable(run.steps, { color: out.color, kneeConcurrency: analysis.knee.concurrency }) + "\n");
  out.stdout.write(describeAnalysis(analysis).join("\n") + "\n");
  out.stdout.write(`run: ${run.dir} (${run.status})\n`);
}
