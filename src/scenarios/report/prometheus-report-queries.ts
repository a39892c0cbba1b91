/**
 * inference-perf's PromQL templates for its Prometheus report (kubernetes-sigs/inference-perf
 * inference_perf/client/modelserver/metrics/{counter,gauge,histogram}/base.py; research/inference-perf.md §1.6),
 * built from prometheus-report-metrics.ts. Pure; pinned by goldens (test/scenarios-report/goldens/).
 * Instant queries over a window W = `[{seconds:.0f}s]`:
 *   counter   total      sum(increase(M{f}[W]))
 *             avg        avg_over_time(rate(M{f}[W])[W:W])
 *             per_second sum(rate(M{f}[W]))
 *   gauge     avg        avg_over_time(M{f}[W])
 *             median/p90/p99  quantile_over_time(0.5|0.9|0.99, M{f}[W])
 *   histogram avg        sum(rate(M_sum{f}[W])) / (sum(rate(M_count{f}[W])) > 0)
 *             median/p90/p99  histogram_quantile(0.5|0.9|0.99, sum(rate(M_bucket{f}[W])) by (le))
 *             per_second sum(rate(M_count{f}[W]))
 * `{f}` = `model_name="<model>"` (vLLM, SGLang) then `metrics.prometheus.filters`, comma-joined. A legacy name is
 * the same query again on the old name, joined with `or` (the left side wins when both exist).
 * Like inference-perf, gauges and the counter `avg` are not aggregated over series: with several pods the report
 * takes the first series Prometheus returns.
 */
import { quotePromql } from "../../server-metrics/promql-selector.ts";
import { filtersByModel, REPORT_METRICS, type PrometheusServerType, type ReportField, type ReportMetricSpec, type ReportStat } from "./prometheus-report-metrics.ts";

export interface ReportQuery {
  field: ReportField;
  stat: ReportStat;
  promql: string;
}

export interface ReportQueryOptions {
  server: PrometheusServerType;
  model: string;
  /** `metrics.prometheus.filters`: PromQL label matchers such as `namespace="bench"`. */
  filters: readonly string[];
  windowS: number;
}

const QUANTILE: Partial<Record<ReportStat, string>> = { median: "0.5", p90: "0.9", p99: "0.99" };

/** Python's `f"{d:.0f}s"` (round half to even), at least 1 s: a zero-length range is not PromQL. */
export function formatWindow(seconds: number): string {
  const floor = Math.floor(seconds);
  const frac = seconds - floor;
  const rounded = frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return `${Math.max(1, rounded)}s`;
}

export function reportSelector(opts: Pick<ReportQueryOptions, "server" | "model" | "filters">): string {
  const matchers = filtersByModel(opts.server) ? [`model_name=${quotePromql(opts.model)}`, ...opts.filters] : [...opts.filters];
  return `{${matchers.join(",")}}`;
}

function template(kind: ReportMetricSpec["kind"], stat: ReportStat, m: string, f: string, w: string): string {
  const q = QUANTILE[stat];
  switch (kind) {
    case "counter":
      if (stat === "total") return `sum(increase(${m}${f}[${w}]))`;
      if (stat === "avg") return `avg_over_time(rate(${m}${f}[${w}])[${w}:${w}])`;
      if (stat === "per_second") return `sum(rate(${m}${f}[${w}]))`;
      break;
    case "gauge":
      if (stat === "avg") return `avg_over_time(${m}${f}[${w}])`;
      if (q !== undefined) return `quantile_over_time(${q}, ${m}${f}[${w}])`;
      break;
    case "histogram":
      if (stat === "avg") return `sum(rate(${m}_sum${f}[${w}])) / (sum(rate(${m}_count${f}[${w}])) > 0)`;
      if (q !== undefined) return `histogram_quantile(${q}, sum(rate(${m}_bucket${f}[${w}])) by (le))`;
      if (stat === "per_second") return `sum(rate(${m}_count${f}[${w}]))`;
      break;
  }
  throw new RangeError(`no ${stat} query for a ${kind}`);
}

export function buildPrometheusReportQueries(opts: ReportQueryOptions): ReportQuery[] {
  const f = reportSelector(opts);
  const w = formatWindow(opts.windowS);
  const out: ReportQuery[] = [];
  for (const [field, spec] of Object.entries(REPORT_METRICS[opts.server]) as Array<[ReportField, ReportMetricSpec]>) {
    for (const stat of spec.stats) {
      const current = template(spec.kind, stat, spec.name, f, w);
      const promql = spec.legacyName === undefined ? current : `${current} or ${template(spec.kind, stat, spec.legacyName, f, w)}`;
      out.push({ field, stat, promql });
    }
  }
  return out;
}
