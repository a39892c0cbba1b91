/**
 * `summary_prometheus_metrics.json` and `stage_N_prometheus_metrics.json` (when `metrics.type: prometheus` and
 * `report.prometheus.summary` / `per_stage`), as inference-perf 0.7.0 writes them, and kneepoint's own record
 * of what was measured beside them, `kneepoint_prometheus_report.json` (a name no inference-perf glob reads:
 * analyze reads `stage_*_lifecycle_metrics.json`, converters `stage_*` / `summary_*`).
 *
 * Waits for the last scrape (prometheus-windows.ts), sends 0.7.0's queries (prometheus-report-queries.ts) for
 * the summary (from the run's start), the sweep's probe (stage −1) and every stage, and shapes the answers
 * (build-prometheus-report.ts). As in 0.7.0, a query that fails or answers no series is 0.0 in the inference-perf
 * files, and a Prometheus that answers nothing still gets its files, all zeros; the run goes on (0.7.0 exits 0).
 * kneepoint does not stay quiet about it: every failure is a warning on the terminal and a note in report.md, and
 * kneepoint_prometheus_report.json holds the report with null for every number not measured, each query's PromQL,
 * status and error. When Prometheus cannot be reached at all (a network error, not an HTTP answer), the other
 * queries are not sent: each would wait out the same timeout, and their 0.0 is the same.
 */
import { KneepointError } from "../../errors.ts";
import { createPrometheusClient, type PrometheusClient } from "../../server-metrics/prometheus-client.ts";
import type { ReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";
import { answerOf, buildPrometheusReport, unqueriedFields, type PromAnswer, type PrometheusReport } from "./build-prometheus-report.ts";
import type { PrometheusServerType, ReportField, ReportStat } from "./prometheus-report-metrics.ts";
import { buildPrometheusReportQueries, formatWindow, type ReportQuery } from "./prometheus-report-queries.ts";
import { probeSpan, promReadyAtMs, SCRAPE_BUFFER_S, stagePromWindow, summaryPromWindow, type PromWindow } from "./prometheus-windows.ts";

export const KNEEPOINT_PROMETHEUS_FILE = "kneepoint_prometheus_report";

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
  /** Epoch ms just before the load started (the sweep's probe included); default: the first stage's start. */
  runStartEpochMs?: number;
  /** The sweep probe's rungs: reported as one stage −1, as inference-perf's probe stage. */
  probeRuns?: ReadonlyArray<Pick<StageRun, "startEpochMs" | "endEpochMs">>;
  fetchFn?: typeof fetch;
}

export interface PrometheusReportDeps {
  /** Epoch ms. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface PrometheusReportOutcome {
  files: ReportFile[];
  /** Loud: what failed and where the truth is. */
  /** Loud: what failed and where the truth is. An unreachable Prometheus never fails the run (inference-perf exits 0). */
  warnings: string[];
}

type QueryStatus = { field: ReportField; stat: ReportStat; promql: string } & (
  | { status: "ok"; value: number }
  | { status: "no_series" }
  | { status: "not_finite"; value_text: string }
  | { status: "failed"; error: string }
);

interface WindowRecord {
  file: string;
  eval_epoch_s: number;
  window_s: number;
  window: string;
  report: PrometheusReport<number | null>;
  queries: QueryStatus[];
}

/** The run's start and the sweep probe's rungs, added to the config's Prometheus options (null: none configured). */
export function withRunWindows(
  opts: PrometheusReportOptions | null,
  runStartEpochMs: number,
  probeRuns: ReadonlyArray<Pick<StageRun, "startEpochMs" | "endEpochMs">>,
): PrometheusReportOptions | null {
  return opts && { ...opts, runStartEpochMs, probeRuns };
}

const PARALLEL_QUERIES = 8;
const MAX_LISTED_ERRORS = 3;

