/**
 * The charts of a sweep report, each with the file name it is written under (`<name>.svg`, `<name>.png`):
 * throughput, latency percentiles and the latency–throughput curve for one run or a comparison of several,
 * and the KV-cache/queue timeline for a single run when server metrics were read. Pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ChartRun } from "./chart-run.ts";
import { latencyPercentilesChart } from "./latency-percentiles-chart.ts";
import { latencyVsThroughputChart } from "./latency-throughput-chart.ts";
import { serverTimelineChart, type ServerTimelineInput } from "./server-timeline-chart.ts";
import { throughputVsConcurrencyChart } from "./throughput-chart.ts";

export interface NamedChart {
  /** File name without extension, kebab-case. */
  name: string;
  spec: TopLevelSpec;
}

export interface SweepChartsInput {
  runs: readonly ChartRun[];
  /** Server series of a single run; omit (or compare several runs) and the timeline chart is left out. */
  timeline?: ServerTimelineInput;
  /** A line under every title, e.g. "meta-llama/Llama-3.1-8B-Instruct · run 20261123-201942-0f06". */
  subtitle?: string;
  /** Latency percentiles drawn per metric; default 50, 95, 99 (those not in the results are skipped). */
  percentiles?: readonly number[];
}

export const CHART_NAMES = {
  throughput: "throughput-vs-concurrency",
  latency: "latency-vs-concurrency",
  tradeOff: "latency-vs-throughput",
  timeline: "kv-cache-and-queue-over-time",
} as const;

export function sweepCharts(input: SweepChartsInput): NamedChart[] {
  const { runs } = input;
  if (runs.length === 0) return [];
  const opts = input.subtitle ? { subtitle: input.subtitle } : {};
  const charts: NamedChart[] = [
    { name: CHART_NAMES.throughput, spec: throughputVsConcurrencyChart(runs, opts) },
    {
      name: CHART_NAMES.latency,
      spec: latencyPercentilesChart(runs, { ...opts, ...(input.percentiles ? { percentiles: input.percentiles } : {}) }),
    },
    { name: CHART_NAMES.tradeOff, spec: latencyVsThroughputChart(runs, opts) },
  ];
  if (input.timeline && runs.length === 1) charts.push({ name: CHART_NAMES.timeline, spec: serverTimelineChart(input.timeline, opts) });
  return charts;
}
