/**
 * Goldens of the Prometheus report's PromQL (UPDATE_GOLDENS=1 rewrites them): every query parses with Prometheus'
 * own grammar (@prometheus-io/lezer-promql), and every metric name is one we know: every vLLM name from our one
 * table (metric-names.ts), SGLang/TGI names as inference-perf's. Real execution: test/scenarios-report/prometheus-report.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { metricFamily, parsePromql } from "../../dashboard/promql-syntax.ts";
import { ALL_METRIC_NAMES } from "../../server-metrics/metric-names.ts";
import { REPORT_METRICS, type PrometheusServerType } from "./prometheus-report-metrics.ts";
import { buildPrometheusReportQueries, formatWindow, reportSelector } from "./prometheus-report-queries.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../test/scenarios-report/goldens");
const UPDATE = process.env.UPDATE_GOLDENS === "1";
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const FILTERS = ['namespace="bench"'];

const HISTOGRAMS = new Set(
  Object.values(REPORT_METRICS).flatMap((t) => Object.values(t).flatMap((s) => (s.kind === "histogram" ? [s.name, ...(s.legacyName ? [s.legacyName] : [])] : []))),
);
const KNOWN_FAMILIES: Record<PrometheusServerType, ReadonlySet<string>> = {
  vllm: ALL_METRIC_NAMES,
  sglang: new Set(Object.values(REPORT_METRICS.sglang).map((s) => s.name)),
  tgi: new Set(Object.values(REPORT_METRICS.tgi).map((s) => s.name)),
};

function rendered(server: PrometheusServerType): string {
  return buildPrometheusReportQueries({ server, model: MODEL, filters: FILTERS, windowS: 181.7 })
    .map((q) => `# ${q.field}.${q.stat}\n${q.promql}\n`)
    .join("");
}

describe("Prometheus report PromQL goldens", () => {
  for (const server of ["vllm", "sglang", "tgi"] as const) {
    it(`${server}: matches the golden, parses, and names only known metrics`, () => {
      const path = join(GOLDEN_DIR, `prometheus-report-${server}.promql`);
      const text = rendered(server);
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(path, text);
      }
      expect(text, `golden ${path} (UPDATE_GOLDENS=1 to rewrite)`).toBe(readFileSync(path, "utf8"));
      for (const q of buildPrometheusReportQueries({ server, model: MODEL, filters: FILTERS, windowS: 181.7 })) {
        const found = parsePromql(q.promql);
        expect(found.errorOffsets, q.promql).toEqual([]);
        expect(found.unnamedSelectors, q.promql).toBe(0);
        expect(found.metricNames.length).toBeGreaterThan(0);
        for (const name of found.metricNames) expect(KNOWN_FAMILIES[server].has(metricFamily(name, HISTOGRAMS)), `${name} in ${q.promql}`).toBe(true);
        const labels = server === "tgi" ? ["namespace"] : ["model_name", "namespace"];
        for (const l of found.matcherLabels) expect(labels, q.promql).toContain(l);
      }
    });
  }
});

describe("query pieces", () => {
  it("window: Python's f'{d:.0f}s' (half to even), at least 1 s", () => {
    expect([formatWindow(181.7), formatWindow(2.5), formatWindow(3.5), formatWindow(3.49), formatWindow(0.2), formatWindow(0)]).toEqual(["182s", "2s", "4s", "3s", "1s", "1s"]);
  });

  it("selector: the model first for vLLM/SGLang, only the user's filters for TGI", () => {
    expect(reportSelector({ server: "vllm", model: 'a"b', filters: ['pod=~"x.*"'] })).toBe('{model_name="a\\"b",pod=~"x.*"}');
    expect(reportSelector({ server: "tgi", model: "m", filters: [] })).toBe("{}");
  });

  it("the templates, one per kind and statistic", () => {
    const q = buildPrometheusReportQueries({ server: "vllm", model: "m", filters: [], windowS: 60 });
    const get = (id: string) => q.find((x) => `${x.field}.${x.stat}` === id)?.promql;
    expect(get("requests.total")).toBe('sum(increase(vllm:request_success_total{model_name="m"}[60s]))');
    expect(get("prompt_tokens.avg")).toBe('avg_over_time(rate(vllm:prompt_tokens_total{model_name="m"}[60s])[60s:60s])');
    expect(get("prompt_tokens.per_second")).toBe('sum(rate(vllm:prompt_tokens_total{model_name="m"}[60s]))');
    expect(get("queue_length.avg")).toBe('avg_over_time(vllm:num_requests_waiting{model_name="m"}[60s])');
    expect(get("request_latency.avg")).toBe(
      'sum(rate(vllm:e2e_request_latency_seconds_sum{model_name="m"}[60s])) / (sum(rate(vllm:e2e_request_latency_seconds_count{model_name="m"}[60s])) > 0)',
    );
    expect(get("request_latency.p90")).toBe('histogram_quantile(0.9, sum(rate(vllm:e2e_request_latency_seconds_bucket{model_name="m"}[60s])) by (le))');
    expect(get("kv_cache_usage.p99")).toBe(
      'quantile_over_time(0.99, vllm:kv_cache_usage_perc{model_name="m"}[60s]) or quantile_over_time(0.99, vllm:gpu_cache_usage_perc{model_name="m"}[60s])',
    );
    const tgi = buildPrometheusReportQueries({ server: "tgi", model: "m", filters: [], windowS: 60 });
    expect(tgi.find((x) => x.field === "prompt_tokens" && x.stat === "per_second")?.promql).toBe("sum(rate(tgi_request_input_length_count{}[60s]))");
  });
});
