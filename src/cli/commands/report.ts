/** `kneepoint report DIR`: rebuilds a run's table from its raw samples. */
import { Command } from "commander";
import { rebuildRun } from "../../report/read-run.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { renderSweepTable } from "../../report/sweep-table.ts";
import { analyzeSweep } from "../../analysis/analyze-sweep.ts";
import { describeAnalysis } from "../report-run.ts";
import { io, parseNumberList } from "./sweep.ts";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .summary("rebuild a run's table from its raw samples")
    .description("Rebuild a run's results table from the raw samples in results/<runId>/ (formulas re-applied, nothing re-measured).")
    .argument("<dir>", "a run directory written by `kneepoint sweep` or `kneepoint demo`")
    .option("--percentiles <list>", "percentiles to compute (default 50,90,95,99)", parseNumberList)
    .action(async (dir: string, o: { percentiles?: number[] }) => {
      const run = await rebuildRun(dir, o.percentiles);
      const out = io();
      const target = await readFile(join(dir, "target.json"), "utf8").then((t) => JSON.parse(t) as { maxNumSeqs?: number | null }, () => ({ maxNumSeqs: null }));
      const analysis = analyzeSweep(run.steps, { maxNumSeqs: target.maxNumSeqs ?? null });
      out.stdout.write(renderSweepTable(run.steps, { color: out.color, kneeConcurrency: analysis.knee.concurrency }) + "\n");
      out.stdout.write(describeAnalysis(analysis).join("\n") + "\n");
      out.stdout.write(`run: ${run.dir} (${run.status})\n`);
    });
}
