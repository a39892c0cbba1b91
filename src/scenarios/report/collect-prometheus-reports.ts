/**
 * `summary_prometheus_metrics.json` and `stage_N_prometheus_metrics.json` (when `metrics.type: prometheus` and
 * `report.prometheus.summary` / `per_stage`): waits for the last scrape (prometheus-windows.ts), sends
 * inference-perf's queries (prometheus-report-queries.ts) through our Prometheus client, and shapes the answers
 * (build-prometheus-report.ts). A query that fails becomes null plus a warning, as inference-perf keeps going;
 * when not one query of the run got an answer, Prometheus is unreachable or wrong: the files are left out and
 * the caller gets an EnvironmentError to raise after the other reports are stored.
 */
import { EnvironmentError, KneepointError } from "../../errors.ts";
import { createPrometheusClient, type PrometheusClient } from "../../server-metrics/prometheus-client.ts";
import type { ReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";
import { buildPrometheusReport, readPromValue, type PromValue, type PromValues } from "./build-prometheus-report.ts";
import type { PrometheusServerType } from "./prometheus-report-metrics.ts";
import { buildPrometheusReportQueries } from "./prometheus-report-queries.ts";
import { promReadyAtMs, stagePromWindow, summaryPromWindow, type PromWindow } from "./prometheus-windows.ts";

export interface PrometheusReportOptions {
  /** `metrics.prometheus.url`. */
  url: string;
  /** Bearer token for the Prometheus API (never written anywhere). */
  token?: string;
  server: PrometheusServerType;
  /** The served model name (vLLM/SGLang series are filtered by it). */
  model: string;
  /** `metrics.prometheus.filters`. */
  filters: readonly string[];
  /** `metrics.prometheus.scrape_interval`, s. */
  scrapeIntervalS: number;
  /** `report.prometheus.summary` / `per_stage`. */
  summary: boolean;
  perStage: boolean;
  fetchFn?: typeof fetch;
}

export interface PrometheusReportDeps {
  /** Epoch ms. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface PrometheusReportOutcome {
  files: ReportFile[];
  warnings: string[];
  /** Set when no query got an answer: Prometheus is unreachable or not a Prometheus API. */
  failure: EnvironmentError | null;
}

const PARALLEL_QUERIES = 8;
const MAX_WARNINGS = 5;

export async function collectPrometheusReports(stages: readonly StageRun[], opts: PrometheusReportOptions, deps: PrometheusReportDeps): Promise<PrometheusReportOutcome> {
  const reported = stages.filter((s) => s.index >= 0);
  if (reported.length === 0 || (!opts.summary && !opts.perStage)) return { files: [], warnings: [], failure: null };
  const client = createPrometheusClient({ url: opts.url, ...(opts.token ? { token: opts.token } : {}), ...(opts.fetchFn ? { fetchFn: opts.fetchFn } : {}) });

  const waitMs = promReadyAtMs(reported, opts.scrapeIntervalS) - deps.clock();
  if (waitMs > 0) await deps.sleep(waitMs);

  const windows: Array<{ name: string; window: PromWindow }> = [];
  if (opts.summary) windows.push({ name: "summary_prometheus_metrics", window: summaryPromWindow(reported, deps.clock()) });
  if (opts.perStage) for (const s of reported) windows.push({ name: `stage_${s.index}_prometheus_metrics`, window: stagePromWindow(s, opts.scrapeIntervalS) });

  const errors: string[] = [];
  let answered = 0;
  const files: ReportFile[] = [];
  for (const { name, window } of windows) {
    const result = await queryWindow(client, opts, window);
    answered += result.answered;
    errors.push(...result.errors);
    files.push({ name, kind: "json", contents: buildPrometheusReport(result.values) });
    if (answered === 0) break; // the first window got nothing: do not wait out every other query
  }

  if (answered === 0) {
    return {
      files: [],
      warnings: [],
      failure: new EnvironmentError(
        `Prometheus at ${client.url} answered none of the report's queries, so no *_prometheus_metrics.json was written: ${errors[0] ?? "no query sent"}`,
        "check metrics.prometheus.url (a port-forward running?) and that it is the Prometheus API, or set metrics.type: default",
      ),
    };
  }
  const warnings = errors.slice(0, MAX_WARNINGS);
  if (errors.length > MAX_WARNINGS) warnings.push(`… and ${errors.length - MAX_WARNINGS} more failed Prometheus queries (null in the reports)`);
  return { files, warnings, failure: null };
}

async function queryWindow(client: PrometheusClient, opts: PrometheusReportOptions, { evalMs, windowS }: PromWindow) {
  const queries = buildPrometheusReportQueries({ server: opts.server, model: opts.model, filters: opts.filters, windowS });
  const values = new Map<string, PromValue>();
  const errors: string[] = [];
  let answered = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < queries.length; i = next++) {
      const q = queries[i]!;
      try {
        const { samples } = await client.query(q.promql, evalMs);
        values.set(`${q.field}.${q.stat}`, readPromValue(samples));
        answered++;
      } catch (err) {
        if (!(err instanceof KneepointError)) throw err;
        values.set(`${q.field}.${q.stat}`, null);
        errors.push(`Prometheus query for ${q.field} (${q.stat}) failed, null in the report: ${err.message.split("\n")[0]}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_QUERIES, queries.length) }, worker));
  return { values: values as PromValues, errors, answered };
}
