/**
 * The reporting half of `kneepoint capacity`, shared by the local run and the in-cluster Job's runner: the probes
 * chart, capacity.json, report.md and report.html in the run directory, the table and answers on the terminal,
 * and the --fail-on gates (gates.json). Never reached from the in-cluster bundle (charts and HTML are large).
 */
import type { ResultsWriter } from "../report/results-writer.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";
import type { Gate } from "../gates/gate.ts";
import { evaluateGates, type GateOutcome } from "../gates/evaluate-gates.ts";
import { capacityScope } from "../gates/capacity-scope.ts";
import { gatesFile } from "../gates/render-gates.ts";
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import { renderCapacityMarkdown } from "../capacity/capacity-markdown.ts";
import { capacityCharts } from "../capacity/capacity-chart.ts";
import { renderCapacityTerminal } from "./capacity-print.ts";
import { printGates } from "./fail-on.ts";
import { writeCapacityHtml } from "./capacity-html-file.ts";
import type { CliIo } from "./run-sweep.ts";

export interface CapacityReportOptions {
  writer: ResultsWriter;
  charts: boolean;
  gates: Gate[];
  secrets: Array<string | undefined>;
  io: CliIo;
  /** Adds to the document's warnings and prints. */
  warn(w: string): void;
}

/** Writes and prints the reports of a finished (or partial) capacity run; returns the gates' outcomes. */
export async function writeCapacityReports(doc: CapacityDocument, o: CapacityReportOptions): Promise<GateOutcome[]> {
  const { writer, io } = o;
  const { writeChartFiles } = await import("../report/charts/write-chart-files.ts");
  const charts = o.charts && doc.probes.length > 0 ? await writeChartFiles(capacityCharts(doc), writer.dir) : [];
  for (const c of charts) for (const w of c.warnings) o.warn(`chart ${c.name}: ${w}`);
  await writer.writeJson("capacity.json", doc);
  await writeFileAtomically(`${writer.dir}/report.md`, renderCapacityMarkdown(doc, charts.map((c) => ({ name: c.name, file: `${c.name}.svg` }))));
  const html = await writeCapacityHtml(doc, writer.dir, o.secrets);
  for (const w of html.warnings) o.warn(`report.html: ${w}`);
  io.stdout.write(renderCapacityTerminal(doc, io.color) + "\n");

  const answers = { rateRps: doc.results.find((r) => r.axis === "rate")?.answer ?? null, concurrency: doc.results.find((r) => r.axis === "concurrency")?.answer ?? null };
  const gateOutcomes = evaluateGates(o.gates, [capacityScope(answers)]);
  if (gateOutcomes.length) {
    await writer.writeJson("gates.json", gatesFile(gateOutcomes, "checked on the answers (capacity_rps, capacity_concurrency)", null));
    printGates(gateOutcomes, "capacity", (s) => io.stdout.write(s));
  }
  io.stdout.write(`report: ${html.path}\n`);
  io.stdout.write(`results: ${writer.dir} (${doc.status}; capacity.json, report.md, report.html${charts.length ? `, ${charts.map((c) => `${c.name}.svg/.png`).join(", ")}` : ""})\n`);
  return gateOutcomes;
}
