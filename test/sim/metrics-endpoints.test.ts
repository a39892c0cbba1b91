import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { postJson, rawRequest } from "./raw-http.ts";
import { promtoolProblems, skipWithoutPromtool } from "./promtool.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const skipPromtool = skipWithoutPromtool();
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speedup: 20, dcgmPort: 0 });
});
afterAll(async () => {
  await sim.close();
});

/** The value of one sample line, e.g. `vllm:prompt_tokens_total{...}`. */
function sample(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && l.includes(labels));
  if (!line) throw new Error(`no sample ${name} ${labels}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("/metrics (vLLM names)", () => {
  it("counters and histograms move by exactly what was served", async () => {
    const before = (await rawRequest(sim.url, { path: "/metrics" })).body;
    const bodies = [
      { model: MODEL, prompt: "one two three", max_tokens: 20, ignore_eos: true, stream: true, stream_options: { include_usage: true } },
      { model: MODEL, prompt: "four", max_tokens: 7, ignore_eos: true, stream: true, stream_options: { include_usage: true } },
      { model: MODEL, prompt: "five six", max_tokens: 3000, stream: true, stream_options: { include_usage: true } },
    ];
    const usages = await Promise.all(
      bodies.map(async (b) => {
        const r = await postJson(sim.url, "/v1/completions", b);
        const last = JSON.parse(r.events.at(-2)!.data) as { usage: { prompt_tokens: number; completion_tokens: number } };
        return last.usage;
      }),
    );
    const after = (await rawRequest(sim.url, { path: "/metrics" })).body;
    const delta = (name: string, labels = "") => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("vllm:prompt_tokens_total")).toBe(usages.reduce((n, u) => n + u.prompt_tokens, 0));
    expect(delta("vllm:generation_tokens_total")).toBe(usages.reduce((n, u) => n + u.completion_tokens, 0));
    expect(delta("vllm:request_success_total", 'finished_reason="length"')).toBe(2);
    expect(delta("vllm:request_success_total", 'finished_reason="stop"')).toBe(1);
    expect(delta("vllm:time_to_first_token_seconds_count")).toBe(3);
    expect(delta("vllm:e2e_request_latency_seconds_count")).toBe(3);
    expect(delta("vllm:inter_token_latency_seconds_count")).toBe(usages.reduce((n, u) => n + u.completion_tokens - 1, 0));
    expect(after).toMatch(/vllm:cache_config_info\{block_size="16",[^}]*num_gpu_blocks="28019"[^}]*engine="0"\} 1/);
    expect(after).toContain(`vllm:kv_cache_usage_perc{model_name="${MODEL}",engine="0"}`);
    expect(after).toContain('vllm:time_to_first_token_seconds_bucket{le="2560"');
  });

  it("passes `promtool check metrics` (its only complaint: ':' in vLLM's names)", async (ctx) => {
    if (skipPromtool) ctx.skip();
    const text = (await rawRequest(sim.url, { path: "/metrics" })).body;
    const problems = promtoolProblems(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((p) => !p.endsWith("metric names should not contain ':'"))).toEqual([]);
  });

  it("exposes vllm:gpu_cache_usage_perc instead with legacyMetrics", async () => {
    const legacy = await startSimulator({ port: 0, legacyMetrics: true });
    try {
      const text = (await rawRequest(legacy.url, { path: "/metrics" })).body;
      expect(text).toContain("vllm:gpu_cache_usage_perc{");
      expect(text).not.toContain("vllm:kv_cache_usage_perc");
    } finally {
      await legacy.close();
    }
  });
});

describe("DCGM exporter endpoint", () => {
  it("serves the same text on /dcgm/metrics and on its own port, and shows activity after load", async () => {
    const idle = (await rawRequest(sim.url, { path: "/dcgm/metrics" })).body;
    expect(idle).toContain("# TYPE DCGM_FI_DEV_GPU_UTIL gauge");
    // keep the engine busy for most of the 1 s (real) sample period: 2,500 decode steps of ~7 ms at 20×
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postJson(sim.url, "/v1/completions", { model: MODEL, prompt: `load ${i}`, max_tokens: 2500, ignore_eos: true, stream: true }),
      ),
    );
    const busy = (await rawRequest(sim.url, { path: "/dcgm/metrics" })).body;
    expect(sample(busy, "DCGM_FI_DEV_GPU_UTIL")).toBeGreaterThan(50);
    expect(sample(busy, "DCGM_FI_PROF_DRAM_ACTIVE")).toBeGreaterThan(0.3);
    expect(sample(busy, "DCGM_FI_DEV_POWER_USAGE")).toBeGreaterThan(sample(idle, "DCGM_FI_DEV_POWER_USAGE"));
    expect(sample(busy, "DCGM_FI_DEV_FB_USED")).toBe(sample(idle, "DCGM_FI_DEV_FB_USED"));
    const own = await rawRequest(sim.dcgmUrl!.replace(/\/metrics$/, ""), { path: "/metrics" });
    expect(own.status).toBe(200);
    expect(own.body).toContain('modelName="NVIDIA H100 80GB HBM3"');
  });

  it("passes `promtool check metrics`, apart from the exporter's own camelCase labels", async (ctx) => {
    if (skipPromtool) ctx.skip();
    const problems = promtoolProblems((await rawRequest(sim.url, { path: "/dcgm/metrics" })).body);
    // dcgm-exporter's real labels (modelName, …) are camelCase; promtool lints that, and nothing else.
    expect(problems.filter((p) => !p.endsWith("label names should be written in 'snake_case' not 'camelCase'"))).toEqual([]);
  });
});
