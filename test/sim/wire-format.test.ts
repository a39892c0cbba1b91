import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { ORDINARY_TOKENS } from "../../src/sim/vocabulary.ts";
import { postJson, rawRequest } from "./raw-http.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speedup: 50 });
});
afterAll(async () => {
  await sim.close();
});

const parse = (data: string) => JSON.parse(data) as Record<string, unknown> & { choices: Array<Record<string, unknown>> };

describe("streaming completions", () => {
  it("sends vLLM's chunk shapes, exactly max_tokens tokens with ignore_eos, the usage chunk and [DONE]", async () => {
    const r = await postJson(sim.url, "/v1/completions", {
      model: MODEL,
      prompt: "Hello world, how are you",
      max_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(r.truncated).toBe(false);
    expect(r.body.split("\n\n").slice(0, -1).every((e) => e.startsWith("data: "))).toBe(true); // SSE framing
    expect(r.events.at(-1)!.data).toBe("[DONE]");
    const chunks = r.events.slice(0, -1).map((e) => parse(e.data));
    const tokens = chunks.filter((c) => c.choices.length > 0);
    expect(tokens).toHaveLength(12);
    expect(Object.keys(tokens[0]!)).toEqual(["id", "object", "created", "model", "choices"]);
    expect(tokens[0]).toMatchObject({ object: "text_completion", model: MODEL, id: expect.stringMatching(/^cmpl-[0-9a-f]{32}$/) });
    expect(tokens[0]!.choices[0]).toEqual({ index: 0, text: expect.any(String), logprobs: null, finish_reason: null, stop_reason: null });
    expect(tokens.at(-1)!.choices[0]!.finish_reason).toBe("length");
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    const tok = await postJson(sim.url, "/tokenize", { model: MODEL, prompt: "Hello world, how are you" });
    const count = (JSON.parse(tok.body) as { count: number }).count;
    expect(usage.usage).toEqual({ prompt_tokens: count, completion_tokens: 12, total_tokens: count + 12 });
  });

  it("sends no usage chunk without stream_options, and stops early (finish_reason stop) without ignore_eos", async () => {
    const r = await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "a", max_tokens: 4000, stream: true });
    const chunks = r.events.slice(0, -1).map((e) => parse(e.data));
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.length).toBeLessThan(4000);
  });
});

describe("streaming chat", () => {
  it("opens with the role-only delta right before the first content chunk", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", {
      model: MODEL,
      messages: [{ role: "user", content: [{ type: "text", text: "Tell me a story" }] }],
      max_completion_tokens: 5,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    const chunks = r.events.slice(0, -1).map((e) => parse(e.data));
    expect(chunks[0]).toMatchObject({ object: "chat.completion.chunk", id: expect.stringMatching(/^chatcmpl-/) });
    expect(chunks[0]!.choices[0]).toEqual({ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null });
    expect(r.events[1]!.atMs - r.events[0]!.atMs).toBeLessThan(1); // same engine iteration
    const content = chunks.slice(1, -1);
    expect(content).toHaveLength(5);
    expect(content.every((c) => typeof (c.choices[0]!.delta as { content: string }).content === "string")).toBe(true);
    expect(content.at(-1)!.choices[0]!.finish_reason).toBe("length");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
    const usage = chunks.at(-1)!.usage as { prompt_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan(4); // content + the chat template's tokens
    expect(r.events.at(-1)!.data).toBe("[DONE]");
  });
});

