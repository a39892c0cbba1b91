/**
 * The probes as rows (terminal and report.md share them) and the server state in words. Pure.
 */
import type { AxisResult, CapacityProbe, ServerState } from "./capacity-result.ts";
import { formatRate } from "./capacity-result.ts";

function formatReading(value: number | null, unit: "ms" | "ratio"): string {
  if (value === null) return "n/a";
  return unit === "ms" ? `${value.toFixed(1)} ms` : `${(value * 100).toFixed(2)} %`;
}

export function probeHeader(sloNames: readonly string[]): string[] {
  return ["#", "load", "try", "requests", "failed", "achieved req/s", ...sloNames, "verdict"];
}

export function probeRow(p: CapacityProbe, units: ReadonlyArray<"ms" | "ratio">): string[] {
  const load = p.axis === "rate" ? `${formatRate(p.level)} req/s` : `c=${p.level}`;
  const verdict = p.partial ? "partial" : `${p.pass ? "pass" : "FAIL"}${p.close ? " (close)" : ""}`;
  return [
    String(p.index),
    load,
    String(p.attempt),
    String(p.measuredRequests),
    String(p.failed),
    p.achievedRps.toFixed(2),
    ...p.readings.map((r, i) => `${formatReading(r.value, units[i] ?? "ms")}${r.pass ? "" : " ✗"}`),
    verdict,
  ];
}

export function describeServerState(s: ServerState | null): string {
  if (!s) return "no passing probe: no state at an answer";
  if (s.note && s.kvCachePctMax === null && s.runningMax === null && s.waitingMax === null) return `absent (${s.note})`;
  const v = (x: number | null, unit = "") => (x === null ? "absent" : `${Number.isInteger(x) ? x : x.toFixed(1)}${unit}`);
  return `KV cache ${v(s.kvCachePctMax, " %")} peak, running ${v(s.runningMax)} peak, waiting ${v(s.waitingMax)} peak, preemptions ${v(s.preemptions)} (probe #${s.probe})`;
}

export function describeResultLine(r: AxisResult, answer: string): string {
  const what = r.axis === "rate" ? "open-loop rate" : "closed-loop concurrency";
  const binding = r.bindingSlo ? `; binding SLO ${r.bindingSlo}` : r.interval[1] === null ? "; no SLO failed up to the search's maximum" : "";
  return `${what}: ${answer}${binding}; ${r.probes} probes in ${r.timeToAnswerS.toFixed(1)} s`;
}
