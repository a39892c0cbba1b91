/**
 * inference-perf 0.7.0's examples/multimodal/image.yaml, unchanged but for the stage duration, the target and a fixed
 * load.base_seed (`--set` only; unseeded, the text's token count varied run to run and once left the bound below), runs against the simulator serving its model (Qwen/Qwen3-VL-8B-Instruct, max_model_len 32,768, as a
 * VLM is served) with its tokenizer from the Hub stand-in (the tiny test tokenizer under that repo id, HF_ENDPOINT).
 * Checked by hand: every request succeeds with 1–3 images of 1080p or 4K (0.8 / 0.2), and the prompt tokens the
 * simulator reported (usage.prompt_tokens, summed in prompt_tokens.total, and its vllm:prompt_tokens_total) hold
 * the images' tokens: 2,693 per 1080p image and 10,551 per 4K one (Qwen2-VL's rule, multimodal-tokens.ts), with what
 * remains being the 100–500 words of text per request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runKneepoint } from "../run-kneepoint.ts";
import { fixtureRepos, TINY_TOKENIZER } from "../hub/fixture-hub.ts";
import { startHubServer, type RunningHub } from "../hub/hub-server.ts";
import { startSimulator } from "../../src/sim/server.ts";

const EXAMPLE = fileURLToPath(new URL("../fixtures/inference-perf-examples/0.7.0/examples/multimodal/image.yaml", import.meta.url));
const MODEL = "Qwen/Qwen3-VL-8B-Instruct";
const P1080 = 1920 * 1080;
const P4K = 3840 * 2160;

describe("examples/multimodal/image.yaml against the simulator", () => {
  let hub: RunningHub;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let summary: { successes: Record<string, unknown>; failures: { count: number } };
  let simPromptTokens: number;
  beforeAll(async () => {
    const tokenizer = { type: "model" as const, id: MODEL, files: { "config.json": "{}\n", "tokenizer.json": readFileSync(join(TINY_TOKENIZER, "tokenizer.json")), "tokenizer_config.json": readFileSync(join(TINY_TOKENIZER, "tokenizer_config.json")) } };
    hub = await startHubServer([...fixtureRepos(), tokenizer]);
    sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1, modelName: MODEL, maxModelLen: 32_768 });
    const dir = mkdtempSync(join(tmpdir(), "kp-image-example-"));
    const run = await runKneepoint(["run", "-c", EXAMPLE, "--set", `server.base_url=${sim.url}`, "--set", "load.stages[0].duration=3", "--set", "load.base_seed=42", "--output", join(dir, "out"), "--no-charts"], { cwd: dir, env: { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf") } });
    if (run.code !== 0) throw new Error(`kneepoint run failed (exit ${run.code}):\n${run.stderr}\n${run.stdout}`);
    summary = JSON.parse(readFileSync(join(dir, "out", "summary_lifecycle_metrics.json"), "utf8")) as typeof summary;
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    simPromptTokens = Number(/^vllm:prompt_tokens_total\{[^}]*\} (\S+)$/m.exec(metrics)![1]);
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    await hub?.close();
  });

  it("every request succeeds, with 1 to 3 images of 1080p or 4K each", () => {
    const ok = summary.successes as { count: number; image: { count: { min: number; max: number; mean: number }; pixels: { min: number; max: number; mean: number } } };
    expect(ok.count).toBe(3);
    expect(summary.failures.count).toBe(0);
    expect(ok.image.count.min).toBeGreaterThanOrEqual(1);
    expect(ok.image.count.max).toBeLessThanOrEqual(3);
    expect([P1080, P4K]).toContain(ok.image.pixels.min);
    expect([P1080, P4K]).toContain(ok.image.pixels.max);
  });

  it("usage.prompt_tokens and vllm:prompt_tokens hold 2,693 tokens per 1080p image and 10,551 per 4K image", () => {
    const ok = summary.successes as { count: number; image: { count: { mean: number }; pixels: { mean: number } }; prompt_tokens: { total: number } };
    const images = Math.round(ok.image.count.mean * ok.count);
    const totalPixels = ok.image.pixels.mean * images;
    const n4k = Math.round((totalPixels - images * P1080) / (P4K - P1080));
    const imageTokens = (images - n4k) * 2693 + n4k * 10_551;
    expect(simPromptTokens).toBe(ok.prompt_tokens.total);
    const text = ok.prompt_tokens.total - imageTokens;
    // 100–500 words per request (input_distribution), each a token or a few for the simulator, plus the template
    expect(text).toBeGreaterThanOrEqual(ok.count * 100);
    expect(text).toBeLessThanOrEqual(ok.count * 2000);
  });
});
