import type { TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import { sweepCharts } from "../charts/sweep-charts.ts";
import { compileChart } from "./compile-chart.ts";
import { FADED_OPACITY, interactiveSpec, legendParamName, tooltipFields } from "./interactive-spec.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const twoRuns: TopLevelSpec = {
  data: { values: [{ run: "a", c: 1, tps: 10 }, { run: "b", c: 1, tps: 12 }] },
  layer: [
    { mark: { type: "line", point: true }, encoding: { x: { field: "c", type: "quantitative", title: "Concurrency" }, y: { field: "tps", type: "quantitative", axis: { title: "tok/s" } }, color: { field: "run", type: "nominal", title: "Run" } } },
    { mark: "rule", encoding: { x: { field: "c", type: "quantitative" }, color: { field: "run", type: "nominal" } } },
    { mark: "text", encoding: { x: { field: "c", type: "quantitative" }, y: { value: 0 }, text: { field: "run" } } },
  ],
};

describe("interactiveSpec", () => {
  it("titles a tooltip's fields as the axes and legends do: series first, numbers formatted", () => {
    expect(tooltipFields((twoRuns as Json).layer[0].encoding)).toEqual([
      { field: "run", type: "nominal", title: "Run" },
      { field: "c", type: "quantitative", title: "Concurrency", format: ",.6~r" },
      { field: "tps", type: "quantitative", title: "tok/s", format: ",.6~r" },
    ]);
  });

  it("gives a line a nearest-point hover layer with the tooltip, right after it, on the same data", () => {
    const layer = (interactiveSpec(twoRuns) as Json).layer as Json[];
    expect(layer.map((u) => u.mark.type ?? u.mark)).toEqual(["line", "point", "rule", "text"]);
    const hover = layer[1]!;
    expect(hover.params[0]).toEqual({ name: "hover_0", select: { type: "point", on: "pointerover", nearest: true, clear: "pointerout" } });
    expect(hover.encoding.tooltip.map((t: Json) => t.field)).toEqual(["run", "c", "tps"]);
    expect(hover.encoding.opacity).toEqual({ condition: { param: "hover_0", value: 1, empty: false }, value: 0 });
    expect(layer[0]!.encoding.tooltip).toBeUndefined();
  });

  it("binds one toggling selection per colour field to the legend, and fades every unit coloured by it", () => {
    const layer = (interactiveSpec(twoRuns) as Json).layer as Json[];
    const name = legendParamName("run");
    expect(layer.flatMap((u) => u.params ?? []).filter((p: Json) => p.bind === "legend")).toEqual([
      { name, select: { type: "point", fields: ["run"], toggle: "true", clear: false }, bind: "legend" },
    ]);
    for (const u of [layer[0]!, layer[2]!]) expect(u.encoding.opacity).toEqual({ condition: { param: name, value: 1 }, value: FADED_OPACITY });
    expect(layer[3]!.encoding.opacity).toBeUndefined();
  });

  it("zooms on x only when asked, clipping all but text", () => {
    expect(JSON.stringify(interactiveSpec(twoRuns))).not.toContain('"bind":"scales"');
    const layer = (interactiveSpec(twoRuns, { zoom: true }) as Json).layer as Json[];
    expect(layer[0]!.params).toContainEqual({ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" });
    expect(layer.map((u) => u.mark.clip)).toEqual([true, true, true, false]);
    // The label stays outside the plot's clip, and hides while its x is zoomed out of view.
    expect(layer[3]!.encoding.opacity).toEqual({ condition: { test: `inrange(datum["c"], domain('x'))`, value: 1 }, value: 0 });
  });

  it("turns a bare unit into a layer so it can get its hover layer, keeping size and data outside", () => {
    const out = interactiveSpec({ width: 300, data: { values: [{ t: 1, v: 2 }] }, mark: "line", encoding: { x: { field: "t", type: "quantitative" }, y: { field: "v", type: "quantitative" } } }) as Json;
    expect(out.width).toBe(300);
    expect(out.data).toBeDefined();
    expect(out.layer.map((u: Json) => u.mark.type ?? u.mark)).toEqual(["line", "point"]);
  });

  it("leaves the input spec untouched", () => {
    const before = JSON.stringify(twoRuns);
    interactiveSpec(twoRuns, { zoom: true });
    expect(JSON.stringify(twoRuns)).toBe(before);
  });

  it("compiles every sweep chart, one run and two, without a vega-lite warning; the timeline's panels share one zoom", () => {
    const steps = [1, 2, 4].map((c) => ({ max_concurrency: c, output_throughput: 100 * c, request_throughput: c, median_ttft_ms: 10, p99_ttft_ms: 20, median_itl_ms: 2, p99_itl_ms: 3, median_e2el_ms: 50 * c, p99_e2el_ms: 80 * c, p50_ttft_ms: 10, p95_ttft_ms: 15, started_at_ms: 1000 * c, ended_at_ms: 1000 * c + 900, completed: 4 }));
    const points = { points: [1000, 2000, 3000, 4000].map((tMs, i) => ({ tMs, value: i })) };
    for (const runs of [[{ name: "a", steps, kneeConcurrency: 2 }], [{ name: "a", steps, kneeConcurrency: 2 }, { name: "b", steps, kneeConcurrency: null }]]) {
      const charts = sweepCharts({ runs: runs as never, timeline: { steps: [], kvCachePct: points, waiting: points, running: points } });
      for (const c of charts) {
        const zoom = c.name.endsWith("over-time");
        const compiled = compileChart(c.spec, { zoom });
        expect(compiled.warnings, c.name).toEqual([]);
        const scales = ((compiled.vegaSpec as Json).scales ?? []) as Json[];
        if (zoom) expect(scales.filter((s) => s.domainRaw).map((s) => s.name)).toEqual(["x"]);
      }
    }
  });
});
