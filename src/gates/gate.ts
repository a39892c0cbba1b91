/**
 * A CI gate (`--fail-on EXPR`): a metric, a comparison and a threshold. The gate FAILS when the comparison is
 * true, e.g. `p95(ttft) > 500ms` fails when the p95 TTFT is above 500 ms. Pure: types, the canonical text of a
 * gate (formatGate; parseGate(formatGate(g)) gives g back) and the threshold in the metric's own unit.
 */

export const LATENCY_NAMES = ["ttft", "itl", "tpot", "e2el"] as const;
export type LatencyName = (typeof LATENCY_NAMES)[number];

export const SCALAR_NAMES = ["output_throughput", "request_throughput", "total_token_throughput", "error_rate", "goodput", "capacity_rps", "capacity_concurrency"] as const;
export type ScalarName = (typeof SCALAR_NAMES)[number];

/** What `kneepoint capacity` found: the highest open-loop rate (req/s) and closed-loop concurrency meeting every SLO. */
export const CAPACITY_NAMES = ["capacity_rps", "capacity_concurrency"] as const satisfies readonly ScalarName[];
export const isCapacityName = (name: ScalarName): boolean => (CAPACITY_NAMES as readonly string[]).includes(name);

/** mean, median, or a percentile p in [0, 100] (p0 = min, p100 = max). */
export type Stat = { kind: "mean" } | { kind: "median" } | { kind: "p"; p: number };

/** What a gate measures; latencies in ms, error_rate a ratio in [0, 1], throughputs per second. */
export type MetricQuery = { kind: "latency"; metric: LatencyName; stat: Stat } | { kind: "scalar"; name: ScalarName };

/** `regression(X)`: how much worse than the baseline, as a ratio (0.1 = 10 % worse). */
export type GateSubjectExpr = MetricQuery | { kind: "regression"; of: MetricQuery };

export const OPERATORS = [">", ">=", "<", "<="] as const;
export type Operator = (typeof OPERATORS)[number];

export type Unit = "ms" | "s" | "%" | "";

export interface Gate {
  subject: GateSubjectExpr;
  op: Operator;
  /** The threshold as written, in `unit`. */
  value: number;
  unit: Unit;
}

export function formatStat(s: Stat): string {
  return s.kind === "p" ? `p${String(s.p)}` : s.kind;
}

export function formatQuery(q: MetricQuery): string {
  return q.kind === "latency" ? `${formatStat(q.stat)}(${q.metric})` : q.name;
}

export function formatSubject(s: GateSubjectExpr): string {
  return s.kind === "regression" ? `regression(${formatQuery(s.of)})` : formatQuery(s);
}

/** The canonical text: `p95(ttft) > 500ms`, `error_rate > 1%`, `output_throughput < 2000`. */
export function formatGate(g: Gate): string {
  return `${formatSubject(g.subject)} ${g.op} ${String(g.value)}${g.unit}`;
}

/** The threshold in the unit values are compared in: ms for latencies, a ratio for % (and error_rate/regression). */
export function thresholdOf(g: Gate): number {
  if (g.unit === "s") return g.value * 1000;
  if (g.unit === "%") return g.value / 100;
  return g.value;
}

/** True when the gate fails for this measured value. */
export function gateFails(op: Operator, value: number, threshold: number): boolean {
  switch (op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/** The kind of unit a subject's values have: decides which units a threshold may carry and how values print. */
export type ValueKind = "latency" | "ratio" | "rate";

export function valueKindOf(s: GateSubjectExpr): ValueKind {
  if (s.kind === "regression") return "ratio";
  if (s.kind === "latency") return "latency";
  return s.name === "error_rate" ? "ratio" : "rate";
}

/** A measured value for the terminal, precise enough to compare with a threshold: `612.5 ms`, `2.50%`, `1834.25`. */
export function formatValue(kind: ValueKind, v: number): string {
  if (kind === "latency") return `${v.toFixed(1)} ms`;
  if (kind === "ratio") return `${(v * 100).toFixed(2)}%`;
  return v.toFixed(2);
}
