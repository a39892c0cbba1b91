/**
 * kneepoint's entry point: builds the command tree and owns the one top-level error handler.
 * Only src/cli prints or sets the exit code; everything below it throws typed errors (src/errors.ts).
 */
import { Command } from "commander";
import { runProgram } from "./run-program.ts";

export { formatError } from "./run-program.ts";
import { registerSimCommand } from "./commands/sim.ts";
import { registerSweepCommand } from "./commands/sweep.ts";
import { registerDemoCommand } from "./commands/demo.ts";
import { registerReportCommand } from "./commands/report.ts";
import { registerBenchCommand } from "./commands/bench.ts";
import { registerRunCommand } from "./commands/run.ts";
import { registerVllmServerCommands } from "./commands/vllm-server.ts";
import { registerExportCommand } from "./commands/export.ts";
import { registerCapacityCommand } from "./commands/capacity.ts";
import { registerMergeCommand } from "./commands/merge.ts";
import { registerEngineConfigMapCommand } from "./commands/engine-configmap.ts";
import { HARNESS_VERSION } from "../version.ts";

export function buildProgram(): Command {
  const program = new Command("kneepoint")
    .description(
      "Benchmark LLM inference servers (vLLM, or any OpenAI-compatible /v1 API) and explain the numbers.\n" +
        "Runs against a built-in vLLM-compatible simulator when no server is at hand.",
    )
    .version(HARNESS_VERSION, "-V, --version", "print kneepoint's version")
    .option("--debug", "print stack traces on errors")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 bug, 2 usage/config error, 3 environment (target, Prometheus or cluster unreachable),\n" +
        "4 thresholds failed, 130 interrupted (partial results saved).\n\n" +
        "Examples:\n" +
        "  kneepoint sim --port 8000                 # a vLLM-compatible simulator on your laptop\n" +
        "  kneepoint sweep --base-url http://127.0.0.1:8000   # the closed-loop concurrency sweep\n" +
        "  kneepoint vllm-up && kneepoint bench      # the sweep as a Job in your cluster (make vllm-up, make bench)\n" +
        "  kneepoint run -c benchmarks/scenarios/baseline.yaml --dry-run   # an inference-perf config\n" +
        "  kneepoint merge results/merged shards/*/*   # the runs of `kneepoint sweep --shard i/N` as one\n" +
        "  kneepoint report --compare runA runB --label a --label b       # seed 004's tables and charts",
    );
  program.exitOverride();
  registerSimCommand(program);
  registerSweepCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);
  registerRunCommand(program);
  registerMergeCommand(program);
  registerVllmServerCommands(program);
  registerBenchCommand(program);
  registerExportCommand(program);
  registerCapacityCommand(program);
  registerEngineConfigMapCommand(program);
  // Subcommands do not inherit these: without them a bad flag would call process.exit(1) from inside commander.
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}

const isEntry = process.argv[1] !== undefined && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  process.exitCode = await main(process.argv.slice(2));
}
