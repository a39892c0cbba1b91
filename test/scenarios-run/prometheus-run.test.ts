/**
 * `kneepoint run` with `metrics.type: prometheus`, against a real Prometheus (Debian's /usr/bin/prometheus,
 * 1 s scrapes, the target labelled namespace="bench") scraping the simulator in deterministic mode. After the
 * stages, the run waits for the last scrape and writes inference-perf's Prometheus reports and the server time
 * series from range queries filtered like the report (model_name and metrics.prometheus.filters).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { TIMESERIES_FILE, timeseriesFileSchema } from "../../src/report/compare/scenario-report-files.ts";
import { skipWithoutPrometheus, startPrometheus, type RunningPrometheus } from "../prometheus/start-prometheus.ts";
import { runProgram, type ProgramRun } from "./run-program.ts";

const SKIP = skipWithoutPrometheus();
let sim: SimProcess;
let prom: RunningPrometheus;
let temp: string;
let run: ProgramRun;
const out = () => join(temp, "reports");

beforeAll(async () => {
  if (SKIP) return;
  temp = mkdtempSync(join(tmpdir(), "kp-prom-run-"));
  // 20 ms to the first token, then one every 5 ms: 64 tokens take ~0.34 s, so a few requests are always running.
  sim = await startSimProcess(["--ttft-ms", "20", "--itl-ms", "5"]);
  prom = await startPrometheus([{ name: "vllm", target: new URL(sim.url).host, metricsPath: "/metrics", labels: { namespace: "bench" } }], 1);
  const config = {
    api: { type: "completion", streaming: true },
    data: { type: "random", input_distribution: { mean: 64, std_dev: 0, min: 64, max: 64 }, output_distribution: { mean: 64, std_dev: 0, min: 64, max: 64 } },
    load: { type: "constant", interval: 0, stages: [{ rate: 5, duration: 2 }, { rate: 10, duration: 2 }] },
    server: { type: "vllm", base_url: sim.url, ignore_eos: true },
    metrics: { type: "prometheus", prometheus: { url: prom.url, scrape_interval: 1, filters: ['namespace="bench"'] } },
    report: { request_lifecycle: { summary: true, per_stage: true }, prometheus: { summary: true, per_stage: true } },
  };
  writeFileSync(join(temp, "config.yml"), stringify(config));
  run = await runProgram(["-c", join(temp, "config.yml"), "--output", out(), "--no-charts"]);
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await sim?.stop();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe.skipIf(SKIP)("kneepoint run with metrics.type: prometheus", () => {
  it("writes inference-perf's Prometheus reports and the server time series beside the lifecycle reports", () => {
    expect(run.error, run.stderr).toBeNull();
    expect(run.stderr).toContain(`server time series: range queries to Prometheus at ${prom.url} after the run (scrape interval 1 s)`);
    expect(run.stderr).not.toContain("warning:");
    expect(readdirSync(out()).sort()).toEqual([
      "config.yaml",
      "inference-perf.partial.stage_0.yaml",
      "inference-perf.partial.stage_1.yaml",
      "kneepoint_prometheus_report.json",
      "kneepoint_run.json",
      "server_metrics_timeseries.json",
      "stage_0_lifecycle_metrics.json",
      "stage_0_prometheus_metrics.json",
      "stage_1_lifecycle_metrics.json",
      "stage_1_prometheus_metrics.json",
      "summary_lifecycle_metrics.json",
      "summary_prometheus_metrics.json",
      "validation.json",
    ]);
  });

  it("the time series: one sample per scrape interval over the run, the simulator's running requests, an empty queue", () => {
    const file = timeseriesFileSchema.parse(JSON.parse(readFileSync(join(out(), TIMESERIES_FILE), "utf8")));
    expect(file.stages.map((s) => s.stage)).toEqual([0, 1]);
    const runS = file.stages[1]!.end_epoch_s - file.stages[0]!.start_epoch_s;
    expect(file.samples.length).toBeGreaterThanOrEqual(Math.floor(runS)); // a 1 s step over a ≥ 4 s window
    const gaps = file.samples.slice(1).map((s, i) => s.t_epoch_s - file.samples[i]!.t_epoch_s);
    for (const g of gaps) expect(g).toBeCloseTo(1, 6);
    expect(file.samples.some((s) => (s.num_requests_running ?? 0) > 0)).toBe(true);
    expect(file.samples.every((s) => s.num_requests_waiting === 0)).toBe(true);
    expect(file.samples.every((s) => s.kv_cache_usage_perc !== null && s.kv_cache_usage_perc >= 0 && s.kv_cache_usage_perc <= 1)).toBe(true);
  });
});
