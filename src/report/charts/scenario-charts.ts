/**
 * The charts of a scenario report (one run) or comparison (several), with their file names and titles, and
 * a note for every chart left out or drawn for fewer runs than given: seed 004's latency vs QPS, throughput
 * vs QPS, TTFT p90 vs QPS, waiting queue vs time and KV-cache usage vs time. The time charts read each run's
 * server_metrics_timeseries.json; a run without one is named in a note. Pure.
 */
import { TIMESERIES_FILE } from "../compare/scenario-report-files.ts";
import type { LabelledRun } from "../compare/scenario-report.ts";
import { latencyVsQpsChart, ttftP90VsQpsChart } from "./latency-vs-qps-chart.ts";
import { assertDistinctLabels, stageRateRps, type RateAxis } from "./rate-axis.ts";
import { hasSeries, serverSeriesVsTimeChart, type ServerSeries } from "./server-series-vs-time-chart.ts";
import type { NamedChart } from "./sweep-charts.ts";
import { throughputVsQpsChart } from "./throughput-vs-qps-chart.ts";
import { hasPodSeries, podSeriesVsTimeChart } from "./pod-series-vs-time-chart.ts";

export const SCENARIO_CHARTS = {
  latency: { name: "latency-vs-qps", title: "Latency vs QPS" },
  throughput: { name: "throughput-vs-qps", title: "Throughput vs QPS" },
  ttftP90: { name: "ttft-p90-vs-qps", title: "TTFT p90 vs QPS" },
  waiting: { name: "waiting-queue-vs-time", title: "Waiting queue vs time" },
  kvCache: { name: "kv-cache-usage-vs-time", title: "KV-cache usage vs time" },
} as const;

/** Seed 004's per-pod charts, drawn only for runs whose target had several pods (a run suffix in a comparison). */
export const POD_CHARTS = {
  waiting: { name: "waiting-queue-per-pod-vs-time", title: "Waiting queue per pod vs time" },
  kvCache: { name: "kv-cache-usage-per-pod-vs-time", title: "KV-cache usage per pod vs time" },
} as const;

export interface TitledChart extends NamedChart {
  title: string;
}

export interface ScenarioChartsInput {
  runs: readonly LabelledRun[];
  /** Which rate is on x; default "achieved". */
  x?: RateAxis;
  /** Latency percentiles drawn in the latency chart; default 50, 90. */
  percentiles?: readonly number[];
  subtitle?: string;
}

export interface ScenarioCharts {
  charts: TitledChart[];
  notes: string[];
}

const list = (labels: string[]) => labels.join(", ");

export function scenarioCharts(input: ScenarioChartsInput): ScenarioCharts {
  const { runs } = input;
  assertDistinctLabels(runs);
  const x = input.x ?? "achieved";
  const base = { x, ...(input.subtitle ? { subtitle: input.subtitle } : {}) };
  const charts: TitledChart[] = [];
  const notes: string[] = [];

  const unplaced = runs.flatMap((r) => {
    const n = r.report.stages.filter((s) => stageRateRps(s, x) === null).length;
    return n > 0 ? [`${r.label} (${n} stage${n > 1 ? "s" : ""})`] : [];
  });
  if (unplaced.length > 0) {
    const fix = x === "requested" ? "closed-loop stages have no requested rate; --x achieved places them" : "the stage files have no achieved_rate";
    notes.push(`rate charts: stages without a ${x} rate are not drawn: ${list(unplaced)} (${fix})`);
  }
  const anyRate = runs.some((r) => r.report.stages.some((s) => stageRateRps(s, x) !== null));
  if (anyRate) {
    const pct = input.percentiles ? { percentiles: input.percentiles } : {};
    charts.push({ ...SCENARIO_CHARTS.latency, spec: latencyVsQpsChart(runs, { ...base, ...pct }) });
    charts.push({ ...SCENARIO_CHARTS.throughput, spec: throughputVsQpsChart(runs, base) });
    charts.push({ ...SCENARIO_CHARTS.ttftP90, spec: ttftP90VsQpsChart(runs, base) });
  } else {
    notes.push(`latency, throughput and TTFT p90 vs QPS: skipped, no stage has a ${x} rate`);
  }

  for (const series of ["waiting", "kvCache"] as const satisfies readonly ServerSeries[]) {
    const meta = SCENARIO_CHARTS[series];
    const withFile = runs.filter((r) => r.report.timeseries !== null);
    const drawn = runs.filter((r) => hasSeries(r, series));
    const noFile = runs.filter((r) => r.report.timeseries === null).map((r) => r.label);
    const noSeries = withFile.filter((r) => !hasSeries(r, series)).map((r) => r.label);
    const why = [
      ...(noFile.length > 0 ? [`no ${TIMESERIES_FILE} in ${list(noFile)}`] : []),
      ...(noSeries.length > 0 ? [`the series is absent from ${list(noSeries)}`] : []),
    ].join("; ");
    if (drawn.length === 0) {
      notes.push(`${meta.title}: skipped (${why})`);
      continue;
    }
    if (drawn.length < runs.length) notes.push(`${meta.title}: drawn for ${list(drawn.map((r) => r.label))} only (${why})`);
    charts.push({ ...meta, spec: serverSeriesVsTimeChart(runs, series, input.subtitle ? { subtitle: input.subtitle } : {}) });
  }
  // Seed 004's per-pod charts: for every run whose target had several pods, queue and KV cache per pod.
  for (const run of runs) {
    for (const series of ["waiting", "kvCache"] as const satisfies readonly ServerSeries[]) {
      if (!hasPodSeries(run, series)) continue;
      const meta = POD_CHARTS[series];
      const suffix = runs.length > 1 ? `-${slug(run.label)}` : "";
      charts.push({ name: meta.name + suffix, title: runs.length > 1 ? `${meta.title}: ${run.label}` : meta.title, spec: podSeriesVsTimeChart(run, series, input.subtitle ? { subtitle: input.subtitle } : {}) });
    }
  }
  return { charts, notes };
}

/** A label as a file-name part: lower case, runs of anything but letters and digits as one '-'. */
export function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "run";
}
