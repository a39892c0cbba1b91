import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { postJson, rawRequest, type RawResponse } from "./raw-http.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const body = { model: MODEL, prompt: "fault test", max_tokens: 10, ignore_eos: true, stream: true };
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1 });
});
afterAll(async () => {
  await sim.close();
});

const fault = (value: string, b: unknown = body) => postJson(sim.url, "/v1/completions", b, { "x-kneepoint-fault": value });
const dataLines = (r: RawResponse) => r.events.map((e) => e.data);

describe("per-request faults (x-kneepoint-fault)", () => {
  it("status=503 answers an OpenAI-style error", async () => {
    const r = await fault("status=503");
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ error: { message: expect.stringContaining("503"), type: "ServiceUnavailableError", param: null, code: 503 } });
  });

  it("rate-limit answers 429 with Retry-After: 1", async () => {
    const r = await fault("rate-limit");
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("1");
    expect(JSON.parse(r.body).error.type).toBe("RateLimitError");
  });

  it("disconnect-after=5 destroys the connection after 5 token chunks, without [DONE]", async () => {
    const r = await fault("disconnect-after=5");
    expect(r.status).toBe(200);
    expect(r.truncated).toBe(true);
    expect(dataLines(r)).toHaveLength(5);
    expect(dataLines(r)).not.toContain("[DONE]");
    await expect(fault("disconnect-after=2", { ...body, stream: false })).rejects.toThrow(/closed before a response/);
  });

  it("stall-ms=300 holds the first token back, after sending the headers", async () => {
    const r = await fault("stall-ms=300");
    const ttft = r.events[0]!.atMs - r.sentMs;
    expect(ttft).toBeGreaterThanOrEqual(300);
    expect(ttft).toBeLessThan(400);
    expect(dataLines(r).at(-1)).toBe("[DONE]");
  });

  it("malformed-at=3 makes the third token chunk a data line that is not JSON", async () => {
    const lines = dataLines(await fault("malformed-at=3"));
    expect(lines).toHaveLength(11); // 10 tokens + [DONE]
    const parses = lines.slice(0, -1).map((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    expect(parses).toEqual([true, true, false, true, true, true, true, true, true, true]);
  });

  it("a malformed header is a 400 that shows the grammar", async () => {
    const r = await fault("explode=1");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain("disconnect-after");
  });

  it("counts cut-off requests as finished_reason abort", async () => {
    await fault("disconnect-after=3");
    const text = (await rawRequest(sim.url, { path: "/metrics" })).body;
    expect(text).toMatch(/vllm:request_success_total\{[^}]*finished_reason="abort"\} [1-9]/);
  });
});

describe("faults with the performance model", () => {
  it("stall, disconnect and malformed chunks work the same when the engine loop produces the tokens", async () => {
    const real = await startSimulator({ port: 0, speedup: 10 });
    try {
      const send = (value: string) => postJson(real.url, "/v1/completions", body, { "x-kneepoint-fault": value });
      const stalled = await send("stall-ms=150");
      expect(stalled.events[0]!.atMs - stalled.sentMs).toBeGreaterThanOrEqual(150);
      expect(stalled.events.at(-1)!.data).toBe("[DONE]");
      const cut = await send("disconnect-after=3");
      expect([cut.truncated, cut.events.length]).toEqual([true, 3]);
      const bad = await send("malformed-at=1");
      expect(() => JSON.parse(bad.events[0]!.data)).toThrow();
      const text = (await rawRequest(real.url, { path: "/metrics" })).body;
      expect(text).toMatch(/vllm:num_requests_running\{[^}]*\} 0\n/); // the cut request left the engine
    } finally {
      await real.close();
    }
  });
});

describe("rate-based faults", () => {
  it("are drawn with the seed: two simulators with the same seed fail the same requests", async () => {
    const options = { port: 0, ttftMs: 0, itlMs: 0, faultErrorRate: 0.3, faultErrorStatus: 502, faultRateLimitRate: 0.2, seed: 9 };
    const statuses = async () => {
      const s = await startSimulator(options);
      try {
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await postJson(s.url, "/v1/completions", { ...body, prompt: `r${i}` })).status);
        return out;
      } finally {
        await s.close();
      }
    };
    const a = await statuses();
    expect(await statuses()).toEqual(a);
    expect(a).toContain(502);
    expect(a).toContain(429);
    expect(a).toContain(200);
  });

  it("a disconnect rate of 1 cuts every stream before its end", async () => {
    const s = await startSimulator({ port: 0, ttftMs: 0, itlMs: 0, faultDisconnectRate: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await postJson(s.url, "/v1/completions", { ...body, prompt: `d${i}` }).catch(() => null);
        if (r) expect(r.events.length).toBeLessThan(11);
      }
    } finally {
      await s.close();
    }
  });
});
