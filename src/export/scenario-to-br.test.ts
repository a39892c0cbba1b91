import { describe, expect, it } from "vitest";
import type { BrPartialReport } from "../scenarios/report/br-partial-report.ts";
import { sequenceLength } from "./br-document.ts";
import { redactScenarioConfig, scenarioToBr, stageObservability, type ScenarioExportInput } from "./scenario-to-br.ts";

const partial: BrPartialReport = {
  version: "0.2.1",
  run: { uid: "inference-perf-stage-0-0123abcd", eid: "inference-perf-experiment-89abcdef", time: { start: "2026-01-02T03:04:05Z", end: "2026-01-02T03:04:07.500000Z", duration: "PT2.500S" } },
  results: { request_performance: { aggregate: { requests: { total: 3, failures: 0, input_length: { units: "count", mean: 20 } }, latency: { time_to_first_token: { units: "s", mean: 0.02 } } } } },
};
const t0 = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;

const input: ScenarioExportInput = {
  harnessVersion: "0.1.0",
  serving: { model: "m", serverVersion: "0.11.0", simulator: null, simulatorProfile: null, accelerator: null },
  config: {
    data: { type: "random", input_distribution: { min: 10, max: 30, mean: 20, std_dev: 5, type: "normal" }, output_distribution: { min: 8, max: 8, mean: 8, std_dev: 0 } },
    load: { type: "poisson", stages: [{ rate: 2, duration: 3 }] },
    server: { ignore_eos: true, api_key: "sk-secret", base_url: "http://x" },
    api: { headers: { Authorization: "Bearer sk-secret" } },
  },
  stages: [{ stage: 0, partial, requestedRate: 2 }],
  series: [
    { t_epoch_s: t0 - 1, kv_cache_usage_perc: 0.9, num_requests_running: 9, num_requests_waiting: 9 },
    { t_epoch_s: t0, kv_cache_usage_perc: 0.1, num_requests_running: 1, num_requests_waiting: 0 },
    { t_epoch_s: t0 + 2, kv_cache_usage_perc: 0.3, num_requests_running: 3, num_requests_waiting: 2 },
    { t_epoch_s: t0 + 3, kv_cache_usage_perc: 0.9, num_requests_running: 9, num_requests_waiting: 9 },
  ],
};

describe("scenario → BR v0.2", () => {
  it("keeps the partial's run and results, adds stack, open-loop load and the stage window's server metrics", () => {
    const [doc] = scenarioToBr(input);
    expect(doc!.version).toBe("0.2.1");
    expect(doc!.run).toMatchObject(partial.run);
    expect(doc!.results.request_performance).toEqual(partial.results.request_performance);
    expect(doc!.scenario.stack[0]!.standardized).toEqual({ kind: "generic", tool: "vllm", tool_version: "0.11.0", model: { name: "m" } });
    expect(doc!.scenario.load.standardized).toEqual({
      tool: "kneepoint", tool_version: "0.1.0", source: "random", stage: 0,
      input_seq_len: { distribution: "gaussian", value: 20, std_dev: 5, min: 10, max: 30 },
      output_seq_len: { distribution: "fixed", value: 8 },
      rate_qps: 2,
    });
    expect(doc!.scenario.load.metadata.description).toBe("open loop (poisson) at 2 requests/s, random data, 20 in / 8 out tokens");
    const agg = doc!.results.observability!.components![0]!.aggregate!;
    expect(agg.kv_cache_usage).toMatchObject({ units: "fraction", mean: 0.2, min: 0.1, max: 0.3 });
    expect(agg.running_requests).toMatchObject({ units: "count", mean: 2, max: 3 });
    expect(agg.waiting_requests).toMatchObject({ units: "count", mean: 1, max: 2 });
  });

  it("never exports the API key or header values", () => {
    const [doc] = scenarioToBr(input);
    expect(JSON.stringify(doc)).not.toContain("sk-secret");
    expect(input.config.server).toMatchObject({ api_key: "sk-secret" });
    expect(redactScenarioConfig({ server: { api_key: null } })).toEqual({ server: { api_key: null } });
  });

  it("closed loop for a concurrent load; no observability outside the window", () => {
    const config = { ...input.config, load: { type: "concurrent", stages: [{ num_requests: 10, concurrency_level: 4 }] } };
    const [doc] = scenarioToBr({ ...input, config, stages: [{ stage: 0, partial, requestedRate: 0 }], series: [] });
    expect(doc!.scenario.load.standardized.concurrency).toBe(4);
    expect(doc!.scenario.load.standardized.rate_qps).toBeUndefined();
    expect(doc!.results.observability).toBeUndefined();
    expect(stageObservability(input.series, t0 + 10, t0 + 20, "vllm")).toBeNull();
  });

  it("output length only when ignore_eos enforces it; input from the measured mean without a distribution", () => {
    const config = { data: { type: "shareGPT" }, load: { type: "constant" }, server: {} };
    const [doc] = scenarioToBr({ ...input, config });
    expect(doc!.scenario.load.standardized).toMatchObject({ source: "sampled", input_seq_len: { distribution: "other", value: 20 } });
    expect(doc!.scenario.load.standardized.output_seq_len).toBeUndefined();
  });

  it("length distributions", () => {
    expect(sequenceLength({ mean: 5, std_dev: 0, min: 5, max: 5 })).toEqual({ distribution: "fixed", value: 5 });
    expect(sequenceLength({ type: "uniform", mean: 15, min: 10, max: 20 })).toEqual({ distribution: "uniform", value: 15, min: 10, max: 20 });
  });
});
