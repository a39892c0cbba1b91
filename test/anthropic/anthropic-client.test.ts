/**
 * The stream client reading POST /v1/messages answers (protocol "anthropic", src/engine/anthropic-events.ts), and
 * what inference-perf 0.7.0 would record of them (src/scenarios/report/inference-perf-request.ts,
 * anthropic-extra-info.ts). A fake server sends hand-written streams so every count below is known in advance:
 * Anthropic's own shape (ping, no [DONE], the stream simply ends after message_stop), an error event, a
 * non-streamed message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createStreamClient } from "../../src/engine/openai-stream-client.ts";
import type { ScenarioRecord } from "../../src/scenarios/types.ts";
import { toInferencePerfRequest } from "../../src/scenarios/report/inference-perf-request.ts";
import { anthropicExtraInfo } from "../../src/scenarios/report/anthropic-extra-info.ts";

const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/** Anthropic's own stream: a ping, a text block of three deltas (one empty), usage on message_start and message_delta. */
const ANTHROPIC_STREAM = [
  ev("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], usage: { input_tokens: 12, output_tokens: 1 } } }),
  ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  ev("ping", { type: "ping" }),
  ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } }),
  ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "" } }),
  ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " world" } }),
  ev("content_block_stop", { type: "content_block_stop", index: 0 }),
  ev("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 3 } }),
  ev("message_stop", { type: "message_stop" }),
].join("");

const ERROR_STREAM = [
  ev("message_start", { type: "message_start", message: { id: "msg_2", usage: { input_tokens: 7, output_tokens: 0 } } }),
  ev("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
].join("");

const MESSAGE = { id: "msg_3", type: "message", role: "assistant", content: [{ type: "text", text: "Hi there" }], stop_reason: "max_tokens", usage: { input_tokens: 9, output_tokens: 2 } };

let server: Server;
let url = "";
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on("end", () => {
      if (req.url === "/v1/messages" && req.headers["x-case"] === "json") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(MESSAGE));
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(req.headers["x-case"] === "error" ? ERROR_STREAM : ANTHROPIC_STREAM);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(testCase: string, streaming: boolean, apiKey?: string): Promise<ScenarioRecord> {
  const client = createStreamClient({
    baseUrl: url,
    endpoint: "/v1/messages",
    headers: { "x-case": testCase },
    ...(apiKey ? { apiKey } : {}),
    connections: 1,
    timeoutMs: 5000,
    streaming,
    capture: "full",
    protocol: "anthropic",
  });
  try {
    const rec = await client.send({ index: 0, body: "{}", plannedPromptTokens: 50 }, new AbortController().signal);
    return { ...rec, stage: 0, scheduledMs: rec.sendMs, endMs: rec.endMs ?? rec.sendMs };
  } finally {
    await client.close();
  }
}

describe("the stream client on /v1/messages", () => {
  it("reads Anthropic's stream: token events at the deltas, usage merged, a stream that ends after message_stop is complete", async () => {
    const rec = await send("anthropic", true, "sk-test");
    expect(rec.error, JSON.stringify(rec.error)).toBeNull();
    expect(rec.promptTokens).toBe(12);
    expect(rec.completionTokens).toBe(3); // message_delta's output_tokens replaces message_start's 1
    expect(rec.chunkTimesMs).toHaveLength(3); // three content_block_delta events, the empty one included
    expect(rec.textChunks).toBe(2);
    expect(rec.capture).toMatchObject({ anthropic: true, complete: true, contentTexts: ["Hello", " world"], usage: { input_tokens: 12, output_tokens: 3 } });
    expect(rec.capture!.contentChunks.map((c) => JSON.parse(c) as unknown)).toEqual([
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " world" } },
    ]);
    const h = seen.at(-1)!;
    expect(h["x-api-key"]).toBe("sk-test");
    expect(h["anthropic-version"]).toBe("2023-06-01");
    expect(h.authorization).toBeUndefined();
  });

  it("records inference-perf's view: tokens from usage; with a tokenizer block no token times (0.7.0 finds no choices)", async () => {
    const rec = await send("anthropic", true);
    const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length; // never used for the counts below
    const ip = toInferencePerfRequest(rec, { streaming: true, countTokens, retokenizeChunks: true });
    expect(ip.error).toBeNull();
    expect(ip.inputTokens).toBe(12);
    expect(ip.responseMetrics).toMatchObject({ output_tokens: 3, server_usage: { input_tokens: 12, output_tokens: 3 }, output_token_times: [] });
    expect((ip.responseMetrics as { chunk_times: number[] }).chunk_times).toHaveLength(2);
    const noTokenizer = toInferencePerfRequest(rec, { streaming: true });
    expect(noTokenizer.outputTokenTimesS).toHaveLength(2);
    expect(anthropicExtraInfo(rec, true)).toEqual({ output_message: { role: "assistant", content: "Hello world" }, output_text: "Hello world" });
  });

  it("an error event fails the request with the server's message; inference-perf (the body read to its end) counts a success", async () => {
    const rec = await send("error", true);
    expect(rec.error).toEqual({ reason: "stream-error", message: "Overloaded" });
    expect(rec.promptTokens).toBe(7);
    const ip = toInferencePerfRequest(rec, { streaming: true });
    expect(ip.error).toBeNull();
    expect(ip.responseMetrics).toMatchObject({ output_tokens: 0, server_usage: { input_tokens: 7, output_tokens: 0 } });
  });

  it("reads a non-streamed message: one token event, usage; inference-perf keeps no server_usage and the stop_reason", async () => {
    const rec = await send("json", false);
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(1);
    expect([rec.promptTokens, rec.completionTokens, rec.textChunks]).toEqual([9, 2, 1]);
    const ip = toInferencePerfRequest(rec, { streaming: false, countTokens: () => 99 });
    expect(ip.inputTokens).toBe(9);
    expect(ip.responseMetrics).toEqual({ output_tokens: 2, server_usage: null });
    expect(anthropicExtraInfo(rec, false)).toEqual({ stop_reason: "max_tokens", output_message: { role: "assistant", content: "Hi there" }, output_text: "Hi there" });
  });
});
