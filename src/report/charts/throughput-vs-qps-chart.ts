/**
 * Throughput vs rate for scenario runs: output tokens/s and completed requests/s per stage, side by side,
 * the rate on x (achieved or requested, said by the axis title). The requests panel carries a dashed
 * diagonal where completed = the rate on x: a stage below it finished fewer requests than it was sent
 * (or asked to send), the sign of a saturated server. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { LabelledRun } from "../compare/scenario-report.ts";
import { CHART_CONFIG, CHART_SIZE, NOTE_COLOR, type ConcatChild } from "./chart-theme.ts";
import { assertDistinctLabels, isRunComparison, rateX, runLabelColor, stageRateRps, type RateAxis } from "./rate-axis.ts";
import type { QpsChartOptions } from "./latency-vs-qps-chart.ts";

export interface QpsThroughputRow {
  run: string;
  stage: number;
  rateRps: number;
  outputTokensPerS: number | null;
  requestsPerS: number | null;
}

export function qpsThroughputRows(runs: readonly LabelledRun[], axis: RateAxis): QpsThroughputRow[] {
  return runs.flatMap((run) =>
    run.report.stages.flatMap((stage) => {
      const rateRps = stageRateRps(stage, axis);
      if (rateRps === null) return [];
      const m = stage.lifecycle;
      return [{ run: run.label, stage: stage.index, rateRps, outputTokensPerS: m.outputTokensPerS, requestsPerS: m.requestsPerS }];
    }),
  );
}

export function throughputVsQpsChart(runs: readonly LabelledRun[], opts: QpsChartOptions): TopLevelSpec {
  assertDistinctLabels(runs);
  const rows = qpsThroughputRows(runs, opts.x);
  const maxRate = rows.reduce((m, r) => Math.max(m, r.rateRps), 0);
  const panel = (field: "outputTokensPerS" | "requestsPerS", yTitle: string): ConcatChild => ({
    width: CHART_SIZE.halfWidth,
    height: CHART_SIZE.height,
    layer: [
      ...(field === "requestsPerS" && maxRate > 0
        ? [
            {
              data: { values: [{ rateRps: 0, requestsPerS: 0 }, { rateRps: maxRate, requestsPerS: maxRate }] },
              mark: { type: "line" as const, strokeDash: [5, 4], color: NOTE_COLOR, strokeWidth: 1.2 },
              encoding: { x: { field: "rateRps", type: "quantitative" as const }, y: { field: "requestsPerS", type: "quantitative" as const } },
            },
          ]
        : []),
      {
        transform: [{ filter: `isValid(datum.${field})` }],
        mark: { type: "line", point: true },
        encoding: {
          x: rateX(opts.x, runs),
          y: { field, type: "quantitative", title: yTitle, scale: { zero: true }, axis: { format: ",~f" } },
          color: runLabelColor(runs),
          detail: { field: "run" },
          tooltip: [{ field: "run" }, { field: "stage" }, { field: "rateRps", format: ".3f" }, { field, format: ",.2f" }],
        },
      },
    ],
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: isRunComparison(runs) ? "Throughput vs QPS (comparison)" : "Throughput vs QPS",
      subtitle: [`dashed: completed requests/s = ${opts.x} rate`, ...(opts.subtitle ? [opts.subtitle] : [])],
    },
    data: { values: rows },
    hconcat: [panel("outputTokensPerS", "Output throughput (tokens/s)"), panel("requestsPerS", "Completed requests (req/s)")],
    config: CHART_CONFIG,
  };
}
