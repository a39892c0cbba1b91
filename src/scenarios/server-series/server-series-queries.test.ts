/**
 * Goldens of the server time series' PromQL (UPDATE_GOLDENS=1 rewrites them): every query parses with
 * Prometheus' grammar and names only metrics of the report's table. Executed against a real Prometheus in
 * test/scenarios-run/prometheus-run.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { metricFamily, parsePromql } from "../../dashboard/promql-syntax.ts";
import { ALL_METRIC_NAMES } from "../../server-metrics/metric-names.ts";
import { REPORT_METRICS } from "../report/prometheus-report-metrics.ts";
import { buildServerSeriesQueries } from "./server-series-queries.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../test/scenarios-report/goldens");
const UPDATE = process.env.UPDATE_GOLDENS === "1";
const OPTS = { model: "meta-llama/Llama-3.1-8B-Instruct", filters: ['namespace="bench"'] };

describe("server time series PromQL", () => {
  for (const server of ["vllm", "sglang", "tgi"] as const) {
    it(`${server}: matches the golden, parses, names only the table's metrics`, () => {
      const queries = buildServerSeriesQueries({ server, ...OPTS });
      const text = Object.entries(queries).map(([k, q]) => `# ${k}\n${q}\n`).join("");
      const path = join(GOLDEN_DIR, `server-series-${server}.promql`);
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(path, text);
      }
      expect(text, `golden ${path} (UPDATE_GOLDENS=1 to rewrite)`).toBe(readFileSync(path, "utf8"));
      const known = server === "vllm" ? ALL_METRIC_NAMES : new Set(Object.values(REPORT_METRICS[server]).map((s) => s.name));
      for (const q of Object.values(queries)) {
        const found = parsePromql(q);
        expect(found.errorOffsets, q).toEqual([]);
        expect(found.unnamedSelectors, q).toBe(0);
        for (const name of found.metricNames) expect(known.has(metricFamily(name, new Set())), `${name} in ${q}`).toBe(true);
      }
    });
  }

  it("vLLM: KV of the busiest engine in %, legacy name as fallback; waiting and running summed", () => {
    expect(buildServerSeriesQueries({ server: "vllm", model: "m", filters: [] })).toEqual({
      kvCachePct: '100 * (max(vllm:kv_cache_usage_perc{model_name="m"}) or max(vllm:gpu_cache_usage_perc{model_name="m"}))',
      waiting: 'sum(vllm:num_requests_waiting{model_name="m"})',
      running: 'sum(vllm:num_requests_running{model_name="m"})',
    });
  });

  it("byPod: the same queries kept per pod, each parsing with Prometheus' grammar", () => {
    const queries = buildServerSeriesQueries({ server: "vllm", model: "m", filters: [], byPod: true });
    expect(queries).toEqual({
      kvCachePct: '100 * (max by (pod) (vllm:kv_cache_usage_perc{model_name="m"}) or max by (pod) (vllm:gpu_cache_usage_perc{model_name="m"}))',
      waiting: 'sum by (pod) (vllm:num_requests_waiting{model_name="m"})',
      running: 'sum by (pod) (vllm:num_requests_running{model_name="m"})',
    });
    for (const q of Object.values(queries)) expect(parsePromql(q).errorOffsets, q).toEqual([]);
  });

  it("series the server type has no gauge for are left out (TGI: only its queue)", () => {
    expect(Object.keys(buildServerSeriesQueries({ server: "tgi", model: "m", filters: [] }))).toEqual(["waiting"]);
    expect(Object.keys(buildServerSeriesQueries({ server: "sglang", model: "m", filters: [] }))).toEqual(["kvCachePct", "waiting"]);
  });
});
