import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DCGM, VLLM } from "../server-metrics/metric-names.ts";
import { DASHBOARD_PATH, DASHBOARD_UID, buildDashboard, renderDashboardJson } from "./build-dashboard.ts";
import { MODEL_NAME_QUERY } from "./dashboard-variables.ts";
import { DATASOURCE, type GridPos, type TimeseriesPanel } from "./grafana-json.ts";

const dashboard = buildDashboard();
const panels = dashboard.panels;
const timeseries = panels.filter((p): p is TimeseriesPanel => p.type === "timeseries");

function panel(title: string): TimeseriesPanel {
  const found = timeseries.find((p) => p.title === title);
  if (found === undefined) throw new Error(`no panel "${title}"`);
  return found;
}

function variable(name: string) {
  const found = dashboard.templating.list.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no variable $${name}`);
  return found;
}

/** Every value under a "datasource" key anywhere in the JSON. */
function datasourceRefs(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(datasourceRefs);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => (key === "datasource" ? [child] : datasourceRefs(child)));
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe("committed dashboard", () => {
  it("equals the generator's output", () => {
    const committed = readFileSync(fileURLToPath(new URL(`../../${DASHBOARD_PATH}`, import.meta.url)), "utf8");
    const stale = `${DASHBOARD_PATH} differs from the generator: run \`npx tsx src/dashboard/write-dashboard.ts\` and commit the result`;
    expect(committed === renderDashboardJson(dashboard), stale).toBe(true);
  });

  it("is 2-space JSON with a trailing newline", () => {
    const text = renderDashboardJson(dashboard);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toMatch(/^ {2}"/);
  });
});

describe("importable dashboard", () => {
  it("has a stable uid, no id and a current schema", () => {
    expect(dashboard.uid).toBe(DASHBOARD_UID);
    expect(dashboard.id).toBeNull();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.title).toBe("vLLM Serving");
  });

  it("asks for a Prometheus datasource on import", () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    expect(dashboard.__requires.map((r) => r.id)).toEqual(["grafana", "prometheus", "timeseries"]);
    expect(variable("datasource")).toMatchObject({ type: "datasource", query: "prometheus", current: { value: "${DS_PROMETHEUS}" } });
  });

  it("has the model and DCGM filter variables", () => {
    expect(variable("model_name")).toMatchObject({ type: "query", query: MODEL_NAME_QUERY, multi: true, includeAll: true, allValue: ".*", datasource: DATASOURCE });
    expect(MODEL_NAME_QUERY).toBe("label_values(vllm:num_requests_running, model_name)");
    for (const name of ["pod", "hostname"]) expect(variable(name)).toMatchObject({ type: "textbox", query: ".*", current: { value: ".*" } });
  });

  it("refers to datasources only through the variable (no absolute uids)", () => {
    const refs = datasourceRefs(dashboard);
    expect(refs.length).toBeGreaterThan(timeseries.length);
    for (const ref of refs) {
      const builtInAnnotations = { type: "grafana", uid: "-- Grafana --" };
      expect([DATASOURCE, builtInAnnotations]).toContainEqual(ref);
    }
  });
});

describe("panels", () => {
  it("have unique ids", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("each have a title, a unit, a grid position inside 24 columns, the datasource variable and queries", () => {
    expect(timeseries.length).toBeGreaterThanOrEqual(14);
    for (const p of timeseries) {
      expect(p.title.length, `panel ${p.id}`).toBeGreaterThan(0);
      expect(p.description.length, p.title).toBeGreaterThan(0);
      expect(p.fieldConfig.defaults.unit.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.w).toBeGreaterThan(0);
      expect(p.gridPos.h).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.datasource).toEqual(DATASOURCE);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
      for (const t of p.targets) expect(t.datasource).toEqual(DATASOURCE);
    }
  });

  it("do not overlap", () => {
    panels.forEach((a, i) => panels.slice(i + 1).forEach((b) => expect(overlaps(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false)));
  });

  it("sit under rows for latency, throughput, scheduler & KV, and GPU", () => {
    expect(panels[0]?.type).toBe("row");
    expect(panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual(["Latency", "Throughput", "Scheduler & KV cache", "GPU (DCGM)"]);
  });

  it.each([
    ["Time to first token", "s"],
    ["Inter-token latency", "s"],
    ["End-to-end request latency", "s"],
    ["Token throughput", "short"],
    ["Finished requests by reason", "reqps"],
    ["Running and waiting requests", "short"],
    ["KV-cache usage", "percentunit"],
    ["Preemptions", "short"],
    ["GPU utilization", "percent"],
    ["GPU memory used", "mbytes"],
    ["GPU memory used (fraction)", "percentunit"],
    ["DRAM active (memory bandwidth)", "percentunit"],
    ["Tensor pipe active", "percentunit"],
    ["Power", "watt"],
  ])("%s is in %s", (title, unit) => {
    expect(panel(title).fieldConfig.defaults.unit).toBe(unit);
  });

  it("draw p50, p95, p99 and the mean of each latency histogram", () => {
    for (const title of ["Time to first token", "Inter-token latency", "End-to-end request latency"]) {
      expect(panel(title).targets.map((t) => t.legendFormat)).toEqual(["p50", "p95", "p99", "mean"]);
      expect(panel(title).targets[0]?.expr).toMatch(/^histogram_quantile\(0\.5, sum by \(le\) \(rate\(vllm:\w+_bucket\{model_name=~"\$model_name"\}\[\$__rate_interval\]\)\)\)/);
    }
  });

  it("query KV usage under the new and the legacy name, on a 0–1 axis", () => {
    const kv = panel("KV-cache usage");
    const exprs = kv.targets.map((t) => t.expr).join("\n");
    expect(exprs).toContain(VLLM.kvCacheUsage.name);
    expect(exprs).toContain(VLLM.kvCacheUsage.legacyName);
    expect(kv.fieldConfig.defaults).toMatchObject({ min: 0, max: 1 });
  });

  it("fall back to the legacy inter-token latency histogram", () => {
    const exprs = panel("Inter-token latency").targets.map((t) => t.expr);
    for (const expr of exprs) expect(expr).toContain(`${VLLM.interTokenLatency.legacyName}_`);
  });

  it("filter DCGM series by both pod labels and both hostname spellings", () => {
    for (const p of timeseries.filter((t) => t.targets.some((q) => q.expr.includes("DCGM_")))) {
      for (const t of p.targets) for (const label of ["pod=~", "exported_pod=~", "Hostname=~", "hostname=~"]) expect(t.expr, p.title).toContain(label);
    }
    expect(panel("GPU memory used (fraction)").targets[0]?.expr).toContain(`(${DCGM.fbUsed.name} + ${DCGM.fbFree.name})`);
  });
});
