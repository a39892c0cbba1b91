/**
 * `--fail-on` expressions, by recursive descent over tokenizeGate's tokens. Grammar (words are case-sensitive):
 *
 *   gate       := subject op threshold
 *   subject    := "regression" "(" query ")" | query
 *   query      := stat "(" latency ")" | scalar
 *   stat       := "mean" | "median" | "p" NUMBER            (0 ≤ NUMBER ≤ 100: p0 = min, p100 = max; p99.9)
 *   latency    := "ttft" | "itl" | "tpot" | "e2el"
 *   scalar     := "output_throughput" | "request_throughput" | "total_token_throughput" | "error_rate" | "goodput"
 *               | "capacity_rps" | "capacity_concurrency"   (kneepoint capacity only)
 *   op         := ">" | ">=" | "<" | "<="                   (the gate FAILS when the comparison is true)
 *   threshold  := NUMBER unit
 *   unit       := "ms" | "s"   for a latency (required)
 *               | "%" | ""     for error_rate and regression(…) (a plain number is a ratio, 0.01 = 1%)
 *               | ""           for throughputs and goodput (per second)
 *
 * regression(q) is how much worse than the recorded baseline (a drop for throughputs, a rise for latencies), for
 * the quantities benchmarks.md records (REGRESSION_QUERIES). Errors give the 1-based column and the fix. Pure.
 */
import { LATENCY_NAMES, OPERATORS, SCALAR_NAMES, formatQuery, valueKindOf, type Gate, type GateSubjectExpr, type LatencyName, type MetricQuery, type Operator, type ScalarName, type Stat, type Unit } from "./gate.ts";
import { GateTokenError, tokenizeGate, type Token } from "./tokenize-gate.ts";
import { isRegressionQuery, REGRESSION_QUERIES } from "./baseline-fields.ts";

export interface GateParseError {
  message: string;
  column: number;
  fix: string;
}

export type GateParse = { ok: true; gate: Gate } | { ok: false; error: GateParseError };

