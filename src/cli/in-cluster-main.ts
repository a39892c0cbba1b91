/**
 * The entry point of the native engine inside a cluster Job (ENGINE=native): `kneepoint sweep`,
 * `kneepoint capacity` and `kneepoint run` (scenarios, `run --log-reports`: src/k8s/scenario-job-script.ts), bundled by esbuild into one file (src/k8s/engine-bundle.ts) that a stock `node` image
 * runs from a ConfigMap. It leaves out the simulator, the charts, the HTML report and the Kubernetes client, so
 * the bundle stays far below a ConfigMap's 1 MiB limit. Results reach the runner through the log
 * (`sweep --log-results`; capacity always logs its probes and document, capacity-log.ts).
 */
import { Command } from "commander";
import { registerSweepCommand } from "./commands/sweep.ts";
import { registerInClusterCapacityCommand } from "./capacity-in-cluster.ts";
import { registerRunCommand } from "./commands/run.ts";
import { runProgram } from "./run-program.ts";
import { HARNESS_VERSION } from "../version.ts";

const program = new Command("kneepoint").version(HARNESS_VERSION).option("--debug", "print stack traces on errors");
program.exitOverride();
registerSweepCommand(program);
registerInClusterCapacityCommand(program);
registerRunCommand(program);
for (const cmd of program.commands) cmd.exitOverride();
process.exitCode = await runProgram(program, process.argv.slice(2));
