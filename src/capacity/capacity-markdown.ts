/** report.md of a capacity run: the answers, the probes per axis, the server state, the chart, the rule. Pure. */
import { runContextRows } from "../report/run-context.ts";
import type { CapacityDocument } from "./capacity-document.ts";
import { describeAnswer } from "./capacity-result.ts";
import { describeResultLine, describeServerState, probeHeader, probeRow } from "./capacity-table.ts";

const cell = (s: string) => s.replace(/\|/g, "\\|");
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;

export function renderCapacityMarkdown(doc: CapacityDocument, charts: ReadonlyArray<{ name: string; file: string }>): string {
  const names = doc.slos.map((s) => s.slo.replace(/\s*<=?.*$/, ""));
  const units = doc.slos.map((s) => s.unit);
  const lines = [
    `# Capacity at SLO: ${doc.runId}${doc.status === "partial" ? " (partial: interrupted)" : ""}`,
    "",
    `Target ${doc.target.baseUrl}${doc.target.endpoint}, model ${doc.target.model}${doc.target.simulatorProfile ? ` (simulator profile ${doc.target.simulatorProfile})` : ""}; requests: ${doc.request}.`,
    `SLOs (every one must hold): ${doc.slos.map((s) => `\`${s.slo}\``).join(", ")}.`,
    "",
    "## Answer",
    "",
    ...doc.results.map((r) => `- ${describeResultLine(r, describeAnswer(r))}.\n  Server at the answer: ${describeServerState(r.serverState)}.${r.nonMonotone.length ? `\n  Failed below the answer (noise or a non-monotone server): ${r.nonMonotone.join(", ")}.` : ""}`),
    "",
  ];
  for (const r of doc.results) {
    lines.push(`## Probes: ${r.axis === "rate" ? `open loop, ${doc.arrival} arrivals` : "closed loop"}`, "", row(probeHeader(names)), row(probeHeader(names).map(() => "---")));
    for (const p of doc.probes.filter((x) => x.axis === r.axis)) lines.push(row(probeRow(p, units)));
    lines.push("");
  }
  if (charts.length) lines.push("## Chart", "", ...charts.map((c) => `![${c.name}](${c.file})`), "");
  lines.push("## How probes were sized", "", doc.probeLengthRule.text + ".", "");
  lines.push("## Run context", "", "| | |", "|---|---|", ...runContextRows(doc.runContext).map(row), "");
  if (doc.warnings.length) lines.push("## Warnings", "", ...doc.warnings.map((w) => `- ${w}`), "");
  return lines.join("\n");
}
