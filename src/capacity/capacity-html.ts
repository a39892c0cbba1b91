/**
 * report.html of a capacity run: the model of src/report/html (html-report-model.ts) built from capacity.json —
 * one verdict box per axis (the answer, its interval, the binding SLO, the server at the answer), the probes as
 * tables, the probes chart (interactive), the probe-length rule. Pure.
 */
import type { HtmlReportModel, HtmlSection } from "../report/html/html-report-model.ts";
import { runContextPairs } from "../report/html/sweep-html-model.ts";
import type { CapacityDocument } from "./capacity-document.ts";
import { capacityCharts } from "./capacity-chart.ts";
import { describeAnswer, type AxisResult } from "./capacity-result.ts";
import { describeServerState, probeHeader, probeRow } from "./capacity-table.ts";

function verdict(doc: CapacityDocument, r: AxisResult): HtmlSection {
  const what = r.axis === "rate" ? `Open-loop rate (${doc.arrival} arrivals)` : "Closed-loop concurrency";
  return {
    kind: "verdict",
    heading: what,
    headline: `${what}: ${describeAnswer(r)}`,
    tone: r.answer === null ? "bad" : r.reason === "converged" ? "ok" : "warn",
    facts: [
      ["binding SLO", r.bindingSlo ?? (r.interval[1] === null ? "none failed up to the search's maximum" : "–")],
      ["probes", `${r.probes} in ${r.timeToAnswerS.toFixed(1)} s`],
      ["stopped", r.reason],
    ],
    evidence: [`server at the answer: ${describeServerState(r.serverState)}`, ...(r.nonMonotone.length ? [`failed below the answer (noise or a non-monotone server): ${r.nonMonotone.join(", ")}`] : [])],
  };
}

export function buildCapacityHtmlModel(doc: CapacityDocument): HtmlReportModel {
  const names = doc.slos.map((s) => s.slo.replace(/\s*<=?.*$/, ""));
  const units = doc.slos.map((s) => s.unit);
  const tables: HtmlSection[] = doc.results.map((r) => {
    const probes = doc.probes.filter((p) => p.axis === r.axis);
    return {
      kind: "table",
      heading: `Probes: ${r.axis === "rate" ? `open loop, ${doc.arrival} arrivals` : "closed loop"}`,
      columns: probeHeader(names).map((header, i) => ({ header, ...(i === 1 ? { align: "left" as const } : {}) })),
      rows: probes.map((p) => probeRow(p, units)),
      highlightRows: probes.flatMap((p, i) => (p.level === r.answer && p.pass ? [i] : [])),
      notes: ["✗: the value broke its SLO; (close): within the close margin, so the level was measured again with its requests pooled"],
    };
  });
  const charts: HtmlSection[] = capacityCharts(doc).map((c) => ({ kind: "chart", heading: "Probes: measured ÷ SLO limit", vegaLiteSpec: c.spec }));
  return {
    title: `Capacity at SLO ${doc.runId}`,
    subtitle: `${doc.target.model} · ${doc.status}${doc.target.simulatorProfile ? ` · simulated (profile ${doc.target.simulatorProfile}, not a GPU)` : ""}`,
    context: [["Run", doc.runId], ["Status", doc.status], ["SLOs", doc.slos.map((s) => s.slo).join("; ")], ["Requests", doc.request], ...runContextPairs(doc.runContext)],
    sections: [
      ...doc.results.map((r) => verdict(doc, r)),
      ...tables,
      ...charts,
      { kind: "text", heading: "How probes were sized", paragraphs: [doc.probeLengthRule.text] },
      ...(doc.warnings.length ? [{ kind: "text" as const, heading: "Warnings", items: doc.warnings }] : []),
    ],
    generator: `kneepoint ${doc.harnessVersion}`,
  };
}
