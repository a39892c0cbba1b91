import { describe, expect, it } from "vitest";
import { planOutput } from "./output-plan.ts";
import { detokenize, tokenize } from "./tokenizer.ts";

describe("output plan", () => {
  it("uses exactly the budget with ignore_eos", () => {
    expect(planOutput({ seed: 1, promptKey: "p", budget: 128, ignoreEos: true })).toMatchObject({ tokens: 128, finishReason: "length" });
  });

  it("stops early with finish_reason stop at a seeded, prompt-dependent length", () => {
    const lengths = Array.from({ length: 400 }, (_, i) => planOutput({ seed: 42, promptKey: `prompt ${i}`, budget: 100_000, ignoreEos: false }));
    expect(lengths.every((p) => p.finishReason === "stop")).toBe(true);
    const sorted = lengths.map((p) => p.tokens).sort((a, b) => a - b);
    const median = sorted[200]!;
    expect(median).toBeGreaterThan(130);
    expect(median).toBeLessThan(240);
    expect(planOutput({ seed: 42, promptKey: "prompt 7", budget: 100_000, ignoreEos: false }).tokens).toBe(lengths[7]!.tokens);
    expect(planOutput({ seed: 42, promptKey: "prompt 7", budget: 5, ignoreEos: false })).toMatchObject({ tokens: 5, finishReason: "length" });
  });

  it("generates text that tokenizes back to its token count", () => {
    const plan = planOutput({ seed: 3, promptKey: "x", budget: 50, ignoreEos: true });
    const ids = Array.from({ length: plan.tokens }, () => plan.nextTokenId());
    expect(tokenize(detokenize(ids), false)).toEqual(ids);
  });
});
