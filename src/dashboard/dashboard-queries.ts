/**
 * PromQL for the Grafana dashboard, with Grafana's variables in place ($model_name, $pod, $hostname,
 * $__rate_interval). Metric and label names come only from the shared table, so a rename there reaches the
 * dashboard on the next `npx tsx src/dashboard/write-dashboard.ts`.
 */
import { LABELS, type MetricDef } from "../server-metrics/metric-names.ts";

export const VAR = {
  datasource: "datasource",
  modelName: "model_name",
  pod: "pod",
  hostname: "hostname",
} as const;

/** Grafana's rate window: at least four scrape intervals, so rate() never sees fewer than two samples. */
const RATE_WINDOW = "$__rate_interval";

/** A vLLM series of the selected models (`=~`, so multi-select and All both work). */
export function vllmSelector(seriesName: string): string {
  return `${seriesName}{${LABELS.modelName}=~"$${VAR.modelName}"}`;
}

export function vllmRate(seriesName: string): string {
  return `rate(${vllmSelector(seriesName)}[${RATE_WINDOW}])`;
}

/** Quantile q of a histogram family over all selected models and engines. */
export function histogramQuantile(q: number, family: string): string {
  return `histogram_quantile(${q}, sum by (le) (${vllmRate(`${family}_bucket`)}))`;
}

/** Mean of a histogram family: observed sum over observed count in the window. */
export function histogramMean(family: string): string {
  return `sum(${vllmRate(`${family}_sum`)}) / sum(${vllmRate(`${family}_count`)})`;
}

/**
 * The query for the current name, falling back to the legacy name for servers that only expose that one.
 * `or` keeps the left side where both sides carry the same labels, so during a deprecation window (both names
 * served) each series is drawn once, from the new name.
 */
export function withLegacyName(def: MetricDef, query: (name: string) => string): string {
  return def.legacyName === undefined ? query(def.name) : `${query(def.name)} or ${query(def.legacyName)}`;
}

/**
 * A DCGM series of the GPUs matching $pod and $hostname (regexes, default `.*`).
 * - The pod is `pod` when Prometheus scraped dcgm-exporter directly and `exported_pod` behind a ServiceMonitor
 *   with honorLabels: false (where `pod` is the exporter's own pod), hence one selector per label joined by `or`.
 * - The host label is `Hostname` on released dcgm-exporter and `hostname` on main; a series carries one of them,
 *   and an absent label reads as "", so `=~"$hostname|"` on both lets either spelling match.
 */
export function dcgmSelector(name: string): string {
  const host = LABELS.hostname.map((label) => `${label}=~"$${VAR.hostname}|"`).join(", ");
  const perPodLabel = LABELS.pod.map((label) => `${name}{${label}=~"$${VAR.pod}", ${host}}`);
  return perPodLabel.length === 1 ? (perPodLabel[0] ?? name) : `(${perPodLabel.join(" or ")})`;
}

/** One legend per GPU whichever host label the exporter writes (Grafana renders an absent label as ""). */
export const GPU_LEGEND = `${LABELS.hostname.map((label) => `{{${label}}}`).join("")} GPU {{${LABELS.gpu}}}`;

/** Per model; KV and scheduler series also per server and engine (DP rank). */
export const MODEL_LEGEND = `{{${LABELS.modelName}}}`;
export const ENGINE_LEGEND = `{{${LABELS.modelName}}} {{instance}} engine {{${LABELS.engine}}}`;

export function sumByModel(expr: string): string {
  return `sum by (${LABELS.modelName}) (${expr})`;
}
