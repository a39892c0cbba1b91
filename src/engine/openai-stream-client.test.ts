/**
 * The streaming client against a hand-written server on port 0 that misbehaves in every way the client
 * must classify. Timings here are coarse on purpose; measurement accuracy is checked in test/fidelity.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createStreamClient, type StreamClient } from "./openai-stream-client.ts";

const chunk = (text: string) => `data: ${JSON.stringify({ choices: [{ index: 0, text, finish_reason: null }] })}\n\n`;
const usage = (p: number, c: number) => `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } })}\n\n`;

const routes: Record<string, (res: ServerResponse) => void> = {
  "/ok": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk("a"));
    setTimeout(() => res.end(chunk("b") + chunk("") + usage(7, 3) + "data: [DONE]\n\n"), 20);
  },
  "/chat-ok": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const c = (delta: object) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta }] })}\n\n`;
    res.end(c({ role: "assistant", content: "" }) + c({ content: "x" }) + c({ content: "y" }) + "data: [DONE]\n\n");
  },
  "/http500": (res) => void res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"engine dead"}}'),
  "/disconnect": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk("a"));
    setTimeout(() => res.socket?.destroy(), 10);
  },
  "/malformed": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(chunk("a") + "data: {not json\n\n" + "data: [DONE]\n\n");
  },
  "/empty": (res) => void res.writeHead(200, { "content-type": "text/event-stream" }).end(usage(7, 0) + "data: [DONE]\n\n"),
  "/stream-error": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(chunk("a") + `data: {"error":{"message":"out of memory"}}\n\n`);
  },
  "/chat-mixed": (res) => {
    // role chunk, reasoning delta, content, tool-call delta, content with usage (continuous usage stats), usage chunk
    res.writeHead(200, { "content-type": "text/event-stream" });
    const c = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }], ...extra })}\n\n`;
    res.end(
      c({ role: "assistant", content: "" }) + c({ reasoning_content: "hmm" }) + c({ content: "x" }) + c({ tool_calls: [{ index: 0 }] }) +
        c({ content: "y" }, { usage: { prompt_tokens: 4, completion_tokens: 2 } }) + `data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}\n\n` + "data: [DONE]\n\n",
    );
  },
  "/litellm": (res) => {
    // LiteLLM 1.108.7 in front of vLLM (test/litellm/README.md): finish_reason in a bare chunk of its own, and a
    // usage chunk that keeps a bare choice instead of vLLM's `choices: []`.
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(
      chunk("a") + chunk("b") + `data: {"choices":[{"finish_reason":"length","index":0}]}\n\n` +
        `data: {"choices":[{"index":0}],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n` + "data: [DONE]\n\n",
    );
  },
  "/litellm-chat": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const c = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }], ...extra })}\n\n`;
    res.end(c({ role: "assistant", content: "" }) + c({ content: "x" }) + c({}, { choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) + c({}, { usage: { prompt_tokens: 3, completion_tokens: 1 } }) + "data: [DONE]\n\n");
  },
  "/plain-200": (res) => void res.writeHead(200, { "content-type": "text/plain" }).end('data: {"choices":[{"text":"a"}]}\n\n' + "x".repeat(2000)),
  "/http400-long": (res) => void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "m".repeat(1000) } })),
  "/stall": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk("a"));
  },
};

let server: Server;
let base = "";
const seenHeaders: Record<string, string | string[] | undefined>[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    req.resume();
    req.on("end", () => (routes[req.url ?? ""] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function client(endpoint: string, timeoutMs = 5000): StreamClient {
  return createStreamClient({ baseUrl: base, endpoint, headers: { "x-team": "infra" }, apiKey: "sk-test", connections: 2, timeoutMs });
}

async function sendOnce(endpoint: string, timeoutMs?: number, signal = new AbortController().signal) {
  const c = client(endpoint, timeoutMs);
  try {
    return await c.send({ index: 0, body: "{}", plannedPromptTokens: 7 }, signal);
  } finally {
    await c.close();
  }
}

describe("streaming client", () => {
  it("records every token-bearing chunk, text chunks, usage, and sends auth and extra headers", async () => {
    const rec = await sendOnce("/ok");
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(3);
    expect(rec.textChunks).toBe(2); // the empty-text chunk is timed but not counted as text
    expect(rec.promptTokens).toBe(7);
    expect(rec.completionTokens).toBe(3);
    expect(rec.chunkTimesMs[0]! - rec.sendMs).toBeGreaterThanOrEqual(0);
    // Chunk times are monotonic. (How close they are to the server's send times is test/fidelity's job: here,
    // on a loaded machine, two writes 20 ms apart may be read in one go.)
    expect(rec.chunkTimesMs[1]! - rec.chunkTimesMs[0]!).toBeGreaterThanOrEqual(0);
    expect(rec.chunkTimesMs[2]!).toBeGreaterThanOrEqual(rec.chunkTimesMs[1]!);
    expect(rec.endMs!).toBeGreaterThanOrEqual(rec.chunkTimesMs[2]!); // settled when the response ended
    const h = seenHeaders.at(-1)!;
    expect(h.authorization).toBe("Bearer sk-test");
    expect(h["x-team"]).toBe("infra");
  });

  it("capture: keeps what inference-perf keeps — content chunks only, merged usage, the whole body", async () => {
    const c = createStreamClient({ baseUrl: base, endpoint: "/chat-mixed", headers: {}, connections: 1, timeoutMs: 5000, capture: "full" });
    const rec = await c.send({ index: 0, body: "{}", plannedPromptTokens: 1 }, new AbortController().signal);
    await c.close();
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(5); // kneepoint's (vLLM's) token-bearing chunks: every non-empty choices
    const cap = rec.capture!;
    expect(cap.contentTexts).toEqual(["x", "y"]); // role, reasoning and tool-call deltas are not content
    expect(cap.contentTimesMs).toHaveLength(2);
    expect(cap.contentChunks[0]).toBe(JSON.stringify({ choices: [{ index: 0, delta: { content: "x" } }] }));
    expect(cap.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 }); // later usage wins, keys merged
    expect(cap.body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(cap.complete).toBe(true);
  });

  it("capture: reads on past a malformed chunk and an error event; keeps an error body whole; parses a non-SSE 200", async () => {
    const send = async (path: string) => {
      const c = createStreamClient({ baseUrl: base, endpoint: path, headers: {}, connections: 1, timeoutMs: 5000, capture: "full" });
      try {
        return await c.send({ index: 0, body: "{}", plannedPromptTokens: 1 }, new AbortController().signal);
      } finally {
        await c.close();
      }
    };
    const malformed = await send("/malformed");
    expect(malformed.error?.reason).toBe("malformed-chunk"); // kneepoint's verdict is kept
    expect(malformed.capture!.complete).toBe(true);
    const streamError = await send("/stream-error");
    expect(streamError.capture!.contentTexts).toEqual(["a"]);
    const long = await send("/http400-long");
    expect(long.error?.message.length).toBeLessThan(300);
    expect(long.capture!.body).toBe(JSON.stringify({ error: { message: "m".repeat(1000) } }));
    const plain = await send("/plain-200");
    expect(plain.error?.reason).toBe("not-a-stream");
    expect(plain.capture!.contentTexts).toEqual(["a"]);
    expect(plain.capture!.body.length).toBeGreaterThan(2000);
    const cut = await send("/disconnect");
    expect(cut.error?.reason).toBe("disconnect");
    expect(cut.capture!.complete).toBe(false);
    expect(cut.capture!.body).toBe(chunk("a"));
  });

  it("no capture unless asked (the sweep's records carry none); \"text\" keeps no raw stream", async () => {
    expect((await sendOnce("/ok")).capture).toBeUndefined();
    const c = createStreamClient({ baseUrl: base, endpoint: "/ok", headers: {}, connections: 1, timeoutMs: 5000, capture: "text" });
    const rec = await c.send({ index: 0, body: "{}", plannedPromptTokens: 1 }, new AbortController().signal);
    await c.close();
    expect(rec.capture).toMatchObject({ body: "", contentChunks: [], contentTexts: ["a", "b"], complete: true });
  });

  it("times chat from the role-only opening chunk, as vllm bench serve does, but counts only content as text", async () => {
    const rec = await sendOnce("/chat-ok");
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(3);
    expect(rec.textChunks).toBe(2);
  });

  it.each([
    ["/http500", "http", /HTTP 500: .*engine dead/],
    ["/disconnect", "disconnect", /./],
    ["/malformed", "malformed-chunk", /not JSON: \{not json/],
    ["/empty", "empty-stream", /no token-bearing chunk/],
    ["/stream-error", "stream-error", /out of memory/],
    ["/missing", "http", /HTTP 404/],
  ])("classifies %s as %s", async (path, reason, message) => {
    const rec = await sendOnce(path);
    expect(rec.error?.reason).toBe(reason);
    expect(rec.error?.message).toMatch(message);
    if (reason === "http") expect(rec.error?.status).toBeGreaterThanOrEqual(400);
  });

  it("behind LiteLLM: reads usage from a chunk that keeps a choice, and a bare choice is not a token", async () => {
    const rec = await sendOnce("/litellm");
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(2); // "a", "b"; not the finish chunk, not the usage chunk
    expect(rec.textChunks).toBe(2);
    expect(rec.promptTokens).toBe(7);
    expect(rec.completionTokens).toBe(2);
    const chat = await sendOnce("/litellm-chat");
    expect(chat.error).toBeNull();
    expect(chat.chunkTimesMs).toHaveLength(2); // the role chunk (vLLM's definition) and "x"; `delta: {}` is no token
    expect(chat.textChunks).toBe(1);
    expect(chat.completionTokens).toBe(1);
  });

  it("times out a stalled stream, and calls a run-stop cancellation 'aborted'", async () => {
    expect((await sendOnce("/stall", 200)).error?.reason).toBe("timeout");
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    expect((await sendOnce("/stall", 5000, stop.signal)).error?.reason).toBe("aborted");
  });

  it("calls a refused connection 'connection'", async () => {
    const c = createStreamClient({ baseUrl: "http://127.0.0.1:1", endpoint: "/v1/completions", headers: {}, connections: 1, timeoutMs: 2000 });
    const rec = await c.send({ index: 0, body: "{}", plannedPromptTokens: 1 }, new AbortController().signal);
    await c.close();
    expect(rec.error?.reason).toBe("connection");
    expect(rec.error?.message).toMatch(/ECONNREFUSED/);
  });
});

describe("streaming client, servers that end badly or not at all", () => {
  let odd: Server;
  let oddBase = "";
  beforeAll(async () => {
    odd = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url === "/done-no-close") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(chunk("a") + usage(3, 1) + "data: [DONE]\n\n"); // and never ends the response
        } else if (req.url === "/done-single-newline") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.end(chunk("a") + "data: [DONE]\n");
        } else if (req.url === "/json-200") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"choices":[{"text":"not streamed"}]}');
        } else if (req.url === "/echo-key") {
          res.writeHead(401, { "content-type": "application/json" });
          res.end(`{"error":"Invalid API key provided: ${req.headers.authorization}"}`);
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => odd.listen(0, "127.0.0.1", r));
    oddBase = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    odd.closeAllConnections();
    await new Promise<void>((r) => odd.close(() => r()));
  });

  async function sendTo(endpoint: string) {
    const c = createStreamClient({ baseUrl: oddBase, endpoint, headers: {}, apiKey: "sk-live-SECRET123", connections: 1, timeoutMs: 3000 });
    try {
      return await c.send({ index: 0, body: "{}", plannedPromptTokens: 3 }, new AbortController().signal);
    } finally {
      await c.close();
    }
  }

  it("ends the request at [DONE] even when the server keeps the response open", async () => {
    const t0 = performance.now();
    const rec = await sendTo("/done-no-close");
    expect(rec.error).toBeNull();
    expect(rec.completionTokens).toBe(1);
    // Settled by the [DONE] grace (1 s), long before the 3 s request timeout, and as a success.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("accepts [DONE] followed by a single newline at the end of the body", async () => {
    expect((await sendTo("/done-single-newline")).error).toBeNull();
  });

  it("says when a 200 is not an event stream (stream:true ignored, or a proxy's page)", async () => {
    const rec = await sendTo("/json-200");
    expect(rec.error?.reason).toBe("not-a-stream");
    expect(rec.error?.message).toMatch(/content-type "application\/json", not text\/event-stream/);
  });

  it("never keeps the API key in an error message, even when the server echoes it", async () => {
    const rec = await sendTo("/echo-key");
    expect(rec.error?.status).toBe(401);
    expect(rec.error?.message).toContain("[redacted]");
    expect(JSON.stringify(rec)).not.toContain("sk-live-SECRET123");
  });
});

describe("non-streamed requests (streaming: false)", () => {
  let unary: Server;
  let unaryBase = "";
  const unaryHeaders: Record<string, string | string[] | undefined>[] = [];
  const completion = { id: "cmpl-1", object: "text_completion", choices: [{ index: 0, text: "hello world", finish_reason: "length" }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
  const chat = { id: "chat-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi" } }], usage: { prompt_tokens: 9, completion_tokens: 1 } };
  beforeAll(async () => {
    unary = createServer((req, res) => {
      unaryHeaders.push(req.headers);
      req.resume();
      req.on("end", () => {
        const json = (status: number, body: string) => res.writeHead(status, { "content-type": "application/json" }).end(body);
        if (req.url === "/slow-ok") {
          // The body arrives in two writes 80 ms apart: the completion time is the second one.
          res.writeHead(200, { "content-type": "application/json" });
          const text = JSON.stringify(completion);
          res.write(text.slice(0, 10));
          setTimeout(() => res.end(text.slice(10)), 80);
        } else if (req.url === "/chat") json(200, JSON.stringify(chat));
        else if (req.url === "/no-usage") json(200, JSON.stringify({ choices: [{ text: "" }] }));
        else if (req.url === "/error-200") json(200, '{"error":{"message":"model overloaded"}}');
        else if (req.url === "/no-choices") json(200, '{"choices":[]}');
        else if (req.url === "/garbage") json(200, "<html>login</html>");
        else if (req.url === "/http503") json(503, '{"error":{"message":"busy"}}');
        else if (req.url === "/cut") {
          res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
          res.write('{"choices":[');
          setTimeout(() => res.socket?.destroy(), 10);
        } else if (req.url === "/never") res.writeHead(200, { "content-type": "application/json" });
        else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => unary.listen(0, "127.0.0.1", r));
    unaryBase = `http://127.0.0.1:${(unary.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    unary.closeAllConnections();
    await new Promise<void>((r) => unary.close(() => r()));
  });

  async function sendUnary(endpoint: string, timeoutMs = 3000) {
    const c = createStreamClient({ baseUrl: unaryBase, endpoint, headers: {}, connections: 1, timeoutMs, streaming: false });
    try {
      return await c.send({ index: 0, body: "{}", plannedPromptTokens: 4 }, new AbortController().signal);
    } finally {
      await c.close();
    }
  }

  it("records the whole response's arrival as the one token-bearing chunk, and its usage", async () => {
    const rec = await sendUnary("/slow-ok");
    expect(rec.error).toBeNull();
    expect(rec.chunkTimesMs).toHaveLength(1);
    // The body's last bytes were written 80 ms after its first: the completion time is theirs, not the headers'.
    expect(rec.chunkTimesMs[0]! - rec.sendMs).toBeGreaterThanOrEqual(75);
    expect(rec.endMs!).toBeGreaterThanOrEqual(rec.chunkTimesMs[0]!);
    expect(rec.promptTokens).toBe(5);
    expect(rec.completionTokens).toBe(2);
    expect(rec.textChunks).toBe(1);
    expect(unaryHeaders.at(-1)!.accept).toBe("application/json");
  });

  it("reads a chat completion's message, and leaves usage null when the server sent none", async () => {
    const chatRec = await sendUnary("/chat");
    expect(chatRec.error).toBeNull();
    expect([chatRec.promptTokens, chatRec.completionTokens, chatRec.textChunks]).toEqual([9, 1, 1]);
    const bare = await sendUnary("/no-usage");
    expect(bare.error).toBeNull();
    expect([bare.promptTokens, bare.completionTokens, bare.textChunks]).toEqual([null, null, 0]);
  });

  it.each([
    ["/error-200", "stream-error", /model overloaded/],
    ["/no-choices", "empty-stream", /no choices/],
    ["/garbage", "malformed-chunk", /not JSON: <html>login/],
    ["/http503", "http", /HTTP 503: .*busy/],
    ["/cut", "disconnect", /closed before the response ended|ECONNRESET|aborted/],
  ])("classifies %s as %s", async (path, reason, message) => {
    const rec = await sendUnary(path);
    expect(rec.error?.reason).toBe(reason);
    expect(rec.error?.message).toMatch(message);
    expect(rec.chunkTimesMs).toHaveLength(0);
  });

  it("times out a response that never ends", async () => {
    const rec = await sendUnary("/never", 150);
    expect(rec.error?.reason).toBe("timeout");
    expect(rec.endMs! - rec.sendMs).toBeGreaterThanOrEqual(140);
  });
});
