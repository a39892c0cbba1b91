/**
 * `kneepoint capacity` from validated inputs to the answer: the plan (printed by --dry-run), the search
 * (capacity-search-run.ts: probes, capacity.json after every probe, server metrics), then the reports and the
 * gates (capacity-report-files.ts). Ctrl-C ends the probe in progress, writes what was measured and exits 130.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { InterruptedError } from "../errors.ts";
import type { Gate } from "../gates/gate.ts";
import type { CapacityOptions } from "../capacity/capacity-options.ts";
import { describeCapacityPlan } from "../capacity/capacity-plan.ts";
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import type { Slo } from "../capacity/slo.ts";
import { capacityPlanOf, runCapacitySearch } from "./capacity-search-run.ts";
import { writeCapacityReports } from "./capacity-report-files.ts";
import { capacitySourceOf } from "./capacity-request-source.ts";
import { throwIfGatesFailed } from "./fail-on.ts";
import type { CliIo } from "./run-sweep.ts";

export interface CapacityCommandInput {
  config: SweepConfig;
  warnings: string[];
  options: CapacityOptions;
  slos: Slo[];
  scenario: ScenarioConfig | null;
  gates: Gate[];
  charts: boolean;
  /** --dry-run against the built-in simulator: what to print instead of its (not yet known) URL. */
  targetLabel?: string;
}

export interface CapacityRunReport {
  dir: string | null;
  document: CapacityDocument | null;
}

export async function runCapacityCommand(input: CapacityCommandInput, io: CliIo): Promise<CapacityRunReport> {
  const plan = capacityPlanOf(input);
  if (input.targetLabel) plan.target.baseUrl = input.targetLabel;
  if (input.config.dryRun) {
    io.stdout.write(describeCapacityPlan(plan) + "\n(dry run: nothing was sent)\n");
    return { dir: null, document: null };
  }
  const run = await runCapacitySearch({ ...input, plan, createSource: capacitySourceOf(input.scenario) }, io);
  const doc = run.document;
  const gateOutcomes = await writeCapacityReports(doc, { writer: run.writer, charts: input.charts, gates: input.gates, secrets: run.secrets, io, warn: run.warn });
  if (run.interrupted) throw new InterruptedError(`capacity search stopped by Ctrl-C after ${doc.probes.length} probes`, `the probes done so far are in ${run.writer.dir}/capacity.json`);
  throwIfGatesFailed(gateOutcomes, `${run.writer.dir}/gates.json`);
  return { dir: run.writer.dir, document: doc };
}
