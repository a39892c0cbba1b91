/** `kneepoint report DIR`: rebuilds a run's table from its raw samples. */
import { Command } from "commander";
import { rebuildRun } from "../../report/read-run.ts";
import { renderSweepTable } from "../../report/sweep-table.ts";
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
      out.stdout.write(renderSweepTable(run.steps.map((s) => ({ ...s, peaks: null })), { color: out.color }) + "\n");
      out.stdout.write(`run: ${run.dir} (${run.status})\n`);
    });
}
