import { describe, expect, it } from "vitest";
import { buckets125, createVllmMetrics } from "./vllm-metrics.ts";

const make = (legacyKvName = false) =>
  createVllmMetrics({
    modelName: "m",
    maxModelLen: 8192,
    legacyKvName,
    snapshot: () => ({ running: 3, waiting: 2, kvUsage: 0.25 }),
    cacheConfig: { block_size: "16", num_gpu_blocks: "100" },
  });

describe("vLLM metrics", () => {
  it("builds 1-2-5 buckets up to max_model_len like build_1_2_5_buckets", () => {
    expect(buckets125(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(buckets125(8192).at(-1)).toBe(5000);
  });

  it("exposes vLLM's names, labels and the engine state on its own registry", async () => {
    const m = make();
    m.observeFirstToken(0.03, 256);
    m.addGenerationTokens(128);
    m.observeFinished({ reason: "length", promptTokens: 256, generationTokens: 128, maxTokens: 128, e2eS: 1, queueS: 0, prefillS: 0.03, decodeS: 0.97 });
    const text = await m.registry.metrics();
    expect(text).toContain('vllm:num_requests_running{model_name="m",engine="0"} 3');
    expect(text).toContain('vllm:num_requests_waiting{model_name="m",engine="0"} 2');
    expect(text).toContain('vllm:kv_cache_usage_perc{model_name="m",engine="0"} 0.25');
    expect(text).not.toContain("gpu_cache_usage_perc");
    expect(text).toContain('vllm:prompt_tokens_total{model_name="m",engine="0"} 256');
    expect(text).toContain('vllm:generation_tokens_total{model_name="m",engine="0"} 128');
    expect(text).toContain('vllm:request_success_total{model_name="m",engine="0",finished_reason="length"} 1');
    expect(text).toContain('vllm:time_to_first_token_seconds_bucket{le="0.04",model_name="m",engine="0"} 1');
    expect(text).toContain('vllm:e2e_request_latency_seconds_bucket{le="7680",model_name="m",engine="0"} 1');
    expect(text).toContain('vllm:cache_config_info{block_size="16",num_gpu_blocks="100",engine="0"} 1');
    expect(await make(true).registry.metrics()).toContain('vllm:gpu_cache_usage_perc{model_name="m",engine="0"} 0.25');
  });

  it("keeps two instances apart (no global registry)", async () => {
    const a = make();
    const b = make();
    a.addGenerationTokens(5);
    expect(await b.registry.metrics()).toContain('vllm:generation_tokens_total{model_name="m",engine="0"} 0');
  });
});
