/**
 * PromQL range queries for a scenario run's server time series (server_metrics_timeseries.json), when the run
 * reads a Prometheus (`metrics.type: prometheus`). Metric names come from the Prometheus report's table
 * (prometheus-report-metrics.ts: kv_cache_usage, queue_length, num_requests_running per server type, vLLM's
 * from src/server-metrics/metric-names.ts) and the selector is the report's (`model_name` + the config's
 * `metrics.prometheus.filters`), so the chart and the report read the same series. Aggregations as the sweep's
 * chart series (src/server-metrics/promql-queries.ts): KV of the busiest engine (max), in % like
 * TimeSeries; waiting and running summed over engines. A legacy name is the same query on the old name, joined
 * with `or`. A series the server type has no metric for is left out (SGLang and TGI have no running gauge in the
 * table; TGI no KV gauge). Pure; pinned by goldens (test/scenarios-report/goldens/server-series-*.promql).
 */
import type { SeriesKey } from "../../server-metrics/time-series.ts";
import { REPORT_METRICS, type PrometheusServerType, type ReportField, type ReportMetricSpec } from "../report/prometheus-report-metrics.ts";
import { reportSelector } from "../report/prometheus-report-queries.ts";

export interface ServerSeriesQueryOptions {
  server: PrometheusServerType;
  model: string;
  /** `metrics.prometheus.filters`: PromQL label matchers such as `namespace="bench"`. */
  filters: readonly string[];
}

const SOURCES: ReadonlyArray<{ key: SeriesKey; field: ReportField; aggregate: "max" | "sum"; scale: number }> = [
  { key: "kvCachePct", field: "kv_cache_usage", aggregate: "max", scale: 100 },
  { key: "waiting", field: "queue_length", aggregate: "sum", scale: 1 },
  { key: "running", field: "num_requests_running", aggregate: "sum", scale: 1 },
];

function aggregated(spec: ReportMetricSpec, aggregate: "max" | "sum", selector: string): string {
  const one = (name: string) => `${aggregate}(${name}${selector})`;
  return spec.legacyName === undefined ? one(spec.name) : `(${one(spec.name)} or ${one(spec.legacyName)})`;
}

export function buildServerSeriesQueries(opts: ServerSeriesQueryOptions): Partial<Record<SeriesKey, string>> {
  const selector = reportSelector(opts);
  const table = REPORT_METRICS[opts.server];
  const out: Partial<Record<SeriesKey, string>> = {};
  for (const { key, field, aggregate, scale } of SOURCES) {
    const spec = table[field];
    if (spec === undefined || spec.kind !== "gauge") continue;
    const q = aggregated(spec, aggregate, selector);
    out[key] = scale === 1 ? q : `${scale} * ${q}`;
  }
  return out;
}
