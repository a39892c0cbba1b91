/**
 * Goldens of the Prometheus report's PromQL (UPDATE_GOLDENS=1 rewrites them): every query parses with Prometheus'
 * own grammar (@prometheus-io/lezer-promql), and every metric name is one we know: every vLLM name from our one
 * table (metric-names.ts), SGLang/TGI names as inference-perf 0.7.0's. Real execution: test/scenarios-report/prometheus-report.test.ts;
 * the same strings from 0.7.0's own classes: test/prometheus-parity/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { metricFamily, parsePromql } from "../../dashboard/promql-syntax.ts";
import { ALL_METRIC_NAMES } from "../../server-metrics/metric-names.ts";
import { REPORT_METRICS, type PrometheusServerType } from "./prometheus-report-metrics.ts";
import { buildPrometheusReportQueries, formatWindow, reportFilters } from "./prometheus-report-queries.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../test/scenarios-report/goldens");
const UPDATE = process.env.UPDATE_GOLDENS === "1";
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const FILTERS = ['namespace="bench"'];

const HISTOGRAMS = new Set(Object.values(REPORT_METRICS).flatMap((t) => t.flatMap((s) => (s.kind === "histogram" ? [s.name] : []))));
/** A counter is queried as `x_total` and `x` (0.7.0's two spellings): both stand for the family we know. */
const counterFamily = (name: string) => name.replace(/_total$/, "");
const known = (names: Iterable<string>) => new Set([...names].flatMap((n) => [n, counterFamily(n)]));
const KNOWN_FAMILIES: Record<PrometheusServerType, ReadonlySet<string>> = {
  vllm: known(ALL_METRIC_NAMES),
  sglang: known(REPORT_METRICS.sglang.map((s) => s.name)),
  tgi: known(REPORT_METRICS.tgi.map((s) => s.name)),
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
        for (const name of found.metricNames) {
          const family = metricFamily(name, HISTOGRAMS);
          expect(KNOWN_FAMILIES[server].has(family) || KNOWN_FAMILIES[server].has(counterFamily(family)), `${name} in ${q.promql}`).toBe(true);
        }
        const labels = server === "tgi" ? ["namespace"] : ["model_name", "namespace"];
        for (const l of found.matcherLabels) expect(labels, q.promql).toContain(l);
      }
    });
  }
});

describe("query pieces", () => {
  it("window: Python's f'{d:.0f}s' (half to even)", () => {
    expect([formatWindow(181.7), formatWindow(2.5), formatWindow(3.5), formatWindow(3.49)]).toEqual(["182s", "2s", "4s", "3s"]);
  });

  it("filters: model_name='<model>' first (single quotes, as 0.7.0 writes it) for vLLM/SGLang, only the user's for TGI", () => {
    expect(reportFilters({ server: "vllm", model: "m", filters: ['pod=~"x.*"'] })).toBe(`model_name='m',pod=~"x.*"`);
    expect(reportFilters({ server: "tgi", model: "m", filters: [] })).toBe("");
  });

  it("the templates, one per kind and statistic (0.7.0 counter/gauge/histogram base.py)", () => {
    const q = buildPrometheusReportQueries({ server: "vllm", model: "m", filters: [], windowS: 60 });
    const get = (id: string) => q.find((x) => `${x.field}.${x.stat}` === id)?.promql;
    expect(get("requests.total")).toBe("sum(increase(vllm:request_success_total{model_name='m'}[60s]) or increase(vllm:request_success{model_name='m'}[60s]))");
    expect(get("prompt_tokens.avg")).toBe(
      "avg_over_time((rate(vllm:prompt_tokens_total{model_name='m'}[60s]) or rate(vllm:prompt_tokens{model_name='m'}[60s]))[60s:60s])",
    );
    expect(get("prompt_tokens.per_second")).toBe("sum(rate(vllm:prompt_tokens_total{model_name='m'}[60s]) or rate(vllm:prompt_tokens{model_name='m'}[60s]))");
    expect(get("queue_length.avg")).toBe("avg_over_time(vllm:num_requests_waiting{model_name='m'}[60s])");
    expect(get("request_latency.avg")).toBe(
      "sum(rate(vllm:e2e_request_latency_seconds_sum{model_name='m'}[60s])) / (sum(rate(vllm:e2e_request_latency_seconds_count{model_name='m'}[60s])) > 0)",
    );
    expect(get("request_latency.p90")).toBe("histogram_quantile(0.9, sum(rate(vllm:e2e_request_latency_seconds_bucket{model_name='m'}[60s])) by (le))");
    expect(get("kv_cache_usage.p99")).toBe("quantile_over_time(0.99, vllm:kv_cache_usage_perc{model_name='m'}[60s])");
    expect(get("num_requests_swapped.total")).toBeUndefined();
    const sglang = buildPrometheusReportQueries({ server: "sglang", model: "m", filters: [], windowS: 60 });
    expect(sglang.find((x) => x.field === "requests" && x.stat === "total")?.promql).toBe("sum(increase(sglang:e2e_request_latency_seconds_count{model_name='m'}[60s]))");
    const tgi = buildPrometheusReportQueries({ server: "tgi", model: "m", filters: [], windowS: 60 });
    expect(tgi.find((x) => x.field === "prompt_tokens" && x.stat === "per_second")?.promql).toBe("sum(rate(tgi_request_input_length_count{}[60s]))");
  });
});
