/**
 * The simulator serving LoRA adapters as vLLM does: `--lora-modules` (name=path and the JSON form), /v1/models with a
 * card per adapter (root = path, parent = base model), a request naming an adapter served under its name, an unknown
 * model answered with vLLM's 404 body, vllm:lora_requests_info with vLLM's labels, and the adapter cost in the
 * performance model (max_loras scheduling, per-adapter step time), hand-computed on a 10 ms + 0.01 ms/token step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simOptionsFromFlags } from "../../src/cli/commands/sim.ts";
import { addRequest, advanceEngine, createEngineState, type EngineConfig, type TokenEvent } from "../../src/sim/engine-model.ts";
import { parseLoraModules } from "../../src/sim/lora-modules.ts";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import type { StepWork } from "../../src/sim/roofline.ts";
import { promtoolProblems, skipWithoutPromtool } from "../sim/promtool.ts";

describe("--lora-modules", () => {
  it("reads vLLM's two forms, and refuses a malformed one", () => {
    expect(parseLoraModules(["sql=/adapters/sql", '{"name": "chat", "path": "/a/chat", "base_model_name": "base"}'])).toEqual([
      { name: "sql", path: "/adapters/sql", base_model_name: null },
      { name: "chat", path: "/a/chat", base_model_name: "base" },
    ]);
    expect(() => parseLoraModules(["sql"])).toThrow(/Invalid format for --lora-modules: sql/);
    expect(() => parseLoraModules(["{not json"])).toThrow(/Invalid JSON format for --lora-modules/);
    expect(simOptionsFromFlags({ port: "0", loraModules: ["a=/x", "b=/y"], maxLoras: "2" })).toMatchObject({ loraModules: [{ name: "a" }, { name: "b" }], maxLoras: 2 });
  });
});

describe("simulator with adapters", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, ttftMs: 0, itlMs: 40, modelName: "base", loraModules: [{ name: "sql", path: "/a/sql", base_model_name: null }, { name: "chat", path: "/a/chat", base_model_name: "other-base" }], maxLoras: 2 });
  });
  afterAll(() => sim.close());
  const post = (model: string) =>
    fetch(`${sim.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, prompt: "hi there", max_tokens: 4 }) });

  it("lists each adapter after the base model, with root = its path and parent = its base model", async () => {
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.map((m) => [m.id, m.root, m.parent, m.max_model_len === null])).toEqual([
      ["base", expect.any(String), null, false],
      ["sql", "/a/sql", "base", true],
      ["chat", "/a/chat", "other-base", true],
    ]);
  });

  it("answers a request naming an adapter under that name, and an unknown model with vLLM's 404", async () => {
    const ok = await post("sql");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { model: string }).model).toBe("sql");
    const missing = await post("nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { message: "The model `nope` does not exist.", type: "NotFoundError", param: "model", code: 404 } });
  });

  it("exposes vllm:lora_requests_info{max_lora, waiting_lora_adapters, running_lora_adapters} = the update time", async () => {
    const inFlight = [post("sql"), post("chat")];
    await new Promise((r) => setTimeout(r, 60));
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    await Promise.all(inFlight);
    const line = text.split("\n").find((l) => l.startsWith("vllm:lora_requests_info{") && l.includes('running_lora_adapters="sql,chat"'));
    expect(line, text.split("\n").filter((l) => l.includes("lora")).join("\n")).toMatch(/^vllm:lora_requests_info\{max_lora="2",waiting_lora_adapters="",running_lora_adapters="sql,chat"\} (\d+\.?\d*)$/);
    expect(Math.abs(Number(line!.split(" ")[1]) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("passes `promtool check metrics` with the LoRA gauge (its only complaint: ':' in vLLM's names)", async (ctx) => {
    if (skipWithoutPromtool()) ctx.skip();
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    expect(text).toContain("vllm:lora_requests_info{");
    expect(promtoolProblems(text).filter((p) => !p.endsWith("metric names should not contain ':'"))).toEqual([]);
  });
});

describe("performance model: the adapters' cost", () => {
  const cost = (w: StepWork) => ({ durationMs: 10 + 0.01 * w.tokens, bytes: 0, flops: 0, memoryMs: 0, computeMs: 0, bound: "memory" as const });
  const config = (over: Partial<EngineConfig>): EngineConfig => ({ blockSize: 16, totalBlocks: 1000, maxNumSeqs: 8, maxNumBatchedTokens: 8192, stepCost: cost, ...over });
  function firstTokens(cfg: EngineConfig, loras: Array<string | null>): number[] {
    const s = createEngineState(cfg);
    loras.forEach((lora, i) => addRequest(s, { id: i + 1, promptTokens: 100, targetOutputTokens: 2, finishReason: "length", lora }, 0));
    const events: TokenEvent[] = [];
    for (let r = advanceEngine(s, 0); ; r = advanceEngine(s, r.nextEventMs)) {
      events.push(...r.tokens);
      if (r.nextEventMs === null) break;
    }
    return loras.map((_, i) => events.find((e) => e.id === i + 1 && e.index === 0)!.atMs);
  }

  it("max_loras 1: a request of a second adapter waits until the first adapter's requests leave the batch", () => {
    // Step 1 prefills a1 and a2 (200 tokens: 12 ms, + 0.5 ms for the one adapter) → their first tokens at 12.5;
    // step 2 decodes both (2 tokens: 10.02 + 0.5 = 10.52 ms, they finish at 23.02); b1 is scheduled only then:
    // step 3 prefills it (100 tokens: 11 + 0.5 ms) → first token at 34.52.
    const at = firstTokens(config({ maxLoras: 1, loraStepOverheadMs: 0.5 }), ["a", "a", "b"]);
    expect(at.map((t) => Number(t.toFixed(2)))).toEqual([12.5, 12.5, 34.52]);
  });

  it("each distinct adapter in a step adds the per-adapter time; base-model requests add none", () => {
    // One step prefills all three (300 tokens: 13 ms) + 2 adapters × 0.5 ms.
    expect(firstTokens(config({ maxLoras: 4, loraStepOverheadMs: 0.5 }), ["a", "b", null])).toEqual([14, 14, 14]);
    expect(firstTokens(config({ maxLoras: 4, loraStepOverheadMs: 0.5 }), [null, null, null])).toEqual([13, 13, 13]);
  });
});
