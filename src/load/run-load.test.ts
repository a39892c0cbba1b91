/**
 * The one stage runner by hand, with a fake client: warm-ups go first and unreported, request indices count across
 * stages, a per-stage client is released after its stage, onStageEnd can end the run, kept or streamed records.
 */
import { describe, expect, it } from "vitest";
import { newRequestRecord, type RequestRecord } from "../engine/request-record.ts";
import type { PreparedRequest, StreamClient } from "../engine/openai-stream-client.ts";
import type { RequestSource, ScenarioRecord } from "../scenarios/types.ts";
import { runLoad, withoutWarmup, type LoadStage } from "./run-load.ts";

const source: RequestSource = { request: (i) => ({ body: `{"i":${i}}`, plannedPromptTokens: 1, plannedOutputTokens: 1 }), describe: () => "test" };

function fakeClients() {
  const sent: Array<{ client: number; index: number }> = [];
  const released: number[] = [];
  let made = 0;
  const clientFor = (): StreamClient => {
    const id = made++;
    return {
      send: async (req: PreparedRequest): Promise<RequestRecord> => {
        sent.push({ client: id, index: req.index });
        await new Promise((r) => setImmediate(r));
        return { ...newRequestRecord(req.index, 1, 0), sendMs: performance.now(), chunkTimesMs: [performance.now()], endMs: performance.now() };
      },
      close: async () => undefined,
    };
  };
  return { sent, released, clientFor, releaseClient: async (i: number) => void released.push(i) };
}

const never = new AbortController().signal;

describe("runLoad", () => {
  it("sends each stage's warm-up first, unreported, and counts request indices across stages", async () => {
    const c = fakeClients();
    const reported: ScenarioRecord[] = [];
    const stages: LoadStage[] = [
      { kind: "concurrent", concurrency: 2, numRequests: 3, warmup: 2 },
      { kind: "concurrent", concurrency: 1, numRequests: 2, warmup: 1 },
    ];
    const res = await runLoad({ stages, source, clientFor: c.clientFor, releaseClient: c.releaseClient, seed: 1, stop: never, abort: never, onRecord: (r) => reported.push(r) });
    // stage 0: warm-up 0–1, measured 2–4; stage 1: warm-up 5, measured 6–7
    expect(c.sent.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reported.map((r) => [r.stage, r.index])).toEqual([[0, 2], [0, 3], [0, 4], [1, 6], [1, 7]]);
    expect(res.requestsUsed).toBe(8);
    expect(res.runs.map((r) => [r.index, r.records.length, r.sent, r.status])).toEqual([[0, 3, 3, "completed"], [1, 2, 2, "completed"]]);
    // A client per stage, released after it; the warm-up used the stage's own client.
    expect(c.released).toEqual([0, 1]);
    expect(new Set(c.sent.filter((s) => s.index <= 4).map((s) => s.client))).toEqual(new Set([0]));
    expect(res.runs[0]!.plan).toEqual({ kind: "concurrent", concurrency: 2, numRequests: 3 });
  });

  it("runs no further stage when onStageEnd says false, and holds no record with keepRecords false", async () => {
    const c = fakeClients();
    let seen = 0;
    const res = await runLoad({
      stages: [
        { kind: "concurrent", concurrency: 1, numRequests: 2 },
        { kind: "concurrent", concurrency: 1, numRequests: 2 },
      ],
      source,
      clientFor: c.clientFor,
      seed: 1,
      stop: never,
      abort: never,
      keepRecords: false,
      onRecord: () => void seen++,
      onStageEnd: () => false,
    });
    expect(res.runs).toHaveLength(1);
    expect(res.runs[0]!.records).toEqual([]);
    expect(res.runs[0]!.sent).toBe(2);
    expect(seen).toBe(2);
  });

  it("waits load.interval between stages, not before the first", async () => {
    const c = fakeClients();
    const starts: number[] = [];
    const t0 = performance.now();
    await runLoad({
      stages: [
        { kind: "concurrent", concurrency: 1, numRequests: 1 },
        { kind: "concurrent", concurrency: 1, numRequests: 1 },
      ],
      source,
      clientFor: c.clientFor,
      intervalS: 0.2,
      seed: 1,
      stop: never,
      abort: never,
      onStageStart: () => void starts.push(performance.now() - t0),
    });
    expect(starts[0]).toBeLessThan(100);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(195);
  });

  it("withoutWarmup leaves the stage as the dispatcher and the reports know it", () => {
    expect(withoutWarmup({ kind: "constant", rate: 2, durationS: 3, warmup: 4 })).toEqual({ kind: "constant", rate: 2, durationS: 3 });
  });
});