const EXAMPLE = "e.g. 'p95(ttft) > 500ms', 'error_rate > 1%', 'output_throughput < 2000'";
const STAT_WORDS = ["mean", "median", "p50", "p90", "p95", "p99"];

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function suggest(word: string, candidates: readonly string[], fallback: string): string {
  const lower = word.toLowerCase();
  const best = candidates.map((c) => ({ c, d: distance(lower, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(best.c.length / 3)) ? `did you mean ${best.c}?` : fallback;
}

const fail = (message: string, token: Token, fix: string): never => {
  throw new GateTokenError(`${message} at column ${token.column}`, token.column, fix);
};

const describeToken = (t: Token): string => (t.kind === "end" ? "the end" : `'${t.text}'`);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "end") this.i++;
    return t;
  }
  private expectPunct(text: string, fix: string): void {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text) fail(`expected '${text}' but found ${describeToken(t)}`, t, fix);
  }

  gate(): Gate {
    const subject = this.subject();
    const op = this.op(subject);
    const { value, unit } = this.threshold(subject);
    const end = this.peek();
    if (end.kind !== "end") fail(`unexpected ${describeToken(end)} after the threshold`, end, `one gate per --fail-on; ${EXAMPLE}`);
    return { subject, op, value, unit };
  }

  private subject(): GateSubjectExpr {
    const t = this.peek();
    if (t.kind === "word" && t.text === "regression") {
      this.next();
      this.expectPunct("(", "write regression(output_throughput) > 10%");
      const at = this.peek();
      const of = this.query();
      if (!isRegressionQuery(of)) fail(`benchmarks.md records no baseline for ${formatQuery(of)}`, at, `regression() takes one of ${REGRESSION_QUERIES.join(", ")}`);
      this.expectPunct(")", "close the parenthesis: regression(output_throughput) > 10%");
      return { kind: "regression", of };
    }
    return this.query();
  }

  private query(): MetricQuery {
    const t = this.next();
    if (t.kind !== "word") return fail(`expected a metric but found ${describeToken(t)}`, t, EXAMPLE);
    if ((SCALAR_NAMES as readonly string[]).includes(t.text)) return { kind: "scalar", name: t.text as ScalarName };
    if ((LATENCY_NAMES as readonly string[]).includes(t.text)) {
      return fail(`'${t.text}' needs a statistic`, t, `write p95(${t.text}), mean(${t.text}) or median(${t.text})`);
    }
    const stat = this.stat(t);
    this.expectPunct("(", `write ${t.text}(ttft): a statistic takes a latency, one of ${LATENCY_NAMES.join(", ")}`);
    const m = this.next();
    if (m.kind !== "word") return fail(`expected a latency (${LATENCY_NAMES.join(", ")}) but found ${describeToken(m)}`, m, `e.g. ${t.text}(ttft)`);
    if (!(LATENCY_NAMES as readonly string[]).includes(m.text)) {
      return fail(`unknown metric '${m.text}'`, m, suggest(m.text, LATENCY_NAMES, `a statistic takes one of ${LATENCY_NAMES.join(", ")}`));
    }
    this.expectPunct(")", `close the parenthesis: ${t.text}(${m.text})`);
    return { kind: "latency", metric: m.text as LatencyName, stat };
  }

  private stat(t: Token & { kind: "word" }): Stat {
    if (t.text === "mean") return { kind: "mean" };
    if (t.text === "median") return { kind: "median" };
    if (t.text.length > 1 && t.text[0] === "p" && t.text[1]! >= "0" && t.text[1]! <= "9") {
      const digits = t.text.slice(1);
      const p = Number(digits);
      if (!Number.isFinite(p)) fail(`'${t.text}' is not a percentile`, t, "write p0…p100, e.g. p95 or p99.9");
      if (p > 100) fail(`percentile ${t.text} is above p100`, t, "write p0…p100, e.g. p95 or p99.9");
      return { kind: "p", p };
    }
    const known = [...SCALAR_NAMES, ...STAT_WORDS, ...LATENCY_NAMES, "regression"];
    return fail(`unknown metric '${t.text}'`, t, suggest(t.text, known, `metrics: p<N>(${LATENCY_NAMES.join("|")}), mean(…), median(…), ${SCALAR_NAMES.join(", ")}, regression(…)`));
  }

  private op(subject: GateSubjectExpr): Operator {
    const t = this.next();
    if (t.kind === "punct" && (OPERATORS as readonly string[]).includes(t.text)) return t.text as Operator;
    const fix = `the gate fails when the comparison is true, e.g. '${this.exampleFor(subject)}'`;
    return fail(`expected a comparison > >= < <= but found ${describeToken(t)}`, t, fix);
  }

  private exampleFor(subject: GateSubjectExpr): string {
    const kind = valueKindOf(subject);
    const name = subject.kind === "regression" ? `regression(${formatQuery(subject.of)})` : formatQuery(subject);
    return kind === "latency" ? `${name} > 500ms` : kind === "ratio" ? `${name} > 10%` : `${name} < 2000`;
  }

  private threshold(subject: GateSubjectExpr): { value: number; unit: Unit } {
    const t = this.next();
    if (t.kind !== "number") return fail(`expected a number but found ${describeToken(t)}`, t, `e.g. '${this.exampleFor(subject)}'`);
    const u = this.peek();
    const written: Unit | null = u.kind === "word" && (u.text === "ms" || u.text === "s") ? u.text : u.kind === "punct" && u.text === "%" ? "%" : null;
    if (written !== null) this.next();
    else if (u.kind === "word") fail(`unknown unit '${u.text}'`, u, suggest(u.text, ["ms", "s"], "units: ms or s for latencies, % for ratios, none for throughputs"));
    const kind = valueKindOf(subject);
    const unit: Unit = written ?? "";
    const at = written !== null ? u : { ...t, column: t.column + t.text.length };
    if (kind === "latency" && unit !== "ms" && unit !== "s") fail(`expected a unit ms|s after ${t.text}`, at as Token, `latencies are times: ${t.text}ms or ${t.text}s`);
    if (kind === "rate" && unit !== "") fail(`unexpected unit '${unit}' after ${t.text}`, at as Token, `${formatQuery(subject as MetricQuery)} is per second and takes a plain number, e.g. < ${t.text}`);
    if (kind === "ratio" && (unit === "ms" || unit === "s")) fail(`unexpected unit '${unit}' after ${t.text}`, at as Token, `a ratio takes % or a plain number 0…1, e.g. > ${t.text}%`);
    if (kind === "ratio" && unit === "" && t.value > 1) fail(`a plain ratio above 1 (${t.text})`, at as Token, `write ${t.text}% for percent, or a ratio 0…1`);
    return { value: t.value, unit };
  }
}

export function parseGate(src: string): GateParse {
  try {
    return { ok: true, gate: new Parser(tokenizeGate(src)).gate() };
  } catch (err) {
    if (err instanceof GateTokenError) return { ok: false, error: { message: err.message, column: err.column, fix: err.fix } };
    throw err;
  }
}
