import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildPrompts } from "./prompts.ts";
import { createApproximateTokenizer } from "../tokenizer/approximate-tokenizer.ts";
import type { TokenizerPort } from "../tokenizer/tokenizer-port.ts";
import { buildSweepPlan, describePlan } from "./sweep-plan.ts";
import { resolveSweepConfig } from "../config/read-sweep-config.ts";
import { buildRequestBody } from "./request-body.ts";

/**
 * A tokenizer whose decode/encode do not round-trip: ids ≥ 900 decode to two words that re-encode as two
 * other (stable) ids, so the first decode overshoots and prompt building must truncate and retry, as when a
 * BPE re-encoding splits or merges tokens differently.
 */
function lossyTokenizer(): TokenizerPort {
  return {
    source: "lossy test tokenizer",
    idRange: [100, 1000],
    encode: async (text) => text.split(" ").filter(Boolean).map((w) => Number(w.slice(1))),
    decode: async (ids) => ids.map((id) => (id >= 900 ? `t${id - 400} t${id - 800}` : `t${id}`)).join(" "),
    specialTokenCount: async () => 1,
  };
}

describe("prompts of exact token length", () => {
  it("hit the target (input length minus the special tokens) even when decode/encode does not round-trip", async () => {
    const set = await buildPrompts(lossyTokenizer(), { count: 20, inputLen: 256, seed: 42 });
    expect(set.targetTokens).toBe(255);
    expect(set.mismatched).toBe(0);
    const tok = lossyTokenizer();
    for (const p of set.prompts) {
      expect((await tok.encode(p.text)).length).toBe(255);
      expect(p.expectedPromptTokens).toBe(256);
    }
  });

  it("are byte-identical for the same seed and differ for another seed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1e6 }), async (seed) => {
        const a = await buildPrompts(createApproximateTokenizer(), { count: 3, inputLen: 32, seed });
        const b = await buildPrompts(createApproximateTokenizer(), { count: 3, inputLen: 32, seed });
        const c = await buildPrompts(createApproximateTokenizer(), { count: 3, inputLen: 32, seed: seed + 1 });
        expect(a.prompts.map((p) => p.text)).toEqual(b.prompts.map((p) => p.text));
        expect(a.prompts.map((p) => p.text)).not.toEqual(c.prompts.map((p) => p.text));
      }),
      { numRuns: 30 },
    );
  });

  it("gives each request its own prompt", async () => {
    const set = await buildPrompts(createApproximateTokenizer(), { count: 50, inputLen: 64, seed: 7 });
    expect(new Set(set.prompts.map((p) => p.text)).size).toBe(50);
  });
});

describe("the sweep plan", () => {
  it("is pure: one step per level, sorted, each with its own prompt seed", () => {
    const { config } = resolveSweepConfig([{ concurrency: [4, 1, 2] }]);
    const plan = buildSweepPlan(config);
    expect(plan.steps.map((s) => [s.concurrency, s.numPrompts])).toEqual([[1, 32], [2, 32], [4, 32]]);
    expect(new Set(plan.steps.map((s) => s.promptSeed)).size).toBe(3);
    expect(buildSweepPlan(config)).toEqual(plan);
    expect(plan.totalRequests).toBe(96);
    expect(describePlan(plan)).toContain("c=4");
  });
});

describe("request bodies", () => {
  it("match vllm bench serve's completions and chat shapes", () => {
    const opts = { model: "m", outputLen: 128, ignoreEos: true };
    expect(JSON.parse(buildRequestBody("hi", { ...opts, apiKind: "completion" }))).toEqual({
      model: "m", prompt: "hi", max_tokens: 128, stream: true, stream_options: { include_usage: true }, ignore_eos: true,
    });
    expect(JSON.parse(buildRequestBody("hi", { ...opts, apiKind: "chat", ignoreEos: false }))).toEqual({
      model: "m", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 128, stream: true, stream_options: { include_usage: true },
    });
  });
});
