/**
 * PromQL range queries for a scenario run's server time series (server_metrics_timeseries.json), when the run
 * reads a Prometheus (`metrics.type: prometheus`). Metric names come from the Prometheus report's table
 * (prometheus-report-metrics.ts: kv_cache_usage, queue_length, num_requests_running per server type, vLLM's
 * from src/server-metrics/metric-names.ts) and the selector is the report's (`model_name` + the config's
 * `metrics.prometheus.filters`), so the chart and the report read the same series. Aggregations as the sweep's
 * chart series (src/server-metrics/promql-queries.ts): KV of the busiest engine (max), in % like
 * TimeSeries; waiting and running summed over engines. vLLM's KV gauge under its legacy name
 * (vllm:gpu_cache_usage_perc) is the same query joined with `or`, as the sweep reads it (the Prometheus report
 * follows inference-perf 0.7.0, which does not). The selector quotes the model with PromQL's escaping. A series the server type has no metric for is left out (SGLang and TGI have no running gauge in the
 * table; TGI no KV gauge). Pure; pinned by goldens (test/scenarios-report/goldens/server-series-*.promql).
 */
import { VLLM } from "../../server-metrics/metric-names.ts";
import { quotePromql } from "../../server-metrics/promql-selector.ts";
import type { SeriesKey } from "../../server-metrics/time-series.ts";
import { filtersByModel, REPORT_METRICS, type PrometheusServerType, type ReportField } from "../report/prometheus-report-metrics.ts";

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

/** Older names of the gauges read here, still served by some versions. */
const LEGACY_NAMES: Readonly<Record<string, string>> = { [VLLM.kvCacheUsage.name]: VLLM.kvCacheUsage.legacyName! };

function aggregated(name: string, aggregate: "max" | "sum", selector: string, by: string): string {
  const one = (n: string) => `${aggregate}${by}(${n}${selector})`;
  const legacy = LEGACY_NAMES[name];
  return legacy === undefined ? one(name) : `(${one(name)} or ${one(legacy)})`;
}

function selectorOf(opts: ServerSeriesQueryOptions): string {
  const matchers = filtersByModel(opts.server) ? [`model_name=${quotePromql(opts.model)}`, ...opts.filters] : [...opts.filters];
  return `{${matchers.join(",")}}`;
}

/**
 * `byPod`: the same queries kept per replica (`max by (pod)`, `sum by (pod)`), for the per-pod table and charts of
 * a target with several pods (Prometheus' Kubernetes service discovery labels each target's series with `pod`).
 */
export function buildServerSeriesQueries(opts: ServerSeriesQueryOptions & { byPod?: boolean }): Partial<Record<SeriesKey, string>> {
  const by = opts.byPod ? " by (pod) " : "";
  const selector = selectorOf(opts);
  const table = REPORT_METRICS[opts.server];
  const out: Partial<Record<SeriesKey, string>> = {};
  for (const { key, field, aggregate, scale } of SOURCES) {
    const spec = table.find((s) => s.field === field);
    if (spec === undefined || spec.kind !== "gauge") continue;
    const q = aggregated(spec.name, aggregate, selector, by);
    out[key] = scale === 1 ? q : `${scale} * ${q}`;
  }
  return out;
}
