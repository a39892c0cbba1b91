import { describe, expect, it } from "vitest";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { latencyFromVllm, sweepAggregate, sweepToBr, type SweepExportInput } from "./sweep-to-br.ts";
import { servingComponent } from "./br-document.ts";

const step = {
  duration: 2,
  completed: 8,
  failed: 2,
  total_input_tokens: 800,
  total_output_tokens: 400,
  request_throughput: 4,
  output_throughput: 200,
  total_token_throughput: 600,
  mean_ttft_ms: 50,
  median_ttft_ms: 48,
  std_ttft_ms: 5,
  p50_ttft_ms: 48,
  p99_ttft_ms: 70,
  "p99.9_ttft_ms": 71,
  mean_tpot_ms: 10,
  std_tpot_ms: 1,
  p90_tpot_ms: 12,
  mean_itl_ms: 10,
  mean_e2el_ms: 540,
  started_at_ms: Date.UTC(2026, 0, 2, 3, 4, 5, 250),
  ended_at_ms: Date.UTC(2026, 0, 2, 3, 4, 7, 250),
  errors_by_reason: {},
} as unknown as StepSummary;

const peaks = { kvCachePctMax: 42.5, kvCachePctP90: 40, runningMax: 8, waitingMax: 3, waitingP90: 2, gpuUtilPctMax: null, gpuUtilPctP90: null, powerWMax: null, preemptions: 0, samples: 5, underSampled: false } as unknown as StepPeaks;

const input: SweepExportInput = {
  runId: "20260102-030407-abcd",
  harnessVersion: "0.1.0",
  serving: { model: "m", serverVersion: "0.11.0", simulator: null, simulatorProfile: null, accelerator: null },
  config: { inputLen: 100, outputLen: 50, endpoint: "/v1/completions", ignoreEos: true },
  steps: [{ concurrency: 4, partial: false, step, peaks }],
};

describe("sweep → BR v0.2", () => {
  it("converts vLLM's ms keys to seconds, median as p50 when p50 is absent, p99.9 as p99p9", () => {
    expect(latencyFromVllm(step as never, "ttft", "s")).toEqual({ units: "s", mean: 0.05, stddev: 0.005, p50: 0.048, p99: 0.07, p99p9: 0.071 });
    expect(latencyFromVllm({ mean_x_ms: 1 } as never, "e2el", "s")).toBeUndefined();
    expect(latencyFromVllm({ mean_ttft_ms: 4, median_ttft_ms: 2 } as never, "ttft", "s")).toEqual({ units: "s", mean: 0.004, p50: 0.002 });
  });

  it("requests, per-request lengths and rates from the step's totals", () => {
    const a = sweepAggregate(step);
    expect(a.requests).toEqual({ total: 10, failures: 2, input_length: { units: "count", mean: 100 }, output_length: { units: "count", mean: 50 } });
    expect(a.throughput).toEqual({
      input_token_rate: { units: "tokens/s", mean: 400 },
      output_token_rate: { units: "tokens/s", mean: 200 },
      total_token_rate: { units: "tokens/s", mean: 600 },
      request_rate: { units: "queries/s", mean: 4 },
    });
    expect(a.latency.time_per_output_token).toEqual({ units: "s/token", mean: 0.01, stddev: 0.001, p90: 0.012 });
    expect(a.latency.request_latency).toEqual({ units: "s", mean: 0.54 });
    expect(a.latency.normalized_time_per_output_token).toBeUndefined();
  });

  it("no latency, lengths or rates when nothing succeeded", () => {
    const a = sweepAggregate({ ...step, completed: 0, failed: 5 } as StepSummary);
    expect(a).toEqual({ requests: { total: 5, failures: 5 }, latency: {} });
  });

  it("one document per step: closed loop at c, run ids and window, peaks under kneepoint_step_peaks", () => {
    const [doc] = sweepToBr(input);
    expect(doc!.version).toBe("0.2.1");
    expect(doc!.run).toMatchObject({ uid: "kneepoint-20260102-030407-abcd-c4", eid: "kneepoint-20260102-030407-abcd", time: { start: "2026-01-02T03:04:05.250000Z", end: "2026-01-02T03:04:07.250000Z", duration: "PT2.000S" } });
    expect(doc!.scenario.load.standardized).toEqual({
      tool: "kneepoint", tool_version: "0.1.0", source: "random", stage: 0,
      input_seq_len: { distribution: "fixed", value: 100 }, output_seq_len: { distribution: "fixed", value: 50 }, concurrency: 4,
    });
    expect(doc!.scenario.load.standardized.rate_qps).toBeUndefined();
    expect(doc!.scenario.load.metadata.description).toBe("closed loop at concurrency 4: 10 requests, 100 in / 50 out tokens, /v1/completions");
    expect(doc!.results.observability?.kneepoint_step_peaks).toEqual({
      component_label: "vllm", window: "the step's wall-clock window", samples: 5, under_sampled: false,
      kv_cache_usage_percent_max: 42.5, kv_cache_usage_percent_p90: 40, running_requests_max: 8, waiting_requests_max: 3, waiting_requests_p90: 2, preemptions: 0,
    });
  });

  it("no output length when ignore_eos was off, no observability without peaks", () => {
    const [doc] = sweepToBr({ ...input, config: { ...input.config, ignoreEos: false }, steps: [{ concurrency: 1, partial: true, step, peaks: null }] });
    expect(doc!.scenario.load.standardized.output_seq_len).toBeUndefined();
    expect(doc!.results.observability).toBeUndefined();
    expect(doc!.run.keywords).toContain("partial");
  });
});

describe("serving component", () => {
  it("vLLM by its version; the simulator as itself; never an invented accelerator", () => {
    const vllm = servingComponent({ model: "m", serverVersion: "0.11.0", simulator: null, simulatorProfile: null, accelerator: null });
    expect(vllm.standardized).toEqual({ kind: "generic", tool: "vllm", tool_version: "0.11.0", model: { name: "m" } });
    expect(vllm.metadata.cfg_id).toMatch(/^[0-9a-f]{16}$/);
    const sim = servingComponent({ model: "m", serverVersion: "0.11.0", simulator: "kneepoint-sim 0.1.0", simulatorProfile: "h100-8b", accelerator: null });
    expect(sim.standardized).toMatchObject({ tool: "kneepoint-sim", tool_version: "0.1.0", simulated: true, profile: "h100-8b", emulates: "vllm 0.11.0" });
    const unknown = servingComponent({ model: null, serverVersion: null, simulator: null, simulatorProfile: null, accelerator: null });
    expect(unknown.standardized).toEqual({ kind: "generic", tool: "openai-compatible", tool_version: "unknown" });
    const gpu = servingComponent({ model: "m", serverVersion: "0.11.0", simulator: null, simulatorProfile: null, accelerator: { model: "H100", count: 1 } });
    expect(gpu.standardized.accelerator).toEqual({ model: "H100", count: 1 });
  });
});
