/**
 * seed 004's tables for the terminal (cli-table3): the runs, "Summary across QPS", and one "Per-QPS" table
 * per requested rate, with the same columns and cells as the markdown (compare-cells.ts). No colour unless
 * asked (the CLI asks only on a TTY without NO_COLOR). Pure: returns the text.
 */
import Table from "cli-table3";
import { STAGE_COLUMNS, SUMMARY_COLUMNS, type Column } from "./compare-cells.ts";
import { perRateSections, summaryRows, type CompareRow } from "./compare-rows.ts";
import type { LabelledRun } from "./scenario-report.ts";

function table(columns: readonly Column[], rows: readonly CompareRow[], color: boolean): string {
  const t = new Table({
    head: columns.map((c) => c.header),
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: columns.map((c) => c.align),
  });
  for (const r of rows) t.push(columns.map((c) => c.cell(r)));
  return t.toString();
}

export function renderCompareTables(runs: readonly LabelledRun[], opts: { color: boolean }): string {
  const out: string[] = [];
  for (const { label, report } of runs) out.push(`${label}: ${report.dir} · ${report.description.model} · ${report.description.data} · ${report.description.load}`);
  out.push("", "Summary across QPS", table(SUMMARY_COLUMNS, summaryRows(runs), opts.color));
  for (const section of perRateSections(runs)) out.push("", section.title, table(STAGE_COLUMNS, section.rows, opts.color));
  out.push("latencies in seconds; rows ordered best TTFT p90 first; QPS = requested rate, Achieved QPS = sent / send time");
  return out.join("\n");
}
