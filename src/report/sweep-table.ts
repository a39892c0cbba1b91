/**
 * The sweep's terminal table (cli-table3): one row per concurrency step, the knee marked, peaks when the
 * run read server metrics. Pure: returns the text.
 */
import Table from "cli-table3";
import { stepCells, stepHeaders, tableNotes, type StepRow } from "./step-rows.ts";

export type { StepRow } from "./step-rows.ts";

export function renderSweepTable(rows: StepRow[], opts: { color: boolean; kneeConcurrency?: number | null }): string {
  const withPeaks = rows.some((r) => r.peaks !== null);
  const head = stepHeaders(withPeaks);
  const table = new Table({
    head,
    style: opts.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: head.map(() => "right" as const),
  });
  for (const row of rows) table.push(stepCells(row, { withPeaks, kneeConcurrency: opts.kneeConcurrency ?? null }));
  return table.toString() + "\n" + tableNotes(rows, withPeaks).join("; ");
}
