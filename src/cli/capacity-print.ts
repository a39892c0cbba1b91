/** The capacity run on the terminal: one progress line per probe, the probes table, the answers. */
import Table from "cli-table3";
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import type { CapacityProbe } from "../capacity/capacity-result.ts";
import { describeAnswer, formatRate } from "../capacity/capacity-result.ts";
import { describeResultLine, describeServerState, probeHeader, probeRow } from "../capacity/capacity-table.ts";

export function probeStartLabel(axis: "rate" | "concurrency", level: number, attempt: number): string {
  return `${axis === "rate" ? `rate ${formatRate(level)} req/s` : `c=${level}`}${attempt > 1 ? ` (repeat ${attempt - 1}: close to an SLO)` : ""}`;
}

/** `pass: p95(ttft) 212.0 ms ≤ 500, … ; 120 requests, 9.8 req/s`. */
export function probeEndSummary(p: CapacityProbe): string {
  const values = p.readings.map((r) => `${r.slo.replace(/\s*<=?.*$/, "")} ${r.value === null ? "n/a" : r.slo.startsWith("error_rate") ? `${(r.value * 100).toFixed(2)}%` : `${r.value.toFixed(1)} ms`}${r.pass ? "" : " ✗"}`);
  const verdict = p.partial ? "partial (interrupted)" : p.pass ? "pass" : "FAIL";
  return `${verdict}${p.close ? " (close)" : ""}: ${values.join(", ")}; ${p.measuredRequests} requests (+${p.warmupRequests} warm-up), ${p.achievedRps.toFixed(2)} req/s achieved`;
}

export function renderCapacityTerminal(doc: CapacityDocument, color: boolean): string {
  const names = doc.slos.map((s) => s.slo.replace(/\s*<=?.*$/, ""));
  const units = doc.slos.map((s) => s.unit);
  const out: string[] = [];
  for (const r of doc.results) {
    const probes = doc.probes.filter((p) => p.axis === r.axis);
    if (probes.length === 0) continue;
    const head = probeHeader(names);
    const table = new Table({ head, style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] }, colAligns: head.map(() => "right" as const) });
    for (const p of probes) table.push(probeRow(p, units));
    out.push(`${r.axis === "rate" ? `open loop (${doc.arrival} arrivals)` : "closed loop"}:`, table.toString());
  }
  out.push("");
  for (const r of doc.results) out.push(describeResultLine(r, describeAnswer(r)), `  server at the answer: ${describeServerState(r.serverState)}`);
  return out.join("\n");
}
