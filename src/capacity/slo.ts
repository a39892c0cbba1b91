/**
 * An SLO of `kneepoint capacity`: an upper bound a probe must meet, written like a gate but the other way round
 * (`p95(ttft)<=500ms` holds when the p95 TTFT is at most 500 ms; `--fail-on 'p95(ttft) > 500ms'` fails then).
 * Parsed with the gates' grammar (src/gates/parse-gate.ts), so units, percentiles and error positions are the
 * same everywhere. Allowed: p<N>|mean|median of ttft, itl, tpot, e2el, and error_rate; operators <= and <. Pure.
 */
import { formatGate, formatQuery, thresholdOf, type LatencyName, type Stat } from "../gates/gate.ts";
import { parseGate } from "../gates/parse-gate.ts";

export type SloSubject = { kind: "latency"; metric: LatencyName; stat: Stat } | { kind: "error_rate" };

export interface Slo {
  /** Canonical text, e.g. `p95(ttft) <= 500ms`. */
  text: string;
  subject: SloSubject;
  op: "<=" | "<";
  /** The bound in ms (latencies) or as a ratio 0…1 (error_rate). */
  limit: number;
}

export type SloParse = { ok: true; slo: Slo } | { ok: false; message: string; fix: string };

export function parseSlo(expr: string): SloParse {
  const parsed = parseGate(expr);
  if (!parsed.ok) return { ok: false, message: parsed.error.message, fix: parsed.error.fix };
  const g = parsed.gate;
  const s = g.subject;
  if (g.op !== "<=" && g.op !== "<") {
    return { ok: false, message: `an SLO is an upper bound, so its operator is <= or <, not ${g.op}`, fix: `e.g. '${formatGate({ ...g, op: "<=" })}'` };
  }
  const op = g.op;
  if (s.kind === "latency") return { ok: true, slo: { text: formatGate(g), subject: s, op, limit: thresholdOf(g) } };
  if (s.kind === "scalar" && s.name === "error_rate") return { ok: true, slo: { text: formatGate(g), subject: { kind: "error_rate" }, op, limit: thresholdOf(g) } };
  const what = s.kind === "regression" ? "regression(…)" : formatQuery(s);
  return { ok: false, message: `${what} cannot be an SLO: capacity searches for the load at which latencies and errors stay under bounds`, fix: "use p<N>|mean|median(ttft|itl|tpot|e2el) or error_rate, e.g. 'p95(ttft)<=500ms', 'error_rate<=1%'" };
}

/** True when `value` meets the SLO. */
export function meetsSlo(slo: Slo, value: number): boolean {
  return slo.op === "<=" ? value <= slo.limit : value < slo.limit;
}

/** The percentile an SLO reads (mean: 50 for the probe-length rule; error_rate: none). */
export function sloPercentile(slo: Slo): number | null {
  if (slo.subject.kind !== "latency") return null;
  const st = slo.subject.stat;
  return st.kind === "p" ? st.p : 50;
}

/** Short label for tables and charts: `p95(ttft)`, `error_rate`. */
export function sloLabel(slo: Slo): string {
  return slo.subject.kind === "latency" ? formatQuery(slo.subject) : "error_rate";
}
