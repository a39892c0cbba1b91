import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatGate, LATENCY_NAMES, SCALAR_NAMES, thresholdOf, type Gate, type GateSubjectExpr, type MetricQuery } from "./gate.ts";
import { parseGate, type GateParseError } from "./parse-gate.ts";
import { REGRESSION_QUERIES } from "./baseline-fields.ts";

const ok = (src: string): Gate => {
  const r = parseGate(src);
  if (!r.ok) throw new Error(`${src}: ${r.error.message}`);
  return r.gate;
};
const err = (src: string): GateParseError => {
  const r = parseGate(src);
  if (r.ok) throw new Error(`${src} parsed: ${formatGate(r.gate)}`);
  return r.error;
};

describe("parseGate: accepted expressions", () => {
  it("parses the issue's four examples", () => {
    expect(ok("p95(ttft) > 500ms")).toEqual({ subject: { kind: "latency", metric: "ttft", stat: { kind: "p", p: 95 } }, op: ">", value: 500, unit: "ms" });
    expect(ok("output_throughput < 2000")).toEqual({ subject: { kind: "scalar", name: "output_throughput" }, op: "<", value: 2000, unit: "" });
    expect(ok("error_rate > 1%")).toEqual({ subject: { kind: "scalar", name: "error_rate" }, op: ">", value: 1, unit: "%" });
    expect(ok("regression(output_throughput) > 10%")).toEqual({ subject: { kind: "regression", of: { kind: "scalar", name: "output_throughput" } }, op: ">", value: 10, unit: "%" });
  });

  it("takes every statistic, operator and unit, with or without spaces", () => {
    expect(ok("p99.9(itl)>=0.2s")).toMatchObject({ subject: { stat: { kind: "p", p: 99.9 }, metric: "itl" }, op: ">=", value: 0.2, unit: "s" });
    expect(ok("mean(tpot) <= 25ms").subject).toEqual({ kind: "latency", metric: "tpot", stat: { kind: "mean" } });
    expect(ok("median(e2el) < 1.5e3ms")).toMatchObject({ value: 1500, unit: "ms" });
    expect(ok("p0(ttft) > 1ms").subject).toMatchObject({ stat: { p: 0 } });
    expect(ok("p100(ttft) > 1ms").subject).toMatchObject({ stat: { p: 100 } });
    expect(ok("  error_rate   >   .05  ")).toMatchObject({ value: 0.05, unit: "" });
    expect(ok("regression(p99(ttft)) >= 5%").subject).toEqual({ kind: "regression", of: { kind: "latency", metric: "ttft", stat: { kind: "p", p: 99 } } });
    expect(ok("goodput < 3.5")).toMatchObject({ subject: { kind: "scalar", name: "goodput" }, value: 3.5 });
  });

  it("normalizes thresholds: s to ms, % to a ratio", () => {
    expect(thresholdOf(ok("p95(ttft) > 0.5s"))).toBe(500);
    expect(thresholdOf(ok("p95(ttft) > 500ms"))).toBe(500);
    expect(thresholdOf(ok("error_rate > 1%"))).toBe(0.01);
    expect(thresholdOf(ok("error_rate > 0.01"))).toBe(0.01);
    expect(thresholdOf(ok("output_throughput < 2000"))).toBe(2000);
  });
});

