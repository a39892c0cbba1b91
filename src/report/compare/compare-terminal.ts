/**
 * seed 004's tables for the terminal (cli-table3): the runs, "Summary across QPS", and one "Per-QPS" table
 * per requested rate, with the same columns and cells as the markdown (compare-cells.ts). No colour unless
 * asked (the CLI asks only on a TTY without NO_COLOR). Pure: returns the text.
 */
import Table from "cli-table3";
import { STAGE_COLUMNS, SUMMARY_COLUMNS, type Column } from "./compare-cells.ts";
import { perRateSections, summaryRows, type CompareRow } from "./compare-rows.ts";
import type { LabelledRun } from "./scenario-report.ts";
import { podMetricsOfRuns, type RunPodMetrics } from "../pod-metrics/pod-metrics-rows.ts";
import { POD_METRICS_ALIGNS, POD_METRICS_HEADERS, POD_METRICS_TITLE, POD_ROW_HEADERS } from "../pod-metrics/pod-metrics-summary.ts";

function table(columns: readonly Column[], rows: readonly CompareRow[], color: boolean): string {
  const t = new Table({
    head: columns.map((c) => c.header),
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: columns.map((c) => c.align),
  });
  for (const r of rows) t.push(columns.map((c) => c.cell(r)));
  return t.toString();
}

function plainTable(head: readonly string[], aligns: ReadonlyArray<"left" | "right">, rows: ReadonlyArray<readonly string[]>, color: boolean): string {
  const t = new Table({ head: [...head], style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] }, colAligns: [...aligns] });
  for (const r of rows) t.push([...r]);
  return t.toString();
}

export function renderCompareTables(runs: readonly LabelledRun[], opts: { color: boolean }): string {
  const out: string[] = [];
  const pods: RunPodMetrics[] = [];
  for (const { label, report } of runs) out.push(`${label}: ${report.dir} · ${report.description.model} · ${report.description.data} · ${report.description.load}`);
  out.push("", "Summary across QPS", table(SUMMARY_COLUMNS, summaryRows(runs), opts.color));
  for (const p of podMetricsOfRuns(runs)) pods.push(p);
  if (pods.length > 0) out.push("", POD_METRICS_TITLE, plainTable(POD_METRICS_HEADERS, POD_METRICS_ALIGNS, pods.map((p) => p.cells), opts.color));
  for (const p of pods.filter((x) => x.podRows.length > 0)) {
    out.push("", `Per pod: ${p.label}`, plainTable(POD_ROW_HEADERS, ["left", "right", "right", "right"], p.podRows, opts.color));
    if (p.imbalance) out.push(`verdict: ${p.imbalance.text}`);
  }
  for (const section of perRateSections(runs)) out.push("", section.title, table(STAGE_COLUMNS, section.rows, opts.color));
  out.push("latencies in seconds; rows ordered best TTFT p90 first; QPS = requested rate, Achieved QPS = sent / send time");
  return out.join("\n");
}
