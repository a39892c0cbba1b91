import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { isScenarioReportDir, readScenarioReportDir } from "../../src/report/compare/read-scenario-report-dir.ts";
import { distStat, successRate } from "../../src/report/compare/scenario-report.ts";
import { H100, KV_STARVED, LEGACY } from "./fixture-runs.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), "kp-scen-"));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

/** A minimal current-format stage file. */
function stage(over: { load?: object; successes?: object; failures?: object } = {}): object {
  return {
    benchmark_time_seconds: 10,
    load_summary: { count: 10, schedule_delay: { mean: 0.001, median: 0.001 }, send_duration: 9, requested_rate: 1, achieved_rate: 10 / 9, ...over.load },
    successes: {
      count: 10,
      latency: { time_to_first_token: { mean: 0.05, median: 0.04, p90: 0.08 }, inter_token_latency: null },
      throughput: { output_tokens_per_sec: 100, requests_per_sec: 1 },
      prompt_tokens: { total: 1000, cached: null, uncached: null, mean: 100 },
      ...over.successes,
    },
    failures: { count: 0, ...over.failures },
  };
}

async function usageError(dir: string): Promise<UsageError> {
  const err = await readScenarioReportDir(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe("readScenarioReportDir", () => {
  it("reads every stage, the summary, the Prometheus files, the time series and the config's labels", async () => {
    const r = await readScenarioReportDir(H100);
    expect(r.stages.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(r.stages.map((s) => s.lifecycle.load.requestedRateRps)).toEqual([1, 2, 4, 8]);
    expect(r.description).toEqual({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      data: "random, input 512, output 64 tokens",
      load: "constant, 4 stages: 1, 2, 4, 8 QPS, 20 s each",
    });
    expect(r.summary?.load.requestedRateRps).toBeNull(); // the summary has no stage rate
    expect(r.summary?.successCount).toBe(300); // 1+2+4+8 QPS × 20 s
    expect(r.stages.every((s) => s.prometheus !== null)).toBe(true);
    expect(r.summaryPrometheus?.kvCacheUsage).not.toBeNull();
    expect(r.timeseries?.samples.length).toBeGreaterThan(80);
    expect(r.timeseries?.stages.map((w) => w.stage)).toEqual([0, 1, 2, 3]);
    expect(r.notes).toEqual([]);

    // Values pass through unchanged (seconds), and p50 is read from `median`.
    const file = JSON.parse(readFileSync(join(H100, "stage_3_lifecycle_metrics.json"), "utf8"));
    const ttft = r.stages[3]!.lifecycle.latencyS.ttft;
    expect(distStat(ttft, "p50")).toBe(file.successes.latency.time_to_first_token.median);
    expect(distStat(ttft, "p99.9")).toBe(file.successes.latency.time_to_first_token["p99.9"]);
    expect(r.stages[3]!.lifecycle.load.achievedRateRps).toBe(file.load_summary.achieved_rate);
  });

  it("counts failures: 18 of the 160 requests at 8 QPS on the KV-starved profile timed out (142/160 = 88.75%)", async () => {
    const r = await readScenarioReportDir(KV_STARVED);
    const last = r.stages.at(-1)!.lifecycle;
    expect([last.successCount, last.failureCount]).toEqual([142, 18]);
    expect(successRate(last)).toBeCloseTo(142 / 160, 15);
    expect(r.stages.every((s) => s.prometheus === null)).toBe(true);
    expect(r.summaryPrometheus).toBeNull();
  });

  it("reads older files (prompt_len/output_len, no summary, no config) and says what is missing", async () => {
    const r = await readScenarioReportDir(LEGACY);
    const s0 = r.stages[0]!.lifecycle;
    expect(distStat(s0.promptTokens, "mean")).toBe(280);
    expect(distStat(s0.outputTokens, "mean")).toBe(200);
    expect([s0.successCount, s0.failureCount]).toEqual([297, 3]);
    expect(s0.benchmarkTimeS).toBeNull();
    expect(r.summary).toBeNull();
    expect(r.timeseries).toBeNull();
    expect(r.description).toEqual({ model: "unknown", data: "unknown", load: "unknown" });
    expect(r.notes).toEqual([`${LEGACY}: no config.yaml; model, data and load are unknown`, `${LEGACY}: no summary_lifecycle_metrics.json; its row of the summary table is empty`]);
  });

  it("drops the requested rate of a closed-loop stage (inference-perf stores the request count there) and keeps its concurrency", async () => {
    const dir = tempDir({ "stage_0_lifecycle_metrics.json": stage({ load: { requested_rate: 200, concurrency: 8 } }) });
    const r = await readScenarioReportDir(dir);
    expect(r.stages[0]!.lifecycle.load).toMatchObject({ requestedRateRps: null, concurrency: 8, achievedRateRps: 10 / 9 });
  });

  it("leaves out the sweep's probe stage (−1), drops null values of a distribution, and reads an empty one as absent", async () => {
    const dir = tempDir({ "stage_-1_lifecycle_metrics.json": stage(), "stage_0_lifecycle_metrics.json": stage(), "stage_2_lifecycle_metrics.json": stage() });
    const r = await readScenarioReportDir(dir);
    expect(r.stages.map((s) => s.index)).toEqual([0, 2]);
    expect(r.stages[0]!.lifecycle.promptTokens).toEqual({ total: 1000, mean: 100 });
    expect(r.stages[0]!.lifecycle.latencyS.itl).toBeNull();
  });

  it("reads inference-perf's NaN; prefers kneepoint_prometheus_report.json's nulls to the zero-filled files, and notes failed queries", async () => {
    const zeros = { successes: { queue_len: { mean: 0.0 }, num_requests_running: { mean: 0.0 }, kv_cache_usage_percentage: { mean: 0.0, median: 0.0 } } };
    const dir = tempDir({
      "stage_0_lifecycle_metrics.json": stage(),
      "stage_0_prometheus_metrics.json": '{"successes": {"queue_len": {"mean": NaN}, "num_requests_running": {"mean": 2.5}, "kv_cache_usage_percentage": {"mean": -Infinity}}}',
      "stage_1_lifecycle_metrics.json": stage(),
      "stage_1_prometheus_metrics.json": zeros,
      "kneepoint_prometheus_report.json": {
        prometheus_url: "http://prom:9090/",
        reports: [
          {
            file: "stage_1_prometheus_metrics.json",
            report: { successes: { queue_len: { mean: null }, num_requests_running: { mean: null }, kv_cache_usage_percentage: { mean: null, median: null } } },
            queries: [{ field: "queue_length", stat: "avg", status: "failed", error: "Prometheus is unreachable: ECONNREFUSED" }, { field: "kv_cache_usage", stat: "avg", status: "no_series" }],
          },
        ],
      },
    });
    const r = await readScenarioReportDir(dir);
    expect(r.stages[0]!.prometheus).toEqual({ queueLenMean: null, runningMean: 2.5, kvCacheUsage: null });
    expect(r.stages[1]!.prometheus).toEqual({ queueLenMean: null, runningMean: null, kvCacheUsage: null });
    expect(r.notes.join("\n")).toContain("**Prometheus at http://prom:9090/ failed 1 of 2 report queries** (Prometheus is unreachable: ECONNREFUSED)");
  });

  it("tells a scenario report directory from anything else", async () => {
    expect(await isScenarioReportDir(H100)).toBe(true);
    expect(await isScenarioReportDir(tempDir({ "summary.json": {}, "step-c1.json": {} }))).toBe(false);
    expect(await isScenarioReportDir(join(tmpdir(), "kp-does-not-exist-4711"))).toBe(false);
  });

  it("refuses a directory that is not a report directory, naming it and what is missing", async () => {
    const missing = join(tmpdir(), "kp-does-not-exist-4711");
    expect((await usageError(missing)).message).toBe(`${missing}: no such directory`);

    const empty = tempDir({});
    expect((await usageError(empty)).message).toBe(`${empty} is not a scenario report directory: no stage_N_lifecycle_metrics.json (it is empty)`);

    const sweep = tempDir({ "summary.json": {}, "step-c1.json": {}, "samples-c1.jsonl": "" });
    const err = await usageError(sweep);
    expect(err.message).toBe(`${sweep} is not a scenario report directory: no stage_N_lifecycle_metrics.json (it holds samples-c1.jsonl, step-c1.json, summary.json)`);
    expect(err.hint).toContain("without --compare");

    const file = join(tempDir({ "x.txt": "x" }), "x.txt");
    expect((await usageError(file)).message).toBe(`${file} is a file, not a report directory`);
  });

  it("names the file and the key of a damaged or foreign file", async () => {
    const broken = tempDir({ "stage_0_lifecycle_metrics.json": '{"load_summary": {' });
    expect((await usageError(broken)).message).toMatch(new RegExp(`^${join(broken, "stage_0_lifecycle_metrics.json")}: not valid JSON`));

    const wrongType = tempDir({ "stage_0_lifecycle_metrics.json": stage({ successes: { count: "ten" } }) });
    expect((await usageError(wrongType)).message).toMatch(/stage_0_lifecycle_metrics\.json: successes\.count: /);

    const noSuccesses = tempDir({ "stage_0_lifecycle_metrics.json": { load_summary: {} } });
    expect((await usageError(noSuccesses)).message).toMatch(/stage_0_lifecycle_metrics\.json: successes: /);
  });

  it("rejects a time series whose KV-cache usage is a percentage instead of vLLM's fraction", async () => {
    const dir = tempDir({
      "stage_0_lifecycle_metrics.json": stage(),
      "server_metrics_timeseries.json": { samples: [{ t_epoch_s: 1763928000, kv_cache_usage_perc: 87, num_requests_waiting: 0, num_requests_running: 3 }] },
    });
    const err = await usageError(dir);
    expect(err.message).toContain("server_metrics_timeseries.json: samples.0.kv_cache_usage_perc: must be a fraction in [0, 1]");
    expect(err.hint).toContain("t_epoch_s");

    const typo = tempDir({
      "stage_0_lifecycle_metrics.json": stage(),
      "server_metrics_timeseries.json": { samples: [{ t_epoch_s: 1763928000, kv_cache_usage_perc: 0.5, num_requests_waiting: 0, num_requests_running: 3, num_request_swapped: 0 }] },
    });
    expect((await usageError(typo)).message).toContain("samples.0");
  });

  it("keeps a config.yaml it cannot parse as a note, not a failure (the numbers do not depend on it)", async () => {
    const dir = tempDir({ "stage_0_lifecycle_metrics.json": stage(), "config.yaml": "load: [unclosed" });
    mkdirSync(join(dir, "sub"));
    const r = await readScenarioReportDir(dir);
    expect(r.description.model).toBe("unknown");
    expect(r.notes[0]).toMatch(/config\.yaml is not valid YAML/);
  });
});
