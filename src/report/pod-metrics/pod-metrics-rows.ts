/**
 * The per-pod part of a scenario report (markdown, terminal, HTML), built once from the runs: seed 004's
 * summary row per run, and for every run with several pods its pods' rows and the replica-balance verdict
 * (src/analysis/replica-balance.ts). Runs without server time series have no row. Pure.
 */
import { findReplicaImbalance, type ReplicaImbalance } from "../../analysis/replica-balance.ts";
import type { ScenarioReport } from "../compare/scenario-report.ts";
import { podMetricsCells, podRowCells, summarizePodMetrics, type PodMetricsSummary } from "./pod-metrics-summary.ts";

export interface RunPodMetrics {
  label: string;
  summary: PodMetricsSummary;
  /** Seed 004's row: Experiment, Wait Queue, KV Cache %, Pods, Data Points. */
  cells: string[];
  /** One row per pod (only for runs with more than one pod). */
  podRows: string[][];
  imbalance: ReplicaImbalance | null;
}

export function podMetricsOfRuns(runs: ReadonlyArray<{ label: string; report: Pick<ScenarioReport, "timeseries"> }>): RunPodMetrics[] {
  const out: RunPodMetrics[] = [];
  for (const { label, report } of runs) {
    const summary = summarizePodMetrics(report.timeseries);
    if (summary === null) continue;
    out.push({
      label,
      summary,
      cells: podMetricsCells(label, summary),
      podRows: summary.pods > 1 ? summary.perPod.map(podRowCells) : [],
      imbalance: findReplicaImbalance(summary.perPod),
    });
  }
  return out;
}
