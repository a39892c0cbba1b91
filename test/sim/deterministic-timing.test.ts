import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { median, postJson, type RawResponse } from "./raw-http.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const TTFT_MS = 50;
const ITL_MS = 10;
/** Tolerance on medians; the simulator aims at ±0.5 ms, the rest is slack for a loaded 2-core box. */
// The reader and the simulator share one process on a 2-core machine that also runs other test files.
const TOLERANCE_MS = 5;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: TTFT_MS, itlMs: ITL_MS });
  // warm-up (JIT, first connections), as a benchmark would
  await Promise.all([0, 1, 2, 3].map(() => postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "w", max_tokens: 2, stream: true })));
});
afterAll(async () => {
  await sim.close();
});

const tokenEvents = (r: RawResponse) => r.events.filter((e) => e.data !== "[DONE]" && (JSON.parse(e.data) as { choices: unknown[] }).choices.length > 0);

describe("deterministic mode", () => {
  it(`first token after ${TTFT_MS} ms, then one every ${ITL_MS} ms (medians within ±${TOLERANCE_MS} ms)`, async () => {
    // three rounds of four concurrent streams, spread in time so one hiccup of a busy box cannot move the medians
    const runs: RawResponse[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          postJson(sim.url, "/v1/completions", { model: MODEL, prompt: `p${round}-${i}`, max_tokens: 30, ignore_eos: true, stream: true }),
        ),
      );
      runs.push(...batch);
    }
    const ttfts: number[] = [];
    const itls: number[] = [];
    const spans: number[] = [];
    for (const r of runs) {
      const ev = tokenEvents(r);
      expect(ev).toHaveLength(30);
      ttfts.push(ev[0]!.atMs - r.sentMs);
      for (let k = 1; k < ev.length; k++) itls.push(ev[k]!.atMs - ev[k - 1]!.atMs);
      spans.push(ev.at(-1)!.atMs - ev[0]!.atMs);
    }
    const seen = `TTFT p50 ${median(ttfts).toFixed(2)} ms, ITL p50 ${median(itls).toFixed(2)} ms, span p50 ${median(spans).toFixed(2)} ms`;
    expect(Math.abs(median(ttfts) - TTFT_MS), seen).toBeLessThan(TOLERANCE_MS);
    expect(Math.abs(median(itls) - ITL_MS), seen).toBeLessThan(TOLERANCE_MS);
    // absolute deadlines: first → last token is 29 × ITL; per-token timer lateness would add up here
    expect(Math.abs(median(spans) - 29 * ITL_MS), seen).toBeLessThan(TOLERANCE_MS);
  });

  it("chat: the role chunk and the first content chunk both arrive at TTFT", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", {
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
      max_completion_tokens: 3,
      ignore_eos: true,
      stream: true,
    });
    const ev = tokenEvents(r);
    expect(ev).toHaveLength(4);
    expect(Math.abs(ev[0]!.atMs - r.sentMs - TTFT_MS)).toBeLessThan(2 * TOLERANCE_MS);
    expect(ev[1]!.atMs - ev[0]!.atMs).toBeLessThan(1);
  });

  it("zero-latency mode streams as fast as the socket takes it", async () => {
    const fast = await startSimulator({ port: 0, ttftMs: 0, itlMs: 0 });
    try {
      const t0 = performance.now();
      const r = await postJson(fast.url, "/v1/completions", { model: MODEL, prompt: "x", max_tokens: 2000, ignore_eos: true, stream: true });
      expect(tokenEvents(r)).toHaveLength(2000);
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      await fast.close();
    }
  });
});
