/**
 * The probes as a chart: per axis, each SLO's measured value ÷ its limit against the load (≤ 1 meets it), a
 * dashed line at 1, the answer marked by a vertical rule; circles passed the probe (every SLO), crosses failed it.
 * Pure: a Vega-Lite spec for src/report/charts/render-chart.ts.
 */
import type { TopLevelSpec } from "vega-lite";
import { CHART_CONFIG, CHART_SIZE, KNEE_COLOR, NOTE_COLOR, type ConcatChild } from "../report/charts/chart-theme.ts";
import type { NamedChart } from "../report/charts/sweep-charts.ts";
import type { CapacityDocument } from "./capacity-document.ts";

export const CAPACITY_CHART_NAME = "capacity-probes";

/** Log axis floor: a value of 0 (no errors) is drawn here, its tooltip keeps the real ratio. */
const RATIO_FLOOR = 0.01;

interface Row {
  level: number;
  slo: string;
  ratio: number;
  plotted: number;
  verdict: "pass" | "fail";
  probe: number;
}

function panel(doc: CapacityDocument, axis: "rate" | "concurrency", width: number): ConcatChild {
  const rows: Row[] = doc.probes
    .filter((p) => p.axis === axis && !p.partial)
    .flatMap((p) => p.readings.flatMap((r) => (r.ratio === null ? [] : [{ level: p.level, slo: r.slo, ratio: r.ratio, plotted: Math.max(r.ratio, RATIO_FLOOR), verdict: p.pass ? ("pass" as const) : ("fail" as const), probe: p.index }])));
  const answer = doc.results.find((r) => r.axis === axis)?.answer ?? null;
  const xTitle = axis === "rate" ? `Offered rate (req/s, ${doc.arrival} arrivals)` : "Concurrency (closed loop)";
  return {
    width,
    height: CHART_SIZE.height,
    layer: [
      { data: { values: [{ y: 1 }] }, mark: { type: "rule", strokeDash: [5, 4], color: NOTE_COLOR }, encoding: { y: { field: "y", type: "quantitative" } } },
      ...(answer !== null ? [{ data: { values: [{ x: answer }] }, mark: { type: "rule" as const, color: KNEE_COLOR, strokeWidth: 1.5 }, encoding: { x: { field: "x", type: "quantitative" as const } } }] : []),
      {
        data: { values: rows },
        mark: { type: "point", size: 80, filled: true },
        encoding: {
          x: { field: "level", type: "quantitative", title: xTitle, scale: { zero: false } },
          y: { field: "plotted", type: "quantitative", title: "Measured ÷ SLO limit (≤ 1 meets it)", scale: { type: "log" } },
          color: { field: "slo", type: "nominal", title: "SLO" },
          shape: { field: "verdict", type: "nominal", title: "Probe", scale: { domain: ["pass", "fail"], range: ["circle", "cross"] } },
          tooltip: [{ field: "probe" }, { field: "level", format: ".3~f" }, { field: "slo" }, { field: "ratio", format: ".3f" }, { field: "verdict" }],
        },
      },
    ],
  };
}

export function capacityCharts(doc: CapacityDocument): NamedChart[] {
  const axes = doc.results.map((r) => r.axis).filter((a) => doc.probes.some((p) => p.axis === a && !p.partial));
  if (axes.length === 0) return [];
  const width = axes.length === 1 ? CHART_SIZE.fullWidth : CHART_SIZE.halfWidth;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Capacity at SLO: probes", subtitle: ["red line: the answer; dashed: the SLO limit; circle: the probe met every SLO, cross: it failed one"] },
    hconcat: axes.map((a) => panel(doc, a, width)),
    config: CHART_CONFIG,
  };
  return [{ name: CAPACITY_CHART_NAME, spec }];
}
