import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PROFILES } from "./profiles.ts";
import { decodeStepCost, kvBytesPerToken, kvCapacityBlocks, kvCapacityTokens, sequenceWork, stepCost, weightBytes } from "./roofline.ts";

const h100 = PROFILES["h100-8b"];
const starved = PROFILES["kv-starved"];
const MIB = 1024 * 1024;

describe("memory arithmetic", () => {
  it("KV bytes per token: 2 × layers × kv_heads × head_dim × 2 bytes", () => {
    expect(kvBytesPerToken(h100)).toBe(2 * 32 * 8 * 128 * 2); // 131,072 = 128 KiB
    expect(kvBytesPerToken(starved)).toBe(2 * 80 * 8 * 128 * 2); // 327,680 = 320 KiB
  });

  it("KV capacity = (framebuffer × 0.9 − weights − reserve) / block bytes, rounded down", () => {
    // h100-8b: 81,559 MiB × 0.9 = 76,968,990,310 B; − 16.06e9 weights − 2,048 MiB = 58,761,506,662 B;
    // / (131,072 × 16) = 28,019.6 → 28,019 blocks = 448,304 tokens
    expect(weightBytes(h100)).toBe(16.06e9);
    expect(kvCapacityBlocks(h100)).toBe(28_019);
    expect(kvCapacityTokens(h100)).toBe(448_304);
    // kv-starved: 76,968,990,310 − 70.6e9 − 3,584 MiB = 2,610,893,926 B; / (327,680 × 16) = 497.99 → 497
    expect(kvCapacityBlocks(starved)).toBe(497);
    expect(kvCapacityTokens(starved)).toBe(7_952);
  });

  it("h100x4-70b (tensor parallel 4): four framebuffers hold the bf16 70B and seed 004's 461,376 KV tokens", () => {
    const tp4 = PROFILES["h100x4-70b"];
    // 4 × 81,559 MiB × 0.9 = 307,874,915,942 B; − 141.2e9 weights − 14,773 MiB (15,490,613,248 B) = 151,184,302,694 B;
    // / (327,680 × 16) = 28,836.1 → 28,836 blocks = 461,376 tokens
    expect(kvCapacityBlocks(tp4)).toBe(28_836);
    expect(kvCapacityTokens(tp4)).toBe(461_376);
    // the work of a step spreads over the 4 GPUs: a 1,000-token prefill after 8,000 cached tokens costs what it costs
    // one GPU with 4 × the bandwidth and 4 × the FLOPs
    const work = sequenceWork(8000, 1000);
    const flops = 2 * 70.6e9 * 1000 + 4 * 80 * 64 * 128 * work.attentionPairs;
    expect(stepCost(tp4, work).computeMs).toBeCloseTo((flops / (4 * 989e12 * 0.4)) * 1000, 9);
    const bytes = 141.2e9 + 9000 * 327_680;
    expect(stepCost(tp4, work).memoryMs).toBeCloseTo((bytes / (4 * 3.35e12 * 0.8)) * 1000, 9);
  });

  it("kv-starved cannot hold the default sweep's top step (32 × (256 + 128) tokens) but holds c=16", () => {
    expect(32 * Math.ceil(384 / 16)).toBeGreaterThan(kvCapacityBlocks(starved));
    expect(16 * Math.ceil(384 / 16)).toBeLessThan(kvCapacityBlocks(starved));
  });

  it("a gpu_memory_utilization of 0.9 is what the capacity uses", () => {
    const bytes = h100.gpu.memoryMiB * MIB * 0.95 - weightBytes(h100) - h100.serving.nonKvReserveMiB * MIB;
    expect(kvCapacityBlocks(h100, 0.95)).toBe(Math.floor(bytes / (131_072 * 16)));
  });
});

describe("roofline step time", () => {
  it("batch-1 decode is bandwidth-bound: weight bytes (+ its KV) / effective bandwidth + overhead", () => {
    // context 256 → the step reads/writes 257 tokens of KV: 16.06e9 + 257 × 131,072 = 16,093,685,504 B
    // effective bandwidth 3.35e12 × 0.8 = 2.68e12 B/s → 6.00511 ms; + 1 ms overhead = 7.00511 ms
    const c = decodeStepCost(h100, 1, 256);
    expect(c.bound).toBe("memory");
    expect(c.bytes).toBe(16_093_685_504);
    expect(c.memoryMs).toBeCloseTo(6.00511, 4);
    expect(c.durationMs).toBeCloseTo(7.00511, 4);
    // FLOPs: 2 × 8.03e9 + attention 257 pairs × (4 × 32 × 32 × 128 = 524,288) → 0.0406 ms at 989e12 × 0.4
    expect(c.flops).toBe(2 * 8.03e9 + 257 * 524_288);
    expect(c.computeMs).toBeLessThan(0.05);
  });

  it("a full batch (256 sequences) is compute-bound", () => {
    // context 128: FLOPs = 2 × 8.03e9 × 256 + 256 × 129 × 524,288 = 4.1280e12 → 10.435 ms at 395.6 TFLOP/s
    // bytes = 16.06e9 + 256 × 129 × 131,072 = 20.389e9 → 7.608 ms at 2.68 TB/s
    const c = decodeStepCost(h100, 256, 128);
    expect(c.bound).toBe("compute");
    expect(c.computeMs).toBeCloseTo(10.435, 2);
    expect(c.memoryMs).toBeCloseTo(7.608, 2);
    expect(decodeStepCost(h100, 256, 320).bound).toBe("compute");
  });

  it("a prefill chunk is compute-bound", () => {
    // 2,048 prompt tokens: 2 × 8.03e9 × 2048 + attention 2048·2049/2 pairs → ~84 ms vs 6 ms of weight reads
    const c = stepCost(h100, sequenceWork(0, 2048));
    expect(c.bound).toBe("compute");
    expect(c.computeMs).toBeGreaterThan(10 * c.memoryMs);
  });

  it("decode throughput rises with the batch, then flattens", () => {
    const tokensPerS = (b: number) => (b / decodeStepCost(h100, b, 320).durationMs) * 1000;
    const gain = (b: number) => tokensPerS(2 * b) / tokensPerS(b);
    expect(gain(1)).toBeGreaterThan(1.95); // bandwidth-bound: doubling the batch is almost free
    expect(gain(16)).toBeGreaterThan(1.9);
    expect(gain(128)).toBeLessThan(gain(16));
    expect(gain(512)).toBeLessThan(1.1); // compute-bound: the knee
    for (let b = 1; b <= 1024; b *= 2) expect(gain(b)).toBeGreaterThan(1);
  });

  it("step time never decreases when work is added (property)", () => {
    fc.assert(
      fc.property(fc.nat(4096), fc.nat(100_000), fc.nat(1_000_000), fc.nat(512), (tokens, ctx, pairs, more) => {
        const a = stepCost(h100, { tokens, contextTokens: ctx, attentionPairs: pairs });
        const b = stepCost(h100, { tokens: tokens + more, contextTokens: ctx + more, attentionPairs: pairs + more });
        return b.durationMs >= a.durationMs && a.durationMs >= h100.serving.stepOverheadMs;
      }),
    );
  });
});
