/**
 * kneepoint's Prometheus report against inference-perf 0.7.0's own code (the installed release, run by
 * inference-perf-prometheus.py; no server, no Prometheus):
 *  - every PromQL string kneepoint sends is the one 0.7.0 builds for the same field and statistic, and kneepoint
 *    declares the same fields, metric kinds and names in 0.7.0's order (for vLLM, SGLang, TGI);
 *  - from the same answers (floats, integers, tiny values, NaN; fields kneepoint never queries), the
 *    summary_/stage_N_prometheus_metrics.json kneepoint writes is byte for byte what 0.7.0's
 *    `summarize_prometheus_metrics` + `json.dumps(indent=2)` writes.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildPrometheusReport, type PromAnswer, type PromAnswers } from "../../src/scenarios/report/build-prometheus-report.ts";
import { KIND_STATS, REPORT_METRICS, type MetricKind, type PrometheusServerType } from "../../src/scenarios/report/prometheus-report-metrics.ts";
import { buildPrometheusReportQueries } from "../../src/scenarios/report/prometheus-report-queries.ts";
import { pythonJsonDumps } from "../../src/scenarios/report/python-json.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";

const SKIP = skipReason(INFERENCE_PERF_NEWEST);
const SCRIPT = fileURLToPath(new URL("./inference-perf-prometheus.py", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const FILTERS = ['namespace="bench"', 'pod=~"vllm-.*"'];
const WINDOW_S = 181.5; // a tie: Python's .0f rounds to even, 182s
const CLASS: Record<string, MetricKind> = { CounterMetric: "counter", GaugeMetric: "gauge", HistogramMetric: "histogram" };

/** Answers of every shape a query can give: integers, long fractions, tiny values (exponent form), NaN. */
function answerFor(i: number): PromAnswer {
  if (i % 11 === 3) return { status: "not_finite", value: Number.NaN };
  if (i % 7 === 0) return { status: "ok", value: 100 * (i + 1) };
  if (i % 5 === 1) return { status: "ok", value: Number(((i + 1) * 1.3e-5).toFixed(6)) };
  return { status: "ok", value: Number(((i + 1) * 1.618034).toFixed(6)) };
}

function runInferencePerf(values: Record<string, number>): { queries: Record<PrometheusServerType, Array<[string, string, string[]]>>; report: string } {
  const input = JSON.stringify({ model: MODEL, window_s: WINDOW_S, filters: FILTERS, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number.isNaN(v) ? "NaN" : v])) });
  const res = spawnSync(peerBin(INFERENCE_PERF_NEWEST, "python"), [SCRIPT], { input, encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" }, timeout: 60_000 });
  if (res.status !== 0) throw new Error(`inference-perf-prometheus.py failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout);
}

describe.skipIf(SKIP)("the Prometheus report against inference-perf 0.7.0's own code", () => {
  const answers = new Map<string, PromAnswer>();
  const values: Record<string, number> = {};
  let i = 0;
  for (const spec of REPORT_METRICS.vllm) {
    for (const stat of KIND_STATS[spec.kind]) {
      const a = answerFor(i++);
      answers.set(`${spec.field}.${stat}`, a);
      values[`${spec.field}.${stat}`] = a.status === "ok" || a.status === "not_finite" ? a.value : 0;
    }
  }
  const ip = SKIP ? null : runInferencePerf(values);

  for (const server of ["vllm", "sglang", "tgi"] as const) {
    it(`${server}: the same fields, kinds and names in 0.7.0's order, and every query kneepoint sends is 0.7.0's string`, () => {
      const theirs = ip!.queries[server];
      expect(REPORT_METRICS[server].map((s) => [s.field, s.kind])).toEqual(theirs.map(([field, cls]) => [field, CLASS[cls]]));
      const ours = buildPrometheusReportQueries({ server, model: MODEL, filters: FILTERS, windowS: WINDOW_S });
      expect(ours.length).toBeGreaterThan(0);
      for (const q of ours) {
        const [, cls, queries] = theirs.find(([field]) => field === q.field)!;
        expect(q.promql, `${server} ${q.field}.${q.stat}`).toBe(queries[KIND_STATS[CLASS[cls]!].indexOf(q.stat)]);
      }
    });
  }

  it("the report file: byte for byte 0.7.0's json.dumps(summarize_prometheus_metrics(...), indent=2)", () => {
    const { mimic } = buildPrometheusReport(answers as PromAnswers);
    expect(pythonJsonDumps(mimic, { indent: 2, numberType: () => "float" })).toBe(ip!.report);
  });

  it("with every query failed: 0.7.0's all-zero file (its ModelServerMetrics defaults)", () => {
    const failed = new Map([...answers.keys()].map((k) => [k, { status: "failed", error: "unreachable" } as PromAnswer]));
    const { mimic } = buildPrometheusReport(failed as PromAnswers);
    expect(pythonJsonDumps(mimic, { indent: 2, numberType: () => "float" })).toBe(runInferencePerf({}).report);
  });
});
