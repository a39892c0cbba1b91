/**
 * The simulator's POST /v1/messages, shaped as vLLM's (vllm/entrypoints/anthropic/serving.py, protocol.py,
 * api_router.py): the event sequence and each event's JSON, the non-streamed message, the prompt counted as the chat
 * path counts the same conversation (system first), the same answer as /v1/chat/completions for it, and errors in
 * Anthropic's envelope with the chat path's statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1 });
});
afterAll(async () => sim.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(sim.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** SSE text → [{event, data}] (data parsed unless it is [DONE]). */
function events(text: string): { event: string | null; data: unknown }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? null;
      const data = lines.find((l) => l.startsWith("data: "))!.slice(6);
      return { event, data: data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as unknown) };
    });
}

const conversation = { system: "answer briefly", messages: [{ role: "user", content: "mock prompt 1" }] };

describe("POST /v1/messages", () => {
  it("streams vLLM's events: message_start, a text block of text_deltas, content_block_stop, message_delta with usage, message_stop, [DONE]", async () => {
    const res = await post("/v1/messages", { model: MODEL, ...conversation, max_tokens: 6, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const evs = events(await res.text());
    const chat = await (await post("/v1/chat/completions", { model: MODEL, messages: [{ role: "system", content: "answer briefly" }, ...conversation.messages], max_tokens: 6 })).json() as {
      usage: { prompt_tokens: number; completion_tokens: number };
      choices: [{ message: { content: string }; finish_reason: string }];
    };
    const p = chat.usage.prompt_tokens;
    const n = chat.usage.completion_tokens;
    expect(n).toBeGreaterThan(0);
    const [start, blockStart, ...rest] = evs;
    const id = (start!.data as { message: { id: string } }).message.id;
    expect(id).toMatch(/^chatcmpl-/);
    expect(start).toEqual({ event: "message_start", data: { type: "message_start", message: { id, content: [], model: MODEL, stop_reason: null, stop_sequence: null, usage: { input_tokens: p, output_tokens: 0 } } } });
    expect(Object.keys((start!.data as { message: object }).message)).toEqual(["id", "content", "model", "stop_reason", "stop_sequence", "usage"]);
    expect(blockStart).toEqual({ event: "content_block_start", data: { type: "content_block_start", content_block: { type: "text", text: "" }, index: 0 } });
    const deltas = rest.slice(0, n);
    for (const d of deltas) {
      expect(d.event).toBe("content_block_delta");
      expect(Object.keys(d.data as object)).toEqual(["type", "delta", "index"]);
      expect(d.data).toMatchObject({ type: "content_block_delta", delta: { type: "text_delta" }, index: 0 });
    }
    // the same conversation answers the same text on both paths (the answer is seeded by the conversation)
    expect(deltas.map((d) => (d.data as { delta: { text: string } }).delta.text).join("")).toBe(chat.choices[0].message.content);
    const stopReason = chat.choices[0].finish_reason === "length" ? "max_tokens" : "end_turn";
    expect(rest.slice(n)).toEqual([
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: stopReason }, usage: { input_tokens: p, output_tokens: n } } },
      { event: "message_stop", data: { type: "message_stop" } },
      { event: null, data: "[DONE]" },
    ]);
  });

  it("answers a non-streamed request with one message: content, stop_reason and usage, no stop_sequence", async () => {
    const res = await post("/v1/messages", { model: MODEL, messages: [{ role: "user", content: [{ type: "text", text: "mock prompt 2" }] }], max_tokens: 4, ignore_eos: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const chat = (await (await post("/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: "mock prompt 2" }], max_tokens: 4 })).json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
      choices: [{ message: { content: string }; finish_reason: string }];
    };
    expect(Object.keys(body)).toEqual(["id", "type", "role", "content", "model", "stop_reason", "usage"]);
    // ignore_eos is not a field of vLLM's Anthropic request: the answer may stop early, exactly as chat without it
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: chat.choices[0].message.content }],
      model: MODEL,
      stop_reason: chat.choices[0].finish_reason === "length" ? "max_tokens" : "end_turn",
      usage: { input_tokens: chat.usage.prompt_tokens, output_tokens: chat.usage.completion_tokens },
    });
  });

  it("answers errors in Anthropic's envelope with the chat path's status", async () => {
    const cases: [unknown, Record<string, string>, number, string, RegExp][] = [
      [{ model: MODEL, messages: [{ role: "user", content: "x" }] }, {}, 400, "BadRequestError", /max_tokens/],
      [{ model: "nope", messages: [{ role: "user", content: "x" }], max_tokens: 3 }, {}, 404, "NotFoundError", /does not exist/],
      [{ model: MODEL, messages: [{ role: "user", content: [{ type: "image", source: {} }] }], max_tokens: 3 }, {}, 400, "BadRequestError", /only \{"type":"text"/],
      [{ model: MODEL, messages: [{ role: "user", content: "x" }], max_tokens: 3 }, { "x-kneepoint-fault": "status=503" }, 503, "ServiceUnavailableError", /HTTP 503/],
    ];
    for (const [body, headers, status, type, message] of cases) {
      const res = await post("/v1/messages", body, headers);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(Object.keys(json)).toEqual(["type", "error"]);
      expect(json.type).toBe("error");
      expect(json.error.type).toBe(type);
      expect(json.error.message).toMatch(message);
    }
  });
});
