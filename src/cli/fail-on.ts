/**
 * `--fail-on EXPR` on sweep, run and bench: the flag's help, parsing and validation before any request is sent
 * (a bad expression is a UsageError, exit 2, with its column and the fix), and the end of a run: the gates
 * block printed after the table, and a ThresholdError (exit 4) naming every failed gate with its values.
 */
import { ThresholdError, UsageError } from "../errors.ts";
import type { GateOutcome } from "../gates/evaluate-gates.ts";
import { formatGate, formatQuery, isCapacityName, type Gate } from "../gates/gate.ts";
import { parseGate } from "../gates/parse-gate.ts";
import { describeFailures, renderGatesBlock } from "../gates/render-gates.ts";

export type GateCommand = "sweep" | "run" | "bench" | "capacity";

/** Which steps or stages each command checks its gates in (printed, and written in gates.json). */
export const GATE_SCOPES: Record<GateCommand, string> = {
  sweep: "checked at every step",
  bench: "checked at every step",
  run: "checked on the run's summary (all stages)",
  capacity: "checked on the answers (capacity_rps, capacity_concurrency)",
};

export const FAIL_ON_FLAG = "--fail-on <expr>";
export const FAIL_ON_DESCRIPTION = "exit 4 when EXPR is true, e.g. 'p95(ttft) > 500ms' (repeatable; see below)";

export function collectFailOn(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function failOnHelp(command: GateCommand): string {
  const where =
    command === "run"
      ? "A gate is checked on the run's summary (summary_lifecycle_metrics.json: every stage's requests); the\n  outcome is written to kneepoint_gates.json in the report directory."
      : "A gate is checked at every step (a latency or throughput SLO must hold at every concurrency); the failing\n  steps are named. The outcome is written to results/<runId>/gates.json" + (command === "bench" ? "." : ", and listed in benchmarks.md with --record.");
  const regression = command === "run" ? "" : "\n  'regression(output_throughput) > 10%'   vs the last recorded run of the same model, shape and GPU (benchmarks.md)";
  const percentiles = command === "bench" ? " (bench results hold p50, p90, p95, p99)" : "";
  return (
    "\nCI gates (--fail-on, repeatable): the gate FAILS when its expression is true; any failed gate exits 4.\n" +
    `  METRIC OP NUMBER[UNIT]; METRIC: p<0…100>|mean|median(ttft|itl|tpot|e2el)${percentiles},\n` +
    `  output_throughput, request_throughput, total_token_throughput, error_rate${command === "run" ? ", goodput" : ""}${command === "run" ? "" : ", regression(…)"};\n` +
    "  OP: > >= < <=; UNIT: ms or s for latencies, % (or a ratio 0…1) for error_rate and regressions, none for throughputs.\n" +
    `  ${where}\n` +
    "  'p95(ttft) > 500ms'   'p99.9(itl) >= 0.2s'   'output_throughput < 2000'   'error_rate > 1%'" +
    regression +
    "\n"
  );
}

export interface GateRules {
  command: GateCommand;
  /** Percentiles the command's results hold; undefined: any p0…p100. */
  percentiles?: readonly number[];
}

/** Parses and validates every --fail-on; throws a UsageError (exit 2) naming the expression, column and fix. */
export function parseFailOn(exprs: readonly string[] | undefined, rules: GateRules): Gate[] {
  return (exprs ?? []).map((expr) => {
    const parsed = parseGate(expr);
    if (!parsed.ok) {
      const e = parsed.error;
      throw new UsageError(`--fail-on '${expr}': ${e.message}; ${e.fix}`, `  ${expr}\n${" ".repeat(e.column + 9)}^ here; see kneepoint ${rules.command} --help`);
    }
    const g = parsed.gate;
    const s = g.subject;
    const bad = (why: string, fix: string) => new UsageError(`--fail-on '${expr}': ${why}`, fix);
    if (rules.command === "capacity" && !(s.kind === "scalar" && isCapacityName(s.name))) {
      throw bad("capacity gates on its answers only", "e.g. --fail-on 'capacity_rps < 20' or --fail-on 'capacity_concurrency < 8'; latency bounds are --slo");
    }
    if (s.kind === "scalar" && isCapacityName(s.name) && rules.command !== "capacity") {
      throw bad(`${s.name} is measured by kneepoint capacity only`, `run kneepoint capacity --slo … --fail-on '${formatGate(g)}'`);
    }
    if (s.kind === "regression" && rules.command === "run") throw bad("regression() needs a recorded baseline, and only sweep and bench record one", "gate on the values themselves, e.g. 'output_throughput < 2000'");
    if (s.kind === "scalar" && s.name === "goodput" && rules.command !== "run") {
      throw bad(`${rules.command} measures no goodput (it has no SLOs)`, "gate on the latencies directly, e.g. 'p95(ttft) > 500ms'; goodput gates work with `kneepoint run` and report.goodput.constraints");
    }
    if (rules.percentiles) checkGatePercentiles([g], rules.percentiles, rules.command);
    return g;
  });
}

/** A gate on a percentile the command's results do not hold is a UsageError, before anything is sent. */
export function checkGatePercentiles(gates: readonly Gate[], percentiles: readonly number[], command: GateCommand, fix = "use one of those, or mean/median"): void {
  for (const g of gates) {
    const q = g.subject.kind === "regression" ? g.subject.of : g.subject;
    if (q.kind === "latency" && q.stat.kind === "p" && !percentiles.includes(q.stat.p)) {
      throw new UsageError(`--fail-on '${formatGate(g)}': ${formatQuery(q)} is not measured; the results of ${command} hold ${percentiles.map((p) => `p${p}`).join(", ")}`, fix);
    }
  }
}

/** Percentiles a sweep must compute so that every gate finds its key in the step result (p0…p100). */
export function gatePercentiles(gates: readonly Gate[]): number[] {
  const out = new Set<number>();
  for (const g of gates) {
    const q = g.subject.kind === "regression" ? g.subject.of : g.subject;
    if (q.kind === "latency" && q.stat.kind === "p") out.add(q.stat.p);
  }
  return [...out];
}

/** Prints the gates block after the table; throws ThresholdError (exit 4) when a gate failed. Call last. */
export function printGates(outcomes: readonly GateOutcome[], command: GateCommand, write: (s: string) => void): void {
  if (outcomes.length === 0) return;
  write("\n" + renderGatesBlock(outcomes, GATE_SCOPES[command]) + "\n");
}

export function throwIfGatesFailed(outcomes: readonly GateOutcome[], where: string): void {
  if (outcomes.some((o) => o.status === "fail")) throw new ThresholdError(describeFailures(outcomes), `details in ${where}`);
}