describe("non-streaming responses", () => {
  it("completion and chat bodies have the OpenAI/vLLM shapes", async () => {
    const c = await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "Hi", max_tokens: 3, ignore_eos: true });
    expect(c.status).toBe(200);
    const body = JSON.parse(c.body);
    expect(body).toMatchObject({ object: "text_completion", model: MODEL, usage: { completion_tokens: 3 } });
    expect(body.choices[0]).toMatchObject({ index: 0, finish_reason: "length", logprobs: null });
    const tok = await postJson(sim.url, "/tokenize", { prompt: body.choices[0].text, add_special_tokens: false });
    expect(JSON.parse(tok.body).count).toBe(3);

    const chat = JSON.parse((await postJson(sim.url, "/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 })).body);
    expect(chat).toMatchObject({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: expect.any(String) } }] });
    expect(chat.usage.completion_tokens).toBeLessThanOrEqual(2);
  });

  it("completions default to 16 tokens like vLLM", async () => {
    const body = JSON.parse((await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "x y z", ignore_eos: true })).body);
    expect(body.usage.completion_tokens).toBe(16);
  });
});

describe("errors", () => {
  it("answers OpenAI-style JSON errors with vLLM's statuses", async () => {
    const cases: Array<[unknown, number, string, unknown?]> = [
      [{ prompt: "x" }, 400, "BadRequestError"],
      [{ model: "nope", prompt: "x" }, 404, "NotFoundError", "The model `nope` does not exist."],
      [{ model: MODEL, prompt: "x", stream_options: { include_usage: true } }, 400, "BadRequestError", "Stream options can only be defined when `stream=True`."],
      [{ model: MODEL, prompt: "word ".repeat(9000) }, 400, "BadRequestError", expect.stringContaining("maximum context length is 8192")],
      [{ model: MODEL, prompt: "x", max_tokens: 8192 }, 400, "BadRequestError", expect.stringContaining("8192")],
    ];
    for (const [body, status, type, message] of cases) {
      const r = await postJson(sim.url, "/v1/completions", body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(r.headers["content-type"]).toBe("application/json");
      const { error } = JSON.parse(r.body) as { error: Record<string, unknown> };
      expect(Object.keys(error)).toEqual(["message", "type", "param", "code"]);
      expect(error).toMatchObject({ type, code: status, message: message ?? expect.any(String) });
    }
    const notJson = await rawRequest(sim.url, { path: "/v1/chat/completions", rawBody: "{not json" });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.type).toBe("BadRequestError");
    expect((await rawRequest(sim.url, { path: "/v1/nothing" })).status).toBe(404);
  });
});

describe("models, health, version, tokenizer", () => {
  it("/v1/models, /health, /version", async () => {
    const models = JSON.parse((await rawRequest(sim.url, { path: "/v1/models" })).body);
    expect(models.data[0]).toMatchObject({ id: MODEL, root: MODEL, object: "model", owned_by: "vllm", max_model_len: 8192 });
    const health = await rawRequest(sim.url, { path: "/health" });
    expect([health.status, health.body]).toEqual([200, ""]);
    const version = JSON.parse((await rawRequest(sim.url, { path: "/version" })).body);
    expect(version.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(version.simulator).toMatch(/^kneepoint-sim /);
  });

  it("/tokenize and /detokenize round-trip ordinary ids (property)", async () => {
    expect(JSON.parse((await postJson(sim.url, "/tokenize", { prompt: "" })).body)).toMatchObject({ count: 1, max_model_len: 8192 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: ORDINARY_TOKENS - 1 }), { maxLength: 300 }), async (ids) => {
        const { prompt } = JSON.parse((await postJson(sim.url, "/detokenize", { model: MODEL, tokens: ids })).body) as { prompt: string };
        const tok = JSON.parse((await postJson(sim.url, "/tokenize", { model: MODEL, prompt, add_special_tokens: false })).body) as { tokens: number[] };
        expect(tok.tokens).toEqual(ids);
      }),
      { numRuns: 40 },
    );
    const chat = JSON.parse((await postJson(sim.url, "/tokenize", { messages: [{ role: "user", content: "hi" }] })).body);
    expect(chat.count).toBeGreaterThan(1);
    expect((await postJson(sim.url, "/detokenize", { tokens: [-1] })).status).toBe(400);
  });
});
