import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.ts";
import { PROFILES } from "../../src/sim/profiles.ts";
import { decodeStepCost, sequenceWork, stepCost } from "../../src/sim/roofline.ts";
import { ORDINARY_TOKENS } from "../../src/sim/vocabulary.ts";
import { median, postJson, rawRequest } from "./raw-http.ts";

const MODEL_8B = "meta-llama/Llama-3.1-8B-Instruct";
const MODEL_70B = "meta-llama/Llama-3.1-70B-Instruct";

/** A prompt of exactly `tokens` tokens (BOS included), built through /detokenize as the harness does. */
async function exactPrompt(url: string, tokens: number, salt: number): Promise<string> {
  const ids = Array.from({ length: tokens - 1 }, (_, i) => (i * 7919 + salt * 104_729) % ORDINARY_TOKENS);
  return (JSON.parse((await postJson(url, "/detokenize", { tokens: ids })).body) as { prompt: string }).prompt;
}

function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(name + "{"))!;
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("the performance model on the wire", () => {
  it("h100-8b in real time: TTFT ≈ the 256-token prefill step, ITL ≈ the batch-1 decode step", async () => {
    const sim = await startSimulator({ port: 0 });
    try {
      const p = PROFILES["h100-8b"];
      const prompt = await exactPrompt(sim.url, 256, 1);
      // warm-up with another prompt: the same one would find 15 of its 16 blocks in the prefix cache (on by default)
      await postJson(sim.url, "/v1/completions", { model: MODEL_8B, prompt: await exactPrompt(sim.url, 256, 2), max_tokens: 3, ignore_eos: true, stream: true });
      const r = await postJson(sim.url, "/v1/completions", { model: MODEL_8B, prompt, max_tokens: 40, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
      const ev = r.events.filter((e) => e.data !== "[DONE]").slice(0, -1);
      expect(JSON.parse(r.events.at(-2)!.data).usage.prompt_tokens).toBe(256);
      const ttft = ev[0]!.atMs - r.sentMs;
      const itl = median(ev.slice(1).map((e, k) => e.atMs - ev[k]!.atMs));
      const prefillMs = stepCost(p, sequenceWork(0, 256)).durationMs; // 11.4 ms
      const decodeMs = decodeStepCost(p, 1, 270).durationMs; // 7.0 ms
      expect(ttft).toBeGreaterThanOrEqual(prefillMs - 0.5);
      // Client and simulator share this process and a 2-core machine with other test files: allow event-loop
      // delay on top of the modelled step (still far below the next thing it could be confused with).
      expect(ttft).toBeLessThan(prefillMs + 8);
      expect(Math.abs(itl - decodeMs)).toBeLessThan(2);
    } finally {
      await sim.close();
    }
  });

  it("kv-starved at c=32 × (256 in, 128 out): requests wait, the KV cache fills and preemptions are counted", async () => {
    const sim = await startSimulator({ port: 0, profile: "kv-starved", speedup: 20 });
    try {
      // 64 distinct prompts: a repeated one would find its blocks in the prefix cache (on by default) and need less KV
      const prompts = await Promise.all(Array.from({ length: 64 }, (_, i) => exactPrompt(sim.url, 256, i)));
      let maxWaiting = 0;
      let maxKv = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const text = (await rawRequest(sim.url, { path: "/metrics" })).body;
          maxWaiting = Math.max(maxWaiting, gauge(text, "vllm:num_requests_waiting"));
          maxKv = Math.max(maxKv, gauge(text, "vllm:kv_cache_usage_perc"));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      // closed loop: 32 clients, two requests each
      await Promise.all(
        prompts.slice(0, 32).map(async (_, i) => {
          for (let k = 0; k < 2; k++) {
            const r = await postJson(sim.url, "/v1/completions", { model: MODEL_70B, prompt: prompts[i * 2 + k], max_tokens: 128, ignore_eos: true, stream: true });
            expect(r.events.length).toBe(129);
          }
        }),
      );
      polling = false;
      await poller;
      const text = (await rawRequest(sim.url, { path: "/metrics" })).body;
      expect(gauge(text, "vllm:num_preemptions_total")).toBeGreaterThan(0);
      expect(maxWaiting).toBeGreaterThan(0);
      expect(maxKv).toBeGreaterThan(0.9);
      expect(gauge(text, "vllm:generation_tokens_total")).toBe(64 * 128);
    } finally {
      await sim.close();
    }
  });

  it("several simulators run in one process without sharing state", async () => {
    const [a, b] = await Promise.all([startSimulator({ port: 0, ttftMs: 0, itlMs: 0 }), startSimulator({ port: 0, profile: "kv-starved", speedup: 100 })]);
    try {
      await postJson(a.url, "/v1/completions", { model: MODEL_8B, prompt: "x", max_tokens: 5, ignore_eos: true });
      const textA = (await rawRequest(a.url, { path: "/metrics" })).body;
      const textB = (await rawRequest(b.url, { path: "/metrics" })).body;
      expect(gauge(textA, "vllm:generation_tokens_total")).toBe(5);
      expect(gauge(textB, "vllm:generation_tokens_total")).toBe(0);
      expect(textB).toContain(`model_name="${MODEL_70B}"`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("a stock OpenAI-style client (fetch)", () => {
  it("reads chat completions, streamed and not", async () => {
    const sim = await startSimulator({ port: 0, ttftMs: 1, itlMs: 1 });
    try {
      const headers = { "content-type": "application/json", authorization: "Bearer sk-anything" };
      const res = await fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: MODEL_8B, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi!" }], max_tokens: 8, temperature: 0.7 }),
      });
      const json = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: { total_tokens: number } };
      expect(json.choices[0]!.message.content.length).toBeGreaterThan(0);
      expect(json.usage.total_tokens).toBeGreaterThan(8);

      const stream = await fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: MODEL_8B, messages: [{ role: "user", content: "Hi!" }], max_tokens: 6, ignore_eos: true, stream: true }),
      });
      const text = await stream.text();
      const datas = text.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
      expect(datas.at(-1)).toBe("[DONE]");
      const content = datas.slice(0, -1).map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]!.delta.content ?? "");
      expect(content.join("").split(" ").filter(Boolean)).toHaveLength(6);
    } finally {
      await sim.close();
    }
  });
});