describe("parseGate: errors name the column and the fix", () => {
  it("an unknown metric, with a suggestion", () => {
    expect(err("p95(tfft) > 500ms")).toEqual({ message: "unknown metric 'tfft' at column 5", column: 5, fix: "did you mean ttft?" });
    expect(err("output_throughpt < 2000")).toMatchObject({ column: 1, fix: "did you mean output_throughput?" });
    expect(err("eror_rate > 1%")).toMatchObject({ column: 1, fix: "did you mean error_rate?" });
    expect(err("p95(latency) > 1ms").column).toBe(5);
  });

  it("a missing or wrong unit", () => {
    expect(err("p95(ttft) > 500")).toMatchObject({ message: "expected a unit ms|s after 500 at column 16", column: 16, fix: "latencies are times: 500ms or 500s" });
    expect(err("p95(ttft) > 500%")).toMatchObject({ message: "expected a unit ms|s after 500 at column 16", column: 16 });
    expect(err("p95(ttft) > 500us")).toMatchObject({ message: "unknown unit 'us' at column 16", column: 16 });
    expect(err("p95(ttft) > 500 msec")).toMatchObject({ message: "unknown unit 'msec' at column 17", fix: "did you mean ms?" });
    expect(err("output_throughput < 2000ms")).toMatchObject({ message: "unexpected unit 'ms' after 2000 at column 25", column: 25 });
    expect(err("error_rate > 5")).toMatchObject({ message: "a plain ratio above 1 (5) at column 15", fix: "write 5% for percent, or a ratio 0…1" });
    expect(err("error_rate > 5ms").column).toBe(15);
  });

  it("operators, statistics, structure", () => {
    expect(err("p95(ttft) = 500ms")).toMatchObject({ message: "expected a comparison > >= < <= but found '=' at column 11", column: 11 });
    expect(err("p95(ttft) 500ms")).toMatchObject({ column: 11 });
    expect(err("ttft > 500ms")).toMatchObject({ message: "'ttft' needs a statistic at column 1", fix: "write p95(ttft), mean(ttft) or median(ttft)" });
    expect(err("p101(ttft) > 1ms")).toMatchObject({ message: "percentile p101 is above p100 at column 1" });
    expect(err("p95 ttft > 1ms")).toMatchObject({ message: "expected '(' but found 'ttft' at column 5", column: 5 });
    expect(err("p95(ttft > 1ms")).toMatchObject({ message: "expected ')' but found '>' at column 10", column: 10 });
    expect(err("p95(ttft) > 1ms and error_rate > 1%")).toMatchObject({ message: "unexpected 'and' after the threshold at column 17" });
    expect(err("p95(ttft) >")).toMatchObject({ message: "expected a number but found the end at column 12", column: 12 });
    expect(err("")).toMatchObject({ message: "expected a metric but found the end at column 1" });
    expect(err("p95(ttft) > -5ms")).toMatchObject({ message: "negative threshold at column 13", column: 13 });
    expect(err("p95(ttft) > 5ms;")).toMatchObject({ message: "unexpected character ';' at column 16", column: 16 });
    expect(err("regression(error_rate) > 1%")).toMatchObject({ message: "benchmarks.md records no baseline for error_rate at column 12", column: 12 });
    expect(err("regression(p95(ttft)) > 1%").fix).toContain("median(ttft)");
  });
});

const stat = fc.oneof(
  fc.constant({ kind: "mean" as const }),
  fc.constant({ kind: "median" as const }),
  fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }).map((p) => p + 0)).map((p) => ({ kind: "p" as const, p })),
);
const query: fc.Arbitrary<MetricQuery> = fc.oneof(
  fc.record({ kind: fc.constant("latency" as const), metric: fc.constantFrom(...LATENCY_NAMES), stat }),
  fc.record({ kind: fc.constant("scalar" as const), name: fc.constantFrom(...SCALAR_NAMES) }),
);
const regressionOf = fc.constantFrom(...REGRESSION_QUERIES).map((q) => (ok(`regression(${q}) > 1%`).subject as { of: MetricQuery }).of);
const subject: fc.Arbitrary<GateSubjectExpr> = fc.oneof(query, regressionOf.map((of) => ({ kind: "regression" as const, of })));

const gate: fc.Arbitrary<Gate> = fc
  .record({ subject, op: fc.constantFrom(">" as const, ">=" as const, "<" as const, "<=" as const), value: fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0)), pick: fc.boolean() })
  .map(({ subject, op, value, pick }) => {
    const isLatency = subject.kind === "latency";
    const isRatio = subject.kind === "regression" || (subject.kind === "scalar" && subject.name === "error_rate");
    if (isLatency) return { subject, op, value, unit: pick ? ("ms" as const) : ("s" as const) };
    if (isRatio) return pick ? { subject, op, value, unit: "%" as const } : { subject, op, value: (value % 1) + 0, unit: "" as const };
    return { subject, op, value, unit: "" as const };
  });

describe("formatGate", () => {
  it("parse(format(g)) is g, for every gate", () => {
    fc.assert(
      fc.property(gate, (g) => {
        expect(parseGate(formatGate(g))).toEqual({ ok: true, gate: g });
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the canonical text", () => {
    expect(formatGate(ok("p99.9( itl )>=0.2s"))).toBe("p99.9(itl) >= 0.2s");
    expect(formatGate(ok("regression(output_throughput)>10%"))).toBe("regression(output_throughput) > 10%");
  });
});
