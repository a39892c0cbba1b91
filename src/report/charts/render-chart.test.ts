import { describe, expect, it } from "vitest";
import { saturatingSweep, saturatingTimeline } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { renderChart } from "./render-chart.ts";
import { stepWindows } from "./server-timeline-chart.ts";
import { sweepCharts } from "./sweep-charts.ts";

describe("renderChart", () => {
  const steps = saturatingSweep();
  const a = { name: "a", steps, kneeConcurrency: 8 };
  const b = { name: "b", steps: saturatingSweep(1.4), kneeConcurrency: 32 };
  const cases = [
    ...sweepCharts({ runs: [a], timeline: saturatingTimeline(steps) }),
    ...sweepCharts({ runs: [a, b] }).map((c) => ({ ...c, name: `compare ${c.name}` })),
    ...sweepCharts({ runs: [a], timeline: { steps: stepWindows(steps), kvCachePct: null, waiting: null } }).slice(3),
  ];

  it.each(cases)("renders $name without vega warnings, NaN or empty text", async ({ spec }) => {
    const r = await renderChart(spec);
    expect(r.warnings).toEqual([]);
    expect(r.svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(r.svg).not.toMatch(/<text[^>]*><\/text>/);
    expect(r.widthPx).toBeGreaterThan(1200); // ~800 px at 2×
    expect(r.heightPx).toBeGreaterThan(700);
  });
});
