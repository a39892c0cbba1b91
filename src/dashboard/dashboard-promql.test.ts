import { describe, expect, it } from "vitest";
import { ALL_METRIC_NAMES, ALL_SERIES_NAMES, DCGM, LABELS, VLLM, type MetricDef } from "../server-metrics/metric-names.ts";
import { buildDashboard } from "./build-dashboard.ts";
import { MODEL_NAME_QUERY } from "./dashboard-variables.ts";
import {
  grafanaVariables,
  metricFamily,
  parsePromql,
  substituteGrafanaVariables,
} from "./promql-syntax.ts";

const dashboard = buildDashboard();
const DEFS: readonly MetricDef[] = [...Object.values(VLLM), ...Object.values(DCGM)];
const HISTOGRAMS = new Set(DEFS.filter((d) => d.type === "histogram").flatMap((d) => [d.name, ...(d.legacyName ? [d.legacyName] : [])]));
const TABLE_LABELS = new Set([...DEFS.flatMap((d) => d.labels), ...Object.values(LABELS).flat()]);

const exprs = dashboard.panels.flatMap((p) => (p.type === "timeseries" ? p.targets.map((t) => ({ panel: p.title, expr: t.expr })) : []));

describe("Grafana variable substitution", () => {
  it("puts a duration where the rate window is and a word where a regex value is", () => {
    expect(substituteGrafanaVariables('rate(x{model_name=~"$model_name"}[$__rate_interval])')).toBe('rate(x{model_name=~"placeholder"}[5m])');
    expect(substituteGrafanaVariables('x{a=~"${pod:regex}|"}[${__interval}]')).toBe('x{a=~"placeholder|"}[5m]');
  });

  it("is needed: the raw expression does not parse, the substituted one does", () => {
    const raw = 'rate(x{model_name=~"$model_name"}[$__rate_interval])';
    expect(parsePromql(raw).errorOffsets.length).toBeGreaterThan(0);
    expect(parsePromql(substituteGrafanaVariables(raw)).errorOffsets).toEqual([]);
  });

  it("leaves no variable behind in any dashboard expression", () => {
    for (const { expr } of exprs) expect(substituteGrafanaVariables(expr)).not.toContain("$");
  });
});

describe("the checker itself", () => {
  it("flags broken PromQL", () => {
    expect(parsePromql("sum by (le) (rate(x[5m])").errorOffsets.length).toBeGreaterThan(0);
    expect(parsePromql("rate(x{a=}[5m])").errorOffsets.length).toBeGreaterThan(0);
  });

  it("finds metric names (with colons), unnamed selectors and matcher labels", () => {
    const found = parsePromql('histogram_quantile(0.5, sum by (le) (rate(vllm:a_bucket{model_name=~"m"}[5m]))) or {__name__="b"}');
    expect(found.metricNames).toEqual(["vllm:a_bucket"]);
    expect(found.unnamedSelectors).toBe(1);
    expect(found.matcherLabels).toEqual(["model_name", "__name__"]);
  });

  it("strips histogram suffixes only from histogram families", () => {
    const families = new Set(["vllm:h"]);
    expect(metricFamily("vllm:h_bucket", families)).toBe("vllm:h");
    expect(metricFamily("vllm:h_count", families)).toBe("vllm:h");
    expect(metricFamily("vllm:g_count", families)).toBe("vllm:g_count");
  });
});

describe("dashboard PromQL", () => {
  it("has expressions to check", () => {
    expect(exprs.length).toBeGreaterThan(20);
  });

  it.each(exprs)("$panel: $expr parses", ({ expr }) => {
    const found = parsePromql(substituteGrafanaVariables(expr));
    expect(found.errorOffsets, `syntax error in: ${expr}`).toEqual([]);
    expect(found.unnamedSelectors).toBe(0);
  });

  it.each(exprs)("$panel: metric names are in the metric table", ({ expr }) => {
    const found = parsePromql(substituteGrafanaVariables(expr));
    expect(found.metricNames.length).toBeGreaterThan(0);
    for (const series of found.metricNames) {
      expect(ALL_METRIC_NAMES.has(metricFamily(series, HISTOGRAMS)), `${series} is not in src/server-metrics/metric-names.ts`).toBe(true);
      expect(ALL_SERIES_NAMES.has(series), `${series} is not a series the table exposes`).toBe(true);
    }
  });

  it.each(exprs)("$panel: matcher labels are known labels", ({ expr }) => {
    for (const label of parsePromql(substituteGrafanaVariables(expr)).matcherLabels) {
      expect(TABLE_LABELS.has(label), `label ${label} in ${expr}`).toBe(true);
    }
  });

  it("uses only variables the dashboard defines, or Grafana's interval", () => {
    const defined = new Set<string>([...dashboard.templating.list.map((v) => v.name), "__rate_interval"]);
    for (const { expr } of exprs) for (const name of grafanaVariables(expr)) expect(defined.has(name), `$${name} in ${expr}`).toBe(true);
  });

  it("fills the model list from a table metric and label", () => {
    const match = /^label_values\((.+), (\w+)\)$/.exec(MODEL_NAME_QUERY);
    expect(match).not.toBeNull();
    const found = parsePromql(match?.[1] ?? "");
    expect(found.errorOffsets).toEqual([]);
    expect(found.metricNames).toEqual([VLLM.running.name]);
    expect(VLLM.running.labels).toContain(match?.[2]);
  });
});
