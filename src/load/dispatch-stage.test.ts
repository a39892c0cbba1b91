/**
 * The stage scheduler with a fake send (no network), on the real clock. Time bounds are loose on purpose (a
 * shared 2-core machine): the tests check order, counts, what is recorded as scheduled, and that a cap or a stop
 * shows as delay or as unsent, never as a silent drop. Accuracy at rate is measured by bench/rate-bench.ts.
 */
import { describe, expect, it } from "vitest";
import { newRequestRecord, type RequestRecord } from "../engine/request-record.ts";
import type { PreparedRequest } from "../engine/openai-stream-client.ts";
import type { RequestSource } from "../scenarios/types.ts";
import { dispatchStage, type DispatchStageOptions } from "./dispatch-stage.ts";

const now = () => performance.now();

function countingSource(): RequestSource & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    request(i) {
      asked.push(i);
      return { body: `{"i":${i}}`, plannedPromptTokens: 10 + i, plannedOutputTokens: 5 };
    },
    describe: () => "counting",
  };
}

interface FakeServer {
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  sent: PreparedRequest[];
  maxInFlight: number;
}

/** Answers each request after `latencyMs` (or never, when null) unless the signal cancels it first. */
function fakeServer(latencyMs: number | null): FakeServer {
  let inFlight = 0;
  const server: FakeServer = {
    sent: [],
    maxInFlight: 0,
    send(req, signal) {
      const rec = newRequestRecord(req.index, req.plannedPromptTokens, Date.now());
      if (signal.aborted) {
        rec.error = { reason: "aborted", message: "before send" };
        return Promise.resolve(rec);
      }
      server.sent.push(req);
      inFlight++;
      server.maxInFlight = Math.max(server.maxInFlight, inFlight);
      rec.sendMs = performance.now();
      return new Promise((resolve) => {
        const done = () => {
          inFlight--;
          rec.endMs = performance.now();
          resolve(rec);
        };
        const t = latencyMs === null ? null : setTimeout(() => (rec.chunkTimesMs.push(performance.now()), done()), latencyMs);
        signal.addEventListener("abort", () => {
          if (t) clearTimeout(t);
          rec.error = { reason: "aborted", message: "cancelled" };
          done();
        });
      });
    },
  };
  return server;
}

function options(over: Partial<DispatchStageOptions> & Pick<DispatchStageOptions, "send" | "count" | "offsetsMs">): DispatchStageOptions {
  return {
    stage: 0,
    maxInFlight: Infinity,
    firstRequest: 0,
    source: countingSource(),
    stop: new AbortController().signal,
    abort: new AbortController().signal,
    now,
    ...over,
  };
}

