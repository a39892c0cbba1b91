import { describe, expect, it } from "vitest";
import { saturatingSweep } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { nonFiniteNumbers, titles, unitViews } from "../../../test/fixtures/charts/spec-walk.ts";
import type { StepResult } from "../../metrics/summarize-step.ts";
import type { ChartRun } from "./chart-run.ts";
import { latencyPercentilesChart, latencyRows } from "./latency-percentiles-chart.ts";

const run = (kneeConcurrency: number | null, name = "a", steps: StepResult[] = saturatingSweep()): ChartRun => ({ name, steps, kneeConcurrency });
const yOf = (u: { encoding: Record<string, unknown> }) => u.encoding.y as { field: string; title: string; scale: { type?: string } };

describe("latencyPercentilesChart", () => {
  it("draws TTFT, ITL and E2EL in three panels with ms in every y title", () => {
    const spec = latencyPercentilesChart([run(8)]);
    const lines = unitViews(spec).filter((u) => u.markType === "line");
    expect(lines.map((u) => u.transform)).toEqual([
      [{ filter: { field: "metric", equal: "ttft" } }],
      [{ filter: { field: "metric", equal: "itl" } }],
      [{ filter: { field: "metric", equal: "e2el" } }],
    ]);
    expect(lines.map((u) => yOf(u).title)).toEqual(["TTFT (ms, log scale)", "ITL (ms)", "E2EL (ms)"]);
    expect(titles(spec)).toContain("Concurrency (log₂ scale)");
  });

  it("goes log only where the values span 10× or more (TTFT queues up past the knee; ITL is flat)", () => {
    const [ttft, itl] = unitViews(latencyPercentilesChart([run(8)])).filter((u) => u.markType === "line");
    expect(yOf(ttft!).scale.type).toBe("log");
    expect(yOf(itl!).scale.type).toBeUndefined();
  });

  it("has p50 (the median key), p95 and p99 rows, with hand-checked values", () => {
    const rows = latencyRows([run(8)], [50, 95, 99]);
    expect(rows).toHaveLength(6 * 3 * 3);
    const step = saturatingSweep()[0]!;
    expect(rows.filter((r) => r.concurrency === 1 && r.metric === "ttft")).toEqual([
      { run: "a", concurrency: 1, metric: "ttft", stat: "p50", latencyMs: step.median_ttft_ms },
      { run: "a", concurrency: 1, metric: "ttft", stat: "p95", latencyMs: step.p95_ttft_ms },
      { run: "a", concurrency: 1, metric: "ttft", stat: "p99", latencyMs: step.p99_ttft_ms },
    ]);
  });

  it("skips a percentile the run did not record (no key) instead of drawing 0", () => {
    const steps = saturatingSweep().map((s) => {
      const copy: Record<string, unknown> = { ...s };
      delete copy.p95_ttft_ms;
      delete copy.p95_itl_ms;
      delete copy.p95_e2el_ms;
      return copy as StepResult;
    });
    const rows = latencyRows([run(8, "a", steps)], [50, 95, 99]);
    expect(rows.some((r) => r.stat === "p95")).toBe(false);
    expect(rows.filter((r) => r.stat === "p99")).toHaveLength(18);
  });

  it("marks the knee in every panel, labelled once, and not at all without a knee", () => {
    const views = unitViews(latencyPercentilesChart([run(8)]));
    expect(views.filter((u) => u.markType === "rule")).toHaveLength(3);
    expect(views.filter((u) => u.markType === "text").flatMap((u) => u.values)).toMatchObject([{ label: "knee c=8" }]);
    const none = unitViews(latencyPercentilesChart([run(null)]));
    expect(none.filter((u) => u.markType === "rule" || u.markType === "text")).toEqual([]);
  });

  it("colours by run and dashes by percentile when comparing", () => {
    const [line] = unitViews(latencyPercentilesChart([run(8, "x"), run(8, "y", saturatingSweep(1.5))])).filter((u) => u.markType === "line");
    expect(line?.encoding.color).toMatchObject({ field: "run" });
    expect(line?.encoding.strokeDash).toMatchObject({ field: "stat", scale: { domain: ["p50", "p95", "p99"] } });
  });

  it("keeps NaN and Infinity out of the data", () => {
    const steps = saturatingSweep();
    steps[0] = { ...steps[0]!, median_ttft_ms: Number.NaN, p99_e2el_ms: Number.POSITIVE_INFINITY };
    const spec = latencyPercentilesChart([run(8, "a", steps)]);
    expect(nonFiniteNumbers(spec)).toEqual([]);
    expect(latencyRows([run(8, "a", steps)], [50, 99])).toHaveLength(6 * 3 * 2 - 2);
  });
});
