/**
 * The markdown report of one scenario run or a comparison of several, in seed 004's shape: the runs, the
 * charts, "how to read", "Summary across QPS", the queue and KV-cache summary, "Per-QPS Results" (one
 * table per requested rate), and notes (charts skipped, files missing). Pure: returns the text.
 */
import { RATE_AXIS_TITLES, type RateAxis } from "../charts/rate-axis.ts";
import { ABSENT } from "../step-rows.ts";
import { STAGE_COLUMNS, SUMMARY_COLUMNS, type Column } from "./compare-cells.ts";
import { perRateSections, summaryRows, type CompareRow } from "./compare-rows.ts";
import { distStat, type LabelledRun } from "./scenario-report.ts";
import { podMetricsOfRuns } from "../pod-metrics/pod-metrics-rows.ts";
import { POD_METRICS_ALIGNS, POD_METRICS_HEADERS, POD_METRICS_TITLE, POD_ROW_HEADERS } from "../pod-metrics/pod-metrics-summary.ts";
import { SERVER_METRICS_HEADERS, serverMetricsCells, serverMetricsRows } from "./server-metrics-rows.ts";

export interface CompareMarkdownInput {
  runs: readonly LabelledRun[];
  /** Charts written beside the markdown (`<name>.png`), in order. */
  charts: ReadonlyArray<{ name: string; title: string }>;
  /** Charts left out and why (scenario-charts.ts). */
  chartNotes: readonly string[];
  x: RateAxis;
}

/** A table cell: pipes escaped, newlines flattened, so a label cannot break the table. */
export function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function markdownTable(headers: readonly string[], aligns: ReadonlyArray<"left" | "right">, rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(headers), `|${aligns.map((a) => (a === "right" ? "---:" : "---")).join("|")}|`, ...rows.map(line)].join("\n");
}

function columnsTable(columns: readonly Column[], rows: readonly CompareRow[]): string {
  return markdownTable(
    columns.map((c) => c.header),
    columns.map((c) => c.align),
    rows.map((r) => columns.map((c) => c.cell(r))),
  );
}

const mean = (v: number | null) => (v === null ? ABSENT : String(Math.round(v)));

function runsTable(runs: readonly LabelledRun[]): string {
  const rows = runs.map(({ label, report }) => [
    label,
    `\`${report.dir}\``,
    report.description.model,
    report.description.data,
    report.description.load,
    String(report.stages.length),
    `${mean(distStat(report.summary?.promptTokens, "mean"))} / ${mean(distStat(report.summary?.outputTokens, "mean"))}`,
  ]);
  return markdownTable(["Run", "Directory", "Model", "Data", "Load", "Stages", "Tokens in / out (mean)"], ["left", "left", "left", "left", "left", "right", "right"], rows);
}

const HOW_TO_READ = [
  "- **Output toks/s** is the primary throughput metric (higher is better); **Requests/s** is the rate of completed requests.",
  "- **Success Rate** reflects outcome quality, not volume.",
  "- **TTFT** is time to first token; **ITL** is the gap between tokens (both lower is better), in seconds.",
  "- **Achieved QPS** is requests sent / send time in the stage; **QPS = N** headings are the requested (configured) rate.",
  "- Rows are ordered best TTFT p90 first. **Queue sizes** and **KV cache usage** show resource utilization patterns.",
];

export function buildCompareMarkdown(input: CompareMarkdownInput): string {
  const { runs } = input;
  const compare = runs.length > 1;
  const out: string[] = [];
  out.push(compare ? `# Scenario comparison: ${runs.map((r) => r.label).join(" vs ")}` : `# Scenario report: ${runs[0]?.label ?? ""}`, "");
  out.push(runsTable(runs), "");
  out.push("## Charts", "");
  out.push(`Rate axis: **${RATE_AXIS_TITLES[input.x]}**${input.x === "achieved" ? " (`--x requested` plots the configured rate)" : " (`--x achieved` plots the measured rate)"}.`, "");
  for (const c of input.charts) out.push(`### ${c.title}`, "", `<img src="${c.name}.png" alt="${c.title}" width="720"/>`, "");
  for (const n of input.chartNotes) out.push(`- ${n}`);
  if (input.chartNotes.length > 0) out.push("");
  out.push("### How to read this report (quick)", "", ...HOW_TO_READ, "");
  out.push("## Summary across QPS", "", columnsTable(SUMMARY_COLUMNS, summaryRows(runs)), "");
  const server = serverMetricsRows(runs);
  if (server.some((r) => r.source !== "none")) {
    out.push("### Queue and KV cache summary", "");
    out.push(markdownTable(SERVER_METRICS_HEADERS, ["left", "right", "right", "right", "left"], server.map(serverMetricsCells)), "");
  }
  const pods = podMetricsOfRuns(runs);
  if (pods.length > 0) {
    out.push(`### ${POD_METRICS_TITLE}`, "", markdownTable(POD_METRICS_HEADERS, POD_METRICS_ALIGNS, pods.map((p) => p.cells)), "");
    for (const p of pods.filter((x) => x.podRows.length > 0)) {
      out.push(`#### Per pod: ${mdCell(p.label)}`, "", markdownTable(POD_ROW_HEADERS, ["left", "right", "right", "right"], p.podRows), "");
      if (p.imbalance) out.push(`**Verdict:** ${p.imbalance.text}`, "");
    }
  }
  out.push("## Per-QPS Results", "");
  for (const section of perRateSections(runs)) out.push(`### ${section.title}`, "", columnsTable(STAGE_COLUMNS, section.rows), "");
  const notes = runs.flatMap((r) => r.report.notes);
  if (notes.length > 0) out.push("## Notes", "", ...notes.map((n) => `- ${n}`), "");
  return out.join("\n");
}
