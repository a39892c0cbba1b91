/**
 * The sweep's gates (sweep and bench): evaluated at every step against the step results and the baseline's steps
 * of the same concurrency, printed after the table and written to results/<runId>/gates.json.
 */
import { readFile } from "node:fs/promises";
import { evaluateGates, type GateOutcome } from "../gates/evaluate-gates.ts";
import type { Gate } from "../gates/gate.ts";
import { sweepScopes, type SweepStepForGates } from "../gates/gate-scopes.ts";
import { gatesFile } from "../gates/render-gates.ts";
import { parseRecordedRuns, type RecordedRun } from "../report/recorded-run.ts";
import type { ResultsWriter } from "../report/results-writer.ts";
import { GATE_SCOPES, printGates } from "./fail-on.ts";
import type { CliIo } from "./run-sweep.ts";

export const needsBaseline = (gates: readonly Gate[]): boolean => gates.some((g) => g.subject.kind === "regression");

export function evaluateSweepGates(gates: readonly Gate[], steps: readonly SweepStepForGates[], baseline: RecordedRun | null): GateOutcome[] {
  return gates.length ? evaluateGates(gates, sweepScopes(steps, baseline)) : [];
}

/** The runs recorded in a benchmarks file, read without recording (no file: none). */
export async function readBaselineRuns(path: string): Promise<RecordedRun[]> {
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  return parseRecordedRuns(text);
}

export async function writeSweepGates(writer: ResultsWriter, outcomes: readonly GateOutcome[], baselineRunId: string | null, io: CliIo): Promise<void> {
  await writer.writeJson("gates.json", gatesFile(outcomes, GATE_SCOPES.sweep, baselineRunId));
  printGates(outcomes, "sweep", (s) => io.stdout.write(s));
}
