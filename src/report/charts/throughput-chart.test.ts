import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile } from "vega-lite";
import { UsageError } from "../../errors.ts";
import { saturatingSweep } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { nonFiniteNumbers, titles, unitViews } from "../../../test/fixtures/charts/spec-walk.ts";
import type { ChartRun } from "./chart-run.ts";
import { throughputRows, throughputVsConcurrencyChart } from "./throughput-chart.ts";

const run = (kneeConcurrency: number | null, name = "a"): ChartRun => ({ name, steps: saturatingSweep(), kneeConcurrency });

describe("throughputVsConcurrencyChart", () => {
  it("plots output tokens/s and requests/s against concurrency, axes titled with units", () => {
    const spec = throughputVsConcurrencyChart([run(8)]);
    const lines = unitViews(spec).filter((u) => u.markType === "line");
    expect(lines.map((u) => (u.encoding.y as { field: string }).field)).toEqual(["outputTokensPerS", "requestsPerS"]);
    expect(titles(spec)).toEqual(
      expect.arrayContaining(["Throughput vs concurrency", "Output throughput (tokens/s)", "Request throughput (req/s)", "Concurrency (requests in flight, log₂ scale)"]),
    );
  });

  it("uses a log2 x axis whose ticks are exactly the swept concurrencies", () => {
    const [line] = unitViews(throughputVsConcurrencyChart([run(8)])).filter((u) => u.markType === "line");
    expect(line?.encoding.x).toMatchObject({ scale: { type: "log", base: 2, domain: [1, 32] }, axis: { values: [1, 2, 4, 8, 16, 32] } });
  });

  it("marks the knee with a rule and a 'knee c=8' label only when there is a knee", () => {
    const withKnee = unitViews(throughputVsConcurrencyChart([run(8)]));
    const rules = withKnee.filter((u) => u.markType === "rule");
    expect(rules).toHaveLength(2); // one per panel
    expect(rules[0]?.values).toMatchObject([{ concurrency: 8, label: "knee c=8" }]);
    expect(withKnee.filter((u) => u.markType === "text").flatMap((u) => u.values)).toMatchObject([{ label: "knee c=8" }]);

    const without = unitViews(throughputVsConcurrencyChart([run(null)]));
    expect(without.filter((u) => u.markType === "rule" || u.markType === "text")).toEqual([]);
  });

  it("does not draw a knee that is not one of the swept concurrencies", () => {
    const views = unitViews(throughputVsConcurrencyChart([run(64)]));
    expect(views.filter((u) => u.markType === "rule")).toEqual([]);
  });

  it("colours several runs by name with a legend, and stacks their knee labels", () => {
    const spec = throughputVsConcurrencyChart([run(8, "base"), run(16, "tuned")]);
    const views = unitViews(spec);
    const [line] = views.filter((u) => u.markType === "line");
    expect(line?.encoding.color).toMatchObject({ field: "run", scale: { domain: ["base", "tuned"] } });
    expect(new Set(line?.values.map((r) => (r as { run: string }).run))).toEqual(new Set(["base", "tuned"]));
    const labelYs = views.filter((u) => u.markType === "text").flatMap((u) => u.values.map((v) => (v as { labelY: number }).labelY));
    expect(new Set(labelYs).size).toBe(2);
  });

  it("keeps one colour and no legend for a single run", () => {
    const [line] = unitViews(throughputVsConcurrencyChart([run(8)])).filter((u) => u.markType === "line");
    expect(line?.encoding.color).toEqual({ value: expect.any(String) });
  });

  it("rejects two runs with one name", () => {
    expect(() => throughputVsConcurrencyChart([run(8), run(8)])).toThrow(UsageError);
  });

  it("leaves non-finite values out (null, filtered) instead of drawing them, and skips steps without a concurrency", () => {
    const steps = saturatingSweep();
    steps[1] = { ...steps[1]!, output_throughput: Number.NaN, request_throughput: Number.POSITIVE_INFINITY };
    steps[2] = { ...steps[2]!, max_concurrency: null };
    const rows = throughputRows([{ name: "a", steps, kneeConcurrency: null }]);
    expect(rows.map((r) => r.concurrency)).toEqual([1, 2, 8, 16, 32]);
    expect(rows[1]).toMatchObject({ outputTokensPerS: null, requestsPerS: null });
    expect(nonFiniteNumbers(throughputVsConcurrencyChart([{ name: "a", steps, kneeConcurrency: 8 }]))).toEqual([]);
  });

  it("never puts a non-finite number in the spec, whatever the step values (property)", () => {
    const value = fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 6, maxLength: 6 }), (values) => {
        const steps = saturatingSweep().map((s, i) => ({ ...s, output_throughput: values[i]![0], request_throughput: values[i]![1] }));
        const spec = throughputVsConcurrencyChart([{ name: "a", steps, kneeConcurrency: 8 }]);
        expect(nonFiniteNumbers(spec)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("compiles to Vega without warnings", () => {
    const warnings: unknown[] = [];
    const logger = { level: () => 0, warn: (...a: unknown[]) => (warnings.push(a), logger), info: () => logger, debug: () => logger, error: () => logger };
    compile(throughputVsConcurrencyChart([run(8, "x"), run(null, "y")]), { logger: logger as never });
    expect(warnings).toEqual([]);
  });
});
