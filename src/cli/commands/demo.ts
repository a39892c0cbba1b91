/** `kneepoint demo` (`make demo`): the default sweep against the simulator, started and stopped for you. */
import { Command } from "commander";
import { resolveSweepConfig } from "../../config/read-sweep-config.ts";
import { runSweepCommand } from "../run-sweep.ts";
import { startSimProcess } from "../start-sim-process.ts";
import { addSweepFlags, flagsToConfig, io, parseNumberFlag, recordPath } from "./sweep.ts";
import { readConfigFile } from "../../config/read-sweep-config.ts";

/** The demo keeps the sweep's shape but sends fewer requests per step, so it ends in about a minute. */
export const DEMO_DEFAULTS = { promptsPerStep: 4, minPrompts: 16 } as const;

export function registerDemoCommand(program: Command): void {
  const cmd = new Command("demo")
    .summary("start the simulator, run the default sweep against it, print the table (no GPU needed)")
    .description(
      "Start the built-in simulator (profile h100-8b: Llama-3.1-8B on one H100-80GB, modelled) on a free port,\n" +
        "run the default concurrency sweep against it (fewer requests per step than `sweep`: max(16, 4 × c)),\n" +
        "print the table and where the results are, and stop the simulator. No GPU, cluster or network needed.",
    )
    .option("--profile <name>", "simulator profile (see `kneepoint sim --help`)", "h100-8b")
    .option("--speedup <x>", "run the simulator x times faster than the modelled GPU (latencies ÷ x)", parseNumberFlag, 1);
  addSweepFlags(cmd, { withTarget: false });
  cmd.action(async (o: Record<string, unknown>) => {
    const file = typeof o.config === "string" ? await readConfigFile(o.config) : {};
    const speedup = o.speedup as number;
    const sim = await startSimProcess(["--profile", String(o.profile), "--speedup", String(speedup)]);
    const out = io();
    try {
      out.stderr.write(`simulator: profile ${String(o.profile)} at ${sim.url}${speedup !== 1 ? `, ${speedup}× faster than the modelled GPU (latencies ÷ ${speedup}, throughput × ${speedup})` : ""}\n`);
      const { config, warnings } = resolveSweepConfig([DEMO_DEFAULTS, file, flagsToConfig(o), { baseUrl: sim.url }]);
      await runSweepCommand(config, warnings, out, { record: recordPath(o.record), charts: o.charts !== false });
    } finally {
      await sim.stop();
    }
  });
  program.addCommand(cmd);
}
