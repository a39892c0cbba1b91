import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { runClosedLoop } from "./closed-loop.ts";
import { newRequestRecord, type RequestRecord } from "../engine/request-record.ts";
import type { PreparedRequest } from "../engine/openai-stream-client.ts";

function requests(n: number): PreparedRequest[] {
  return Array.from({ length: n }, (_, index) => ({ index, body: "{}", plannedPromptTokens: 1 }));
}

function record(index: number): RequestRecord {
  return { ...newRequestRecord(index, 1, 0), chunkTimesMs: [1], promptTokens: 1, completionTokens: 1, textChunks: 1 };
}

describe("closed loop", () => {
  it("keeps exactly N requests in flight until the requests run out, and sends each once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 60 }), async (concurrency, n) => {
        let inFlight = 0;
        let peak = 0;
        const sent: number[] = [];
        const result = await runClosedLoop({
          concurrency,
          requests: requests(n),
          now: () => 0,
          stop: new AbortController().signal,
          abort: new AbortController().signal,
          send: async (req) => {
            sent.push(req.index);
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((r) => setImmediate(r));
            inFlight--;
            return record(req.index);
          },
        });
        expect(peak).toBe(Math.min(concurrency, n));
        expect(sent.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(result.records).toHaveLength(n);
        expect(result.unsent).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it("stops dispatching on stop, lets in-flight requests finish, and counts the unsent", async () => {
    const stop = new AbortController();
    let calls = 0;
    const result = await runClosedLoop({
      concurrency: 2,
      requests: requests(10),
      now: () => 0,
      stop: stop.signal,
      abort: new AbortController().signal,
      send: async (req) => {
        calls++;
        if (calls === 3) stop.abort();
        await new Promise((r) => setImmediate(r));
        return record(req.index);
      },
    });
    expect(result.records).toHaveLength(3);
    expect(result.unsent).toBe(7);
  });
});
