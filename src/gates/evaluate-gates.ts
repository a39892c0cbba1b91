/**
 * Evaluates gates over scopes: the steps of a sweep (`c=4`), or the summary of a scenario run. A gate is checked
 * in every scope and FAILS when its comparison is true in any of them, or when its metric was not measured
 * there (a gate that cannot be checked must not pass in CI). regression(…) compares each scope with the same
 * scope of the baseline; with no baseline (or no scope in common) it is reported as `no-baseline` and does not
 * fail: the first recorded run is the baseline. Pure.
 */
import { baselineFieldOf, regressionRatio } from "./baseline-fields.ts";
import { formatGate, gateFails, thresholdOf, valueKindOf, type Gate, type MetricQuery, type ValueKind } from "./gate.ts";

export interface GateScope {
  /** Where the values come from, e.g. `c=16`, `summary`. */
  where: string;
  /** The measured value (latencies in ms, ratios 0…1, rates per second), or null when not measured. */
  read(q: MetricQuery): number | null;
  /** The same scope's value in the baseline, or null when the baseline has no such scope or value. */
  baseline: ((q: MetricQuery) => number | null) | null;
}

export interface GateValue {
  where: string;
  value: number | null;
  failed: boolean;
  /** Why value is null: `not measured`, `not in the baseline`. */
  note?: string;
}

export type GateStatus = "pass" | "fail" | "no-baseline";

export interface GateOutcome {
  gate: string;
  status: GateStatus;
  kind: ValueKind;
  /** In the unit values are compared in (ms, ratio, per second). */
  threshold: number;
  /** The threshold as written: `500ms`, `0.5s`, `1%`. */
  thresholdText: string;
  op: Gate["op"];
  values: GateValue[];
  /** The value closest to failing (the largest for > and >=, the smallest for < and <=), for a passing gate. */
  worst: GateValue | null;
}

function valueIn(gate: Gate, scope: GateScope): GateValue {
  const threshold = thresholdOf(gate);
  const s = gate.subject;
  if (s.kind === "regression") {
    const field = baselineFieldOf(s.of);
    const then = scope.baseline?.(s.of) ?? null;
    const now = scope.read(s.of);
    if (!field || then === null) return { where: scope.where, value: null, failed: false, note: "not in the baseline" };
    if (now === null) return { where: scope.where, value: null, failed: true, note: "not measured" };
    const r = regressionRatio(now, then, field.higherIsBetter);
    if (r === null) return { where: scope.where, value: null, failed: false, note: "baseline value is 0" };
    return { where: scope.where, value: r, failed: gateFails(gate.op, r, threshold) };
  }
  const v = scope.read(s);
  if (v === null || !Number.isFinite(v)) return { where: scope.where, value: null, failed: true, note: "not measured" };
  return { where: scope.where, value: v, failed: gateFails(gate.op, v, threshold) };
}

export function evaluateGate(gate: Gate, scopes: readonly GateScope[]): GateOutcome {
  const values = scopes.length > 0 ? scopes.map((sc) => valueIn(gate, sc)) : [{ where: "run", value: null, failed: true, note: "nothing was measured" }];
  const upward = gate.op === ">" || gate.op === ">=";
  let worst: GateValue | null = null;
  for (const v of values) {
    if (v.value === null) continue;
    if (worst === null || (upward ? v.value > worst.value! : v.value < worst.value!)) worst = v;
  }
  const compared = values.some((v) => v.value !== null || v.failed);
  const status: GateStatus = values.some((v) => v.failed) ? "fail" : gate.subject.kind === "regression" && !compared ? "no-baseline" : "pass";
  return { gate: formatGate(gate), status, kind: valueKindOf(gate.subject), threshold: thresholdOf(gate), thresholdText: `${String(gate.value)}${gate.unit}`, op: gate.op, values, worst };
}

export function evaluateGates(gates: readonly Gate[], scopes: readonly GateScope[]): GateOutcome[] {
  return gates.map((g) => evaluateGate(g, scopes));
}

export const failedGates = (outcomes: readonly GateOutcome[]): GateOutcome[] => outcomes.filter((o) => o.status === "fail");
