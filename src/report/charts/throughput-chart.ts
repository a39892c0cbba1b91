/**
 * Throughput vs concurrency: output tokens/s and requests/s side by side (two panels rather than a second
 * y axis, so several runs stay readable), concurrency on a log2 axis, the knee marked. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import {
  assertDistinctRunNames,
  finiteOrNull,
  stepsByConcurrency,
  sweptConcurrencies,
  type ChartOptions,
  type ChartRun,
} from "./chart-run.ts";
import { CHART_CONFIG, CHART_SIZE, type ConcatChild } from "./chart-theme.ts";
import { concurrencyX, isComparison, kneeLayers, runColor } from "./concurrency-encodings.ts";

export interface ThroughputRow {
  run: string;
  concurrency: number;
  outputTokensPerS: number | null;
  requestsPerS: number | null;
}

export function throughputRows(runs: readonly ChartRun[]): ThroughputRow[] {
  return runs.flatMap((run) =>
    stepsByConcurrency(run).map((s) => ({
      run: run.name,
      concurrency: s.max_concurrency,
      outputTokensPerS: finiteOrNull(s.output_throughput),
      requestsPerS: finiteOrNull(s.request_throughput),
    })),
  );
}

export function throughputVsConcurrencyChart(runs: readonly ChartRun[], opts: ChartOptions = {}): TopLevelSpec {
  assertDistinctRunNames(runs);
  const rows = throughputRows(runs);
  const ticks = sweptConcurrencies(runs);
  const panel = (field: keyof ThroughputRow, yTitle: string, first: boolean): ConcatChild => ({
    width: CHART_SIZE.halfWidth,
    height: CHART_SIZE.height,
    layer: [
      {
        transform: [{ filter: `isValid(datum.${field})` }],
        mark: { type: "line", point: true },
        encoding: {
          x: concurrencyX(ticks),
          y: { field, type: "quantitative", title: yTitle, scale: { zero: true }, axis: { format: ",~f" } },
          color: runColor(runs),
          detail: { field: "run" },
        },
      },
      ...kneeLayers(runs, { labels: first }),
    ],
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: isComparison(runs) ? "Throughput vs concurrency (comparison)" : "Throughput vs concurrency",
      ...(opts.subtitle ? { subtitle: opts.subtitle } : {}),
    },
    data: { values: rows },
    hconcat: [
      panel("outputTokensPerS", "Output throughput (tokens/s)", true),
      panel("requestsPerS", "Request throughput (req/s)", false),
    ],
    config: CHART_CONFIG,
  };
}
