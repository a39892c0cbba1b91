/**
 * The per-pod summary under a run's terminal table (`kneepoint run`) when the run read several pods: seed 004's row
 * for the run, its pods' rows and the replica-balance verdict. Null for one pod (its queue and KV cache are in the
 * charts and the report already) or no queue/KV-cache series. Pure.
 */
import Table from "cli-table3";
import { timeseriesFromFile } from "../compare/from-report-files.ts";
import type { TimeseriesFile } from "../compare/scenario-report-files.ts";
import { podMetricsOfRuns } from "./pod-metrics-rows.ts";
import { POD_METRICS_ALIGNS, POD_METRICS_HEADERS, POD_METRICS_TITLE, POD_ROW_HEADERS } from "./pod-metrics-summary.ts";

function table(head: readonly string[], aligns: ReadonlyArray<"left" | "right">, rows: ReadonlyArray<readonly string[]>, color: boolean): string {
  const t = new Table({ head: [...head], style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] }, colAligns: [...aligns] });
  for (const r of rows) t.push([...r]);
  return t.toString();
}

export function renderRunPodMetrics(file: TimeseriesFile | null, opts: { label: string; color: boolean }): string | null {
  if (file === null) return null;
  const [run] = podMetricsOfRuns([{ label: opts.label, report: { timeseries: timeseriesFromFile(file) } }]);
  if (!run || run.podRows.length === 0) return null;
  const out = [POD_METRICS_TITLE, table(POD_METRICS_HEADERS, POD_METRICS_ALIGNS, [run.cells], opts.color)];
  out.push(table(POD_ROW_HEADERS, ["left", "right", "right", "right"], run.podRows, opts.color));
  if (run.imbalance) out.push(`verdict: ${run.imbalance.text}`);
  return out.join("\n");
}