describe("dispatchStage, open loop", () => {
  it("sends each request at its absolute offset and records when it was scheduled", async () => {
    const server = fakeServer(5);
    const source = countingSource();
    const offsets = Float64Array.from([10, 40, 70, 100]);
    const res = await dispatchStage(options({ send: server.send, count: 4, offsetsMs: offsets, source, firstRequest: 100, stage: 3 }));
    expect(res.status).toBe("completed");
    expect(res.unsent).toBe(0);
    expect(res.records).toHaveLength(4);
    expect(server.sent.map((r) => r.index)).toEqual([100, 101, 102, 103]);
    expect(server.sent.map((r) => r.body)).toEqual(['{"i":100}', '{"i":101}', '{"i":102}', '{"i":103}']);
    expect(source.asked).toEqual([100, 101, 102, 103]); // each body built once, lazily
    const byIndex = [...res.records].sort((a, b) => a.index - b.index);
    byIndex.forEach((r, k) => {
      expect(r.stage).toBe(3);
      expect(r.scheduledMs).toBe(res.originMs + offsets[k]!);
      expect(r.sendMs).toBeGreaterThanOrEqual(r.scheduledMs); // never early
      expect(r.endMs).toBeGreaterThanOrEqual(r.sendMs);
    });
    expect(res.startMs).toBe(res.originMs + 10);
    expect(res.endMs).toBe(Math.max(...res.records.map((r) => r.endMs)));
    expect(res.dispatchEndMs).toBeGreaterThanOrEqual(res.originMs + 100);
  });

  it("holds a due request while the in-flight cap is reached and sends it late, with the delay recorded", async () => {
    const server = fakeServer(40);
    const res = await dispatchStage(options({ send: server.send, count: 4, offsetsMs: new Float64Array(4), maxInFlight: 1 }));
    expect(res.status).toBe("completed");
    expect(server.maxInFlight).toBe(1);
    const delays = [...res.records].sort((a, b) => a.index - b.index).map((r) => r.sendMs - r.scheduledMs);
    // All four were due at the origin; the k-th waited for k answers of ≥ 40 ms each.
    delays.forEach((d, k) => expect(d).toBeGreaterThanOrEqual(k * 39));
    expect(res.records.every((r) => r.scheduledMs === res.originMs)).toBe(true);
  });

  it("on stop, sends nothing more, lets in-flight requests finish, and counts the rest as unsent", async () => {
    const server = fakeServer(30);
    const stop = new AbortController();
    const offsets = Float64Array.from({ length: 20 }, (_, i) => i * 50);
    setTimeout(() => stop.abort(), 120);
    const res = await dispatchStage(options({ send: server.send, count: 20, offsetsMs: offsets, stop: stop.signal }));
    expect(res.status).toBe("interrupted");
    expect(res.records.length).toBeGreaterThanOrEqual(2);
    expect(res.records.length).toBeLessThan(20);
    expect(res.records.every((r) => r.error === null)).toBe(true); // in flight at the stop: finished, not cut
    expect(res.unsent).toBe(20 - res.records.length);
  });

  it("on a stage timeout, cancels what is in flight and ends as timed_out", async () => {
    const server = fakeServer(null); // never answers
    const res = await dispatchStage(options({ send: server.send, count: 3, offsetsMs: Float64Array.from([0, 10, 5000]), timeoutMs: 80 }));
    expect(res.status).toBe("timed_out");
    expect(res.records).toHaveLength(2);
    expect(res.records.every((r) => r.error?.reason === "aborted")).toBe(true);
    expect(res.unsent).toBe(1);
  });

  it("an abort cancels in-flight requests: the stage is interrupted", async () => {
    const server = fakeServer(null);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const res = await dispatchStage(options({ send: server.send, count: 2, offsetsMs: Float64Array.from([0, 0]), abort: abort.signal }));
    expect(res.status).toBe("interrupted");
    expect(res.records.map((r) => r.error?.reason)).toEqual(["aborted", "aborted"]);
    expect(res.unsent).toBe(0);
  });

  it("refuses a cap below 1 or too few due times instead of waiting forever", async () => {
    const send = fakeServer(1).send;
    await expect(dispatchStage(options({ send, count: 2, offsetsMs: null, maxInFlight: 0 }))).rejects.toThrow(/in-flight cap must be ≥ 1/);
    await expect(dispatchStage(options({ send, count: 2, offsetsMs: new Float64Array(1) }))).rejects.toThrow(/1 due times for 2 requests/);
  });

  it("ends at once for an empty stage", async () => {
    const res = await dispatchStage(options({ send: fakeServer(1).send, count: 0, offsetsMs: new Float64Array(0) }));
    expect(res).toMatchObject({ status: "completed", records: [], unsent: 0 });
  });

  it("rejects when the request source fails (a data bug is not a measurement)", async () => {
    const source: RequestSource = {
      request: (i) => {
        if (i === 1) throw new Error("no prompt 1");
        return { body: "{}", plannedPromptTokens: 1, plannedOutputTokens: 1 };
      },
      describe: () => "broken",
    };
    await expect(dispatchStage(options({ send: fakeServer(1).send, count: 3, offsetsMs: Float64Array.from([0, 5, 10]), source }))).rejects.toThrow(
      "no prompt 1",
    );
  });
});

describe("dispatchStage, closed loop", () => {
  it("keeps exactly `maxInFlight` requests in flight; each later request is scheduled when a slot was freed", async () => {
    const server = fakeServer(15);
    const res = await dispatchStage(options({ send: server.send, count: 8, offsetsMs: null, maxInFlight: 3 }));
    expect(res.status).toBe("completed");
    expect(res.records).toHaveLength(8);
    expect(server.maxInFlight).toBe(3);
    const ends = new Set(res.records.map((r) => r.endMs));
    const byIndex = [...res.records].sort((a, b) => a.index - b.index);
    byIndex.slice(0, 3).forEach((r) => expect(r.scheduledMs).toBe(res.originMs));
    byIndex.slice(3).forEach((r) => {
      expect(ends.has(r.scheduledMs)).toBe(true); // the end of the request whose slot it took
      expect(r.sendMs).toBeGreaterThanOrEqual(r.scheduledMs);
    });
    expect(res.startMs).toBe(res.originMs);
  });
});
