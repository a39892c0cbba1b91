/**
 * `capacity` as the in-cluster Job runs it (src/cli/in-cluster-main.ts, ENGINE=native): the search of
 * capacity-search-run.ts against the target the Job's script passes, printing the document before the first
 * probe, each probe with its step summary, and the final document between the markers of capacity-log.ts. The
 * runner reads them from the log and makes the reports; nothing is rendered here (no charts, markdown or HTML).
 */
import { Command } from "commander";
import { InterruptedError } from "../errors.ts";
import { configFromEnv, resolveSweepConfig } from "../config/read-sweep-config.ts";
import { capacityLogBlock, DOCUMENT_MARKERS, PROBE_MARKERS } from "../capacity/capacity-log.ts";
import { addCapacitySearchFlags, addCapacityTargetFlags, parseCapacityFlags } from "./capacity-flags.ts";
import { capacityPlanOf, runCapacitySearch } from "./capacity-search-run.ts";
import { createFlagRequestSource } from "./capacity-flag-requests.ts";
import { flagsToConfig, io } from "./commands/sweep.ts";

export function registerInClusterCapacityCommand(program: Command): void {
  const cmd = new Command("capacity").description(
    "The capacity search inside the cluster Job (`kneepoint capacity --in-cluster` renders and follows it): prints the\n" +
      "document, each probe and the final document between `=== kneepoint-capacity-… c=N begin/end ===` lines.",
  );
  addCapacityTargetFlags(addCapacitySearchFlags(cmd)).option("--no-server-metrics", "do not read server metrics (the runner reads Prometheus)");
  cmd.action(async (o: Record<string, unknown>) => {
    const { slos, options } = parseCapacityFlags(o);
    const { config, warnings } = resolveSweepConfig([configFromEnv(process.env), flagsToConfig(o)], "capacity configuration");
    const plan = capacityPlanOf({ config, options, slos, scenario: null });
    const cli = io();
    const print = (s: string) => cli.stdout.write(s);
    const run = await runCapacitySearch({ config, warnings, options, slos, scenario: null, plan, createSource: createFlagRequestSource }, cli, {
      onStart: (doc) => print(capacityLogBlock(DOCUMENT_MARKERS, 0, doc)),
      onProbe: (probe, summary) => print(capacityLogBlock(PROBE_MARKERS, probe.index, { probe, summary })),
    });
    print(capacityLogBlock(DOCUMENT_MARKERS, run.document.probes.length, run.document));
    if (run.interrupted) throw new InterruptedError(`capacity search stopped after ${run.document.probes.length} probes`, "the probes so far are in the log");
  });
  program.addCommand(cmd);
}
