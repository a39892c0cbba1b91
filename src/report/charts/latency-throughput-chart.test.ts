import { describe, expect, it } from "vitest";
import { saturatingSweep } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { nonFiniteNumbers, titles, unitViews } from "../../../test/fixtures/charts/spec-walk.ts";
import type { ChartRun } from "./chart-run.ts";
import { latencyVsThroughputChart, tradeOffRows } from "./latency-throughput-chart.ts";

const run = (kneeConcurrency: number | null, name = "a", scale = 1): ChartRun => ({ name, steps: saturatingSweep(scale), kneeConcurrency });

describe("latencyVsThroughputChart", () => {
  it("plots median and p99 E2EL against output tokens/s, in concurrency order, axes with units", () => {
    const spec = latencyVsThroughputChart([run(8)]);
    const [line] = unitViews(spec).filter((u) => u.markType === "line");
    expect(line?.encoding).toMatchObject({
      x: { field: "outputTokensPerS" },
      y: { field: "latencyMs" },
      order: { field: "concurrency" },
      color: { field: "stat", scale: { domain: ["median", "p99"] } },
    });
    expect(titles(spec)).toEqual(expect.arrayContaining(["Latency vs throughput", "Output throughput (tokens/s)"]));
    expect(titles(spec).some((t) => /^E2EL \(ms/.test(t))).toBe(true);
  });

  it("labels each median point with its concurrency and the knee as 'c=8 knee'", () => {
    const rows = tradeOffRows([run(8)], "e2el", 99);
    const steps = saturatingSweep();
    expect(rows.filter((r) => r.stat === "median").map((r) => r.label)).toEqual(["c=1", "c=2", "c=4", "c=8 knee", "c=16", "c=32"]);
    expect(rows.find((r) => r.concurrency === 8 && r.stat === "p99")).toMatchObject({
      outputTokensPerS: steps[3]!.output_throughput,
      latencyMs: steps[3]!.p99_e2el_ms,
    });
    const text = unitViews(latencyVsThroughputChart([run(8)])).find((u) => u.markType === "text");
    expect(text?.encoding.text).toEqual({ field: "label" });
    expect(text?.transform).toEqual([{ filter: { field: "stat", equal: "median" } }]);
  });

  it("rings the knee point only when there is a knee", () => {
    const ring = (r: ChartRun) => unitViews(latencyVsThroughputChart([r])).filter((u) => u.markType === "point");
    expect(ring(run(8))).toHaveLength(1);
    expect(ring(run(null))).toHaveLength(0);
  });

  it("can chart TTFT instead, and compares runs by colour with the statistic dashed", () => {
    const spec = latencyVsThroughputChart([run(8, "x"), run(8, "y", 1.4)], { metric: "ttft" });
    const [line] = unitViews(spec).filter((u) => u.markType === "line");
    expect(line?.encoding).toMatchObject({ color: { field: "run" }, strokeDash: { field: "stat" } });
    expect(titles(spec).some((t) => /^TTFT \(ms/.test(t))).toBe(true);
  });

  it("leaves out steps with non-finite throughput or latency", () => {
    const steps = saturatingSweep();
    steps[0] = { ...steps[0]!, output_throughput: Number.NaN };
    steps[1] = { ...steps[1]!, p99_e2el_ms: Number.NEGATIVE_INFINITY };
    const r: ChartRun = { name: "a", steps, kneeConcurrency: 8 };
    expect(tradeOffRows([r], "e2el", 99)).toHaveLength(2 * 6 - 3);
    expect(nonFiniteNumbers(latencyVsThroughputChart([r]))).toEqual([]);
  });
});
