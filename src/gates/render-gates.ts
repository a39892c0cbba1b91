/**
 * Gate outcomes as the terminal block, the one-line summary of a failure (the exit-4 message), the benchmarks.md
 * line and gates.json. Pure.
 */
import { formatValue, type ValueKind } from "./gate.ts";
import type { GateOutcome, GateValue } from "./evaluate-gates.ts";

const show = (kind: ValueKind, v: GateValue): string => (v.value === null ? `${v.note ?? "not measured"} at ${v.where}` : `${formatValue(kind, v.value)} at ${v.where}`);

/** What the outcome measured: the failing values, or the worst passing one. */
export function describeOutcome(o: GateOutcome): string {
  if (o.status === "no-baseline") return "no baseline of the same model, request shape and GPU in the benchmarks file: not checked";
  const threshold = `threshold ${o.thresholdText}`;
  if (o.status === "fail") return `${o.values.filter((v) => v.failed).map((v) => show(o.kind, v)).join(", ")} (${threshold})`;
  return o.worst ? `worst ${show(o.kind, o.worst)} (${threshold})` : threshold;
}

const LABEL = { pass: "pass", fail: "FAIL", "no-baseline": "n/a " } as const;

export function renderGatesBlock(outcomes: readonly GateOutcome[], scope: string): string {
  const width = Math.max(...outcomes.map((o) => o.gate.length));
  const failed = outcomes.filter((o) => o.status === "fail").length;
  const head = `gates (a gate fails when its expression is true; ${scope}): ${failed === 0 ? "all passed" : `${failed} of ${outcomes.length} FAILED`}`;
  return [head, ...outcomes.map((o) => `  ${LABEL[o.status]}  ${o.gate.padEnd(width)}  ${describeOutcome(o)}`)].join("\n");
}

/** The exit-4 message: every failed gate with its values. */
export function describeFailures(outcomes: readonly GateOutcome[]): string {
  const failed = outcomes.filter((o) => o.status === "fail");
  return `${failed.length} of ${outcomes.length} gate(s) failed: ${failed.map((o) => `'${o.gate}': ${describeOutcome(o)}`).join("; ")}`;
}

/** The benchmarks.md line: `**Gates:** FAIL \`p95(ttft) > 500ms\` (…); pass \`error_rate > 1%\`.` */
export function gatesMarkdownLine(outcomes: readonly GateOutcome[]): string {
  const items = outcomes.map((o) => `${o.status === "fail" ? "FAIL" : o.status === "pass" ? "pass" : "not checked"} \`${o.gate}\`${o.status === "fail" ? ` (${describeOutcome(o)})` : ""}`);
  return `**Gates:** ${items.join("; ")}.`;
}

export interface GatesFile {
  status: "pass" | "fail";
  /** Which steps or stages the gates were checked in. */
  scope: string;
  baselineRunId: string | null;
  gates: GateOutcome[];
}

export function gatesFile(outcomes: readonly GateOutcome[], scope: string, baselineRunId: string | null): GatesFile {
  return { status: outcomes.some((o) => o.status === "fail") ? "fail" : "pass", scope, baselineRunId, gates: [...outcomes] };
}
