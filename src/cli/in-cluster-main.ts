/**
 * The entry point of the native engine inside a cluster Job (ENGINE=native): `kneepoint sweep` and
 * `kneepoint capacity`, bundled by esbuild into one file (src/k8s/engine-bundle.ts) that a stock `node` image
 * runs from a ConfigMap. It leaves out the simulator, the charts, the HTML report and the Kubernetes client, so
 * the bundle stays far below a ConfigMap's 1 MiB limit. Results reach the runner through the log
 * (`sweep --log-results`; capacity always logs its probes and document, capacity-log.ts).
 */
import { Command } from "commander";
import { registerSweepCommand } from "./commands/sweep.ts";
import { registerInClusterCapacityCommand } from "./capacity-in-cluster.ts";
import { runProgram } from "./run-program.ts";
import { HARNESS_VERSION } from "../version.ts";

const program = new Command("kneepoint").version(HARNESS_VERSION).option("--debug", "print stack traces on errors");
program.exitOverride();
registerSweepCommand(program);
registerInClusterCapacityCommand(program);
for (const cmd of program.commands) cmd.exitOverride();
process.exitCode = await runProgram(program, process.argv.slice(2));