export async function collectPrometheusReports(stages: ReadonlyArray<Pick<StageRun, "index" | "startEpochMs" | "endEpochMs">>, opts: PrometheusReportOptions, deps: PrometheusReportDeps): Promise<PrometheusReportOutcome> {
  const measured = stages.filter((s) => s.index >= 0);
  const probe = probeSpan(opts.probeRuns ?? []);
  const runStartEpochMs = opts.runStartEpochMs ?? (measured.length > 0 ? Math.min(...measured.map((s) => s.startEpochMs)) : null);
  const windows: Array<{ name: string; window: PromWindow }> = [];
  const spans = [...(probe ? [probe] : []), ...measured];
  const readyAtMs = spans.length > 0 ? promReadyAtMs(spans, opts.scrapeIntervalS) : deps.clock() + (opts.scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
  const waitMs = readyAtMs - deps.clock();
  if ((opts.summary && runStartEpochMs !== null) || (opts.perStage && spans.length > 0)) {
    if (waitMs > 0) await deps.sleep(waitMs);
  }
  if (opts.summary && runStartEpochMs !== null) windows.push({ name: "summary_prometheus_metrics", window: summaryPromWindow(runStartEpochMs, deps.clock()) });
  if (opts.perStage) {
    if (probe) windows.push({ name: "stage_-1_prometheus_metrics", window: stagePromWindow(probe, opts.scrapeIntervalS) });
    for (const s of measured) windows.push({ name: `stage_${s.index}_prometheus_metrics`, window: stagePromWindow(s, opts.scrapeIntervalS) });
  }
  if (windows.length === 0) return { files: [], warnings: [] };

  const client = createPrometheusClient({ url: opts.url, ...(opts.token ? { token: opts.token } : {}), ...(opts.fetchFn ? { fetchFn: opts.fetchFn } : {}) });
  let unreachable: string | null = null;
  const records: WindowRecord[] = [];
  const files: ReportFile[] = [];
  for (const { name, window } of windows) {
    const queries = buildPrometheusReportQueries({ server: opts.server, model: opts.model, filters: opts.filters, windowS: window.windowS });
    const answers = await queryWindow(client, queries, window.evalMs, () => unreachable, (e) => (unreachable ??= e));
    const { mimic, truth } = buildPrometheusReport(answers);
    files.push({ name, kind: "json", contents: mimic, numberType: () => "float" });
    records.push({
      file: `${name}.json`,
      eval_epoch_s: window.evalMs / 1000,
      window_s: window.windowS,
      window: formatWindow(window.windowS),
      report: truth,
      queries: queries.map((q) => statusOf(q, answers.get(`${q.field}.${q.stat}`)!)),
    });
  }

  const queried = new Set(buildPrometheusReportQueries({ server: opts.server, model: opts.model, filters: opts.filters, windowS: 1 }).map((q) => q.field));
  const all = records.flatMap((r) => r.queries);
  const count = (s: QueryStatus["status"]) => all.filter((q) => q.status === s).length;
  const failed = all.filter((q): q is Extract<QueryStatus, { status: "failed" }> => q.status === "failed");
  files.push({
    name: KNEEPOINT_PROMETHEUS_FILE,
    kind: "json",
    contents: {
      about:
        "kneepoint's record of the Prometheus queries behind the *_prometheus_metrics.json files. Those are written as inference-perf 0.7.0 writes them: " +
        "a query that failed, found no series or was never sent is 0.0 there. Here `report` has the same keys with null where nothing was measured, " +
        "and `queries` the PromQL, status (ok | no_series | not_finite | failed) and error of each query.",
      prometheus_url: client.url,
      server: opts.server,
      queries: { sent: all.length, ok: count("ok"), no_series: count("no_series"), not_finite: count("not_finite"), failed: failed.length },
      not_queried: {
        fields: unqueriedFields(queried),
        why: `inference-perf 0.7.0 declares no metric for these fields for a ${opts.server} server: 0.0 in its files, never measured`,
      },
      reports: records,
    },
  });
  return { files, warnings: warningsFor(client.url, failed, all.length, unreachable, records) };
}

function statusOf(q: ReportQuery, a: PromAnswer): QueryStatus {
  const base = { field: q.field, stat: q.stat, promql: q.promql };
  switch (a.status) {
    case "ok":
      return { ...base, status: "ok", value: a.value };
    case "not_finite":
      return { ...base, status: "not_finite", value_text: String(a.value) };
    case "failed":
      return { ...base, status: "failed", error: a.error };
    case "no_series":
      return { ...base, status: "no_series" };
  }
}

async function queryWindow(
  client: PrometheusClient,
  queries: readonly ReportQuery[],
  evalMs: number,
  unreachable: () => string | null,
  markUnreachable: (error: string) => void,
): Promise<Map<`${ReportField}.${ReportStat}`, PromAnswer>> {
  const answers = new Map<`${ReportField}.${ReportStat}`, PromAnswer>();
  const ask = async (q: ReportQuery): Promise<void> => {
    const known = unreachable();
    if (known !== null) {
      answers.set(`${q.field}.${q.stat}`, { status: "failed", error: `not sent: ${known}` });
      return;
    }
    try {
      const { samples } = await client.query(q.promql, evalMs);
      answers.set(`${q.field}.${q.stat}`, answerOf(samples));
    } catch (err) {
      if (!(err instanceof KneepointError)) throw err;
      const error = err.message.split("\n")[0]!;
      answers.set(`${q.field}.${q.stat}`, { status: "failed", error });
      // A network error (no HTTP answer) is the same for every query: stop sending.
      if (err.cause !== undefined) markUnreachable(error);
    }
  };
  // The first query alone: an unreachable Prometheus costs one timeout, not one per query.
  if (queries.length > 0) await ask(queries[0]!);
  let next = 1;
  const worker = async () => {
    for (let i = next++; i < queries.length; i = next++) await ask(queries[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_QUERIES, queries.length) }, worker));
  return answers;
}

function warningsFor(url: string, failed: ReadonlyArray<{ error: string; field: string; stat: string }>, sent: number, unreachable: string | null, records: readonly WindowRecord[]): string[] {
  if (failed.length === 0) return [];
  const files = records.map((r) => r.file).join(", ");
  const where = `${KNEEPOINT_PROMETHEUS_FILE}.json records what was and was not measured`;
  if (unreachable !== null || failed.length === sent) {
    return [
      `PROMETHEUS REPORT NOT MEASURED: Prometheus at ${url} answered none of the ${sent} report queries (${unreachable ?? failed[0]!.error}). ` +
        `${files} are written zero-filled, as inference-perf writes them when its queries fail; their zeros are not measurements. ${where}. ` +
        `Check metrics.prometheus.url (a port-forward running?) and that it is the Prometheus API, or set metrics.type: default.`,
    ];
  }
  const errors = [...new Set(failed.map((f) => f.error))];
  const listed = errors.slice(0, MAX_LISTED_ERRORS).join("; ");
  const more = errors.length > MAX_LISTED_ERRORS ? `; … and ${errors.length - MAX_LISTED_ERRORS} other errors` : "";
  const fields = [...new Set(failed.map((f) => `${f.field}.${f.stat}`))];
  return [
    `${failed.length} of ${sent} Prometheus report queries failed (${fields.slice(0, 6).join(", ")}${fields.length > 6 ? ", …" : ""}): 0.0 in ${files}, as inference-perf writes them, ` +
      `not a measurement. ${where}. Errors: ${listed}${more}`,
  ];
}
