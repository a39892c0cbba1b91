/**
 * The simulator answers the official OpenAI SDK (a stock client, not ours) correctly: streamed and plain
 * completions and chat, usage, model listing, and a 404 for an unknown model surfaced as the SDK's typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI, { NotFoundError } from "openai";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";

let sim: RunningSimulator;
let client: OpenAI;
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1 });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await sim?.close();
});

describe("the simulator with the official OpenAI SDK", () => {
  it("lists the served model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
  });

  it("streams a completion with exactly max_tokens chunks and a final usage chunk", async () => {
    const stream = await client.completions.create({
      model: MODEL,
      prompt: "hello there",
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
      // vLLM's extension, passed through the SDK's untyped body
      ...({ ignore_eos: true } as object),
    });
    let text = "";
    let tokenChunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices.length > 0) {
        tokenChunks++;
        text += chunk.choices[0]!.text;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(tokenChunks).toBe(12);
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(12);
    expect(usage?.prompt_tokens).toBeGreaterThan(1);
  });

  it("streams a chat completion: role first, then content, then usage", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
      max_completion_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
      ...({ ignore_eos: true } as object),
    });
    const deltas: Array<{ role?: string; content?: string | null }> = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]) deltas.push(chunk.choices[0].delta);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas[0]?.role).toBe("assistant");
    expect(deltas.filter((d) => d.content).length).toBe(5);
    expect(usage?.completion_tokens).toBe(5);
  });

  it("answers non-streamed chat with a message and usage", async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }], max_completion_tokens: 4, ...({ ignore_eos: true } as object) });
    expect(res.choices[0]?.message.role).toBe("assistant");
    expect(res.usage?.completion_tokens).toBe(4);
  });

  it("rejects an unknown model with a 404 the SDK types as NotFoundError", async () => {
    await expect(client.completions.create({ model: "nope", prompt: "x", max_tokens: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });
});
