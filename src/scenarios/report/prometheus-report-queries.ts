/**
 * inference-perf 0.7.0's PromQL for its Prometheus report, character for character
 * (inference_perf/client/modelserver/metrics/{counter,gauge,histogram}/base.py `get_queries`), built from
 * prometheus-report-metrics.ts. Pure; pinned by goldens (test/scenarios-report/goldens/) and checked against
 * 0.7.0's own classes (test/prometheus-parity/). Instant queries over W = `{seconds:.0f}s`, selector `{f}`:
 *   counter   total      sum(increase(M_total{f}[W]) or increase(M{f}[W]))
 *             avg        avg_over_time((rate(M_total{f}[W]) or rate(M{f}[W]))[W:W])
 *             per_second sum(rate(M_total{f}[W]) or rate(M{f}[W]))
 *             (M = the name without `_total`; a name ending in _count/_sum/_bucket has one leg, M itself)
 *   gauge     avg        avg_over_time(M{f}[W])
 *             median/p90/p99  quantile_over_time(0.5|0.9|0.99, M{f}[W])
 *   histogram avg        sum(rate(M_sum{f}[W])) / (sum(rate(M_count{f}[W])) > 0)
 *             median/p90/p99  histogram_quantile(0.5|0.9|0.99, sum(rate(M_bucket{f}[W])) by (le))
 *             per_second sum(rate(M_count{f}[W]))
 * `{f}` = `model_name='<model>'` (vLLM, SGLang; single quotes, not escaped, as 0.7.0 writes it) then
 * `metrics.prometheus.filters`, comma-joined; `{}` when empty. Only the statistics the report reads are sent
 * (0.7.0 sends every query of each metric and drops the rest); their text and order are 0.7.0's.
 * Like 0.7.0, gauges and the counter `avg` are not aggregated over series: with several pods the report takes the
 * first series Prometheus returns.
 */
import { filtersByModel, KIND_STATS, REPORT_METRICS, REPORT_READS, type MetricKind, type PrometheusServerType, type ReportField, type ReportStat } from "./prometheus-report-metrics.ts";

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

/** Python's `f"{d:.0f}s"`: round half to even (d is a positive window here). */
export function formatWindow(seconds: number): string {
  const floor = Math.floor(seconds);
  const frac = seconds - floor;
  const rounded = frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return `${rounded}s`;
}

/** The label matchers inside `{…}`: 0.7.0's `",".join(filters)`. */
export function reportFilters(opts: Pick<ReportQueryOptions, "server" | "model" | "filters">): string {
  return (filtersByModel(opts.server) ? [`model_name='${opts.model}'`, ...opts.filters] : [...opts.filters]).join(",");
}

function counterLegs(fn: string, name: string, f: string, d: string): string {
  const base = name.replace(/_total$/, "");
  if (/_(count|sum|bucket)$/.test(base)) return `${fn}(${base}{${f}}[${d}])`;
  return `${fn}(${base}_total{${f}}[${d}]) or ${fn}(${base}{${f}}[${d}])`;
}

function template(kind: MetricKind, stat: ReportStat, m: string, f: string, d: string): string {
  const q = QUANTILE[stat];
  switch (kind) {
    case "counter":
      if (stat === "total") return `sum(${counterLegs("increase", m, f, d)})`;
      if (stat === "avg") return `avg_over_time((${counterLegs("rate", m, f, d)})[${d}:${d}])`;
      if (stat === "per_second") return `sum(${counterLegs("rate", m, f, d)})`;
      break;
    case "gauge":
      if (stat === "avg") return `avg_over_time(${m}{${f}}[${d}])`;
      if (q !== undefined) return `quantile_over_time(${q}, ${m}{${f}}[${d}])`;
      break;
    case "histogram":
      if (stat === "avg") return `sum(rate(${m}_sum{${f}}[${d}])) / (sum(rate(${m}_count{${f}}[${d}])) > 0)`;
      if (q !== undefined) return `histogram_quantile(${q}, sum(rate(${m}_bucket{${f}}[${d}])) by (le))`;
      if (stat === "per_second") return `sum(rate(${m}_count{${f}}[${d}]))`;
      break;
  }
  throw new RangeError(`no ${stat} query for a ${kind}`);
}

export function buildPrometheusReportQueries(opts: ReportQueryOptions): ReportQuery[] {
  const f = reportFilters(opts);
  const d = formatWindow(opts.windowS);
  const out: ReportQuery[] = [];
  for (const spec of REPORT_METRICS[opts.server]) {
    const reads: readonly ReportStat[] = REPORT_READS[spec.field];
    for (const stat of KIND_STATS[spec.kind]) {
      if (reads.includes(stat)) out.push({ field: spec.field, stat, promql: template(spec.kind, stat, spec.name, f, d) });
    }
  }
  return out;
}
