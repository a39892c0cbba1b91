import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addRequest, advanceEngine, createEngineState, kvUsage, type EngineConfig, type EngineState, type TokenEvent } from "./engine-model.ts";
import { PROFILES, type SimProfile } from "./profiles.ts";
import { decodeStepCost, kvCapacityBlocks, stepCost, sequenceWork, type StepWork } from "./roofline.ts";

/** A hand-computable cost: 10 ms per step + 0.01 ms per token. */
const simpleCost = (work: StepWork) => {
  const durationMs = 10 + 0.01 * work.tokens;
  return { durationMs, bytes: 0, flops: 0, memoryMs: durationMs, computeMs: 0, bound: "memory" as const };
};

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return { blockSize: 16, totalBlocks: 1000, maxNumSeqs: 256, maxNumBatchedTokens: 8192, stepCost: simpleCost, ...over };
}

function profileConfig(p: SimProfile): EngineConfig {
  return {
    blockSize: p.serving.blockSize,
    totalBlocks: kvCapacityBlocks(p),
    maxNumSeqs: p.serving.maxNumSeqs,
    maxNumBatchedTokens: p.serving.maxNumBatchedTokens,
    stepCost: (w) => stepCost(p, w),
  };
}

/** Runs the engine until idle, returning every token event. */
function runToIdle(state: EngineState, untilMs = Infinity): TokenEvent[] {
  const events: TokenEvent[] = [];
  let r = advanceEngine(state, 0);
  events.push(...r.tokens);
  while (r.nextEventMs !== null && r.nextEventMs <= untilMs) {
    r = advanceEngine(state, r.nextEventMs);
    events.push(...r.tokens);
  }
  return events;
}

describe("engine model: one request", () => {
  it("prefills in one step, then decodes one token per step", () => {
    const s = createEngineState(config());
    addRequest(s, { id: 1, promptTokens: 100, targetOutputTokens: 3, finishReason: "length" }, 0);
    const ev = runToIdle(s);
    // step 1: 100 prompt tokens → 11 ms (first token); steps 2, 3: 1 token → 10.01 ms each
    expect(ev.map((e) => e.atMs)).toEqual([11, 21.01, 31.02].map((x) => expect.closeTo(x, 9)));
    expect(ev.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(ev.map((e) => e.finishReason)).toEqual([null, null, "length"]);
    expect(s.freeBlocks).toBe(1000);
  });

  it("on the h100-8b roofline, the batch-1 inter-token latency is the decode step time", () => {
    const p = PROFILES["h100-8b"];
    const s = createEngineState(profileConfig(p));
    addRequest(s, { id: 1, promptTokens: 256, targetOutputTokens: 3, finishReason: "length" }, 0);
    const ev = runToIdle(s);
    expect(ev[0]!.atMs).toBeCloseTo(stepCost(p, sequenceWork(0, 256)).durationMs, 9); // TTFT = prefill step
    expect(ev[1]!.atMs - ev[0]!.atMs).toBeCloseTo(decodeStepCost(p, 1, 256).durationMs, 9);
    expect(ev[2]!.atMs - ev[1]!.atMs).toBeCloseTo(decodeStepCost(p, 1, 257).durationMs, 9);
  });

  it("chunks a long prompt by max_num_batched_tokens", () => {
    const s = createEngineState(config({ maxNumBatchedTokens: 1000 }));
    addRequest(s, { id: 1, promptTokens: 2500, targetOutputTokens: 1, finishReason: "length" }, 0);
    const ev = runToIdle(s);
    // 1000 + 1000 + 500 tokens: 20 + 20 + 15 ms
    expect(ev).toHaveLength(1);
    expect(ev[0]!.atMs).toBeCloseTo(55, 9);
  });

  it("a request arriving while a step runs joins at the next step; its queue time is the wait", () => {
    const s = createEngineState(config());
    addRequest(s, { id: 1, promptTokens: 100, targetOutputTokens: 5, finishReason: "length" }, 0);
    advanceEngine(s, 0);
    addRequest(s, { id: 2, promptTokens: 100, targetOutputTokens: 1, finishReason: "stop" }, 4);
    const ev = runToIdle(s).filter((e) => e.id === 2);
    expect(ev[0]!.queueMs).toBeCloseTo(7, 9); // arrived at 4, scheduled at 11 (end of step 1)
    expect(ev[0]!.finishReason).toBe("stop");
  });
});

describe("engine model: limits", () => {
  it("queues beyond max_num_seqs", () => {
    const s = createEngineState(config({ maxNumSeqs: 2 }));
    for (const id of [1, 2, 3]) addRequest(s, { id, promptTokens: 10, targetOutputTokens: 4, finishReason: "length" }, 0);
    advanceEngine(s, 0);
    expect(s.running).toHaveLength(2);
    expect(s.waiting).toHaveLength(1);
    const ev = runToIdle(s);
    const firstOf3 = ev.find((e) => e.id === 3)!;
    const lastOf1 = ev.filter((e) => e.id === 1).at(-1)!;
    expect(firstOf3.atMs).toBeGreaterThan(lastOf1.atMs);
  });

  it("queues and preempts (recompute) when the KV cache runs out, and still delivers every token", () => {
    // 10 blocks of 16. Four requests of 32 prompt tokens (2 blocks each) are admitted (8 blocks);
    // decoding past 32 tokens each needs a 3rd block: only 2 are free, so the youngest is preempted.
    const s = createEngineState(config({ totalBlocks: 10 }));
    for (const id of [1, 2, 3, 4]) addRequest(s, { id, promptTokens: 32, targetOutputTokens: 40, finishReason: "length" }, 0);
    let maxWaiting = 0;
    let maxKv = 0;
    const ev: TokenEvent[] = [];
    let r = advanceEngine(s, 0);
    while (r.nextEventMs !== null) {
      maxWaiting = Math.max(maxWaiting, s.waiting.length);
      maxKv = Math.max(maxKv, kvUsage(s));
      r = advanceEngine(s, r.nextEventMs);
      ev.push(...r.tokens);
    }
    expect(s.preemptionsTotal).toBeGreaterThan(0);
    expect(maxWaiting).toBeGreaterThan(0);
    expect(maxKv).toBe(1);
    for (const id of [1, 2, 3, 4]) expect(ev.filter((e) => e.id === id).map((e) => e.index)).toEqual([...Array(40).keys()]);
    expect(s.freeBlocks).toBe(10);
  });

  it("kv-starved: a closed loop at c=32 × (256 in, 128 out) waits and preempts; c=16 does not", () => {
    const run = (concurrency: number) => {
      const s = createEngineState(profileConfig(PROFILES["kv-starved"]));
      let nextId = 1;
      for (let i = 0; i < concurrency; i++) addRequest(s, { id: nextId++, promptTokens: 256, targetOutputTokens: 128, finishReason: "length" }, 0);
      let maxWaiting = 0;
      let finished = 0;
      let r = advanceEngine(s, 0);
      while (r.nextEventMs !== null && finished < 4 * concurrency) {
        r = advanceEngine(s, r.nextEventMs);
        // requests left waiting by the step just scheduled (not the ones that arrive as it starts)
        const startMs = s.step?.startMs ?? Infinity;
        maxWaiting = Math.max(maxWaiting, s.waiting.filter((w) => w.arrivalMs < startMs).length);
        for (const e of r.tokens) {
          if (!e.finishReason) continue;
          finished++;
          addRequest(s, { id: nextId++, promptTokens: 256, targetOutputTokens: 128, finishReason: "length" }, e.atMs);
        }
      }
      return { maxWaiting, preemptions: s.preemptionsTotal };
    };
    const c32 = run(32);
    expect(c32.maxWaiting).toBeGreaterThan(0);
    expect(c32.preemptions).toBeGreaterThan(0);
    expect(run(16)).toEqual({ maxWaiting: 0, preemptions: 0 });
  });
});

describe("engine model: invariants (property)", () => {
  it("every request gets exactly its tokens, in order; budgets and limits hold; KV is freed", () => {
    const request = fc.record({
      arrivalMs: fc.nat(200),
      promptTokens: fc.integer({ min: 1, max: 300 }),
      targetOutputTokens: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), fc.integer({ min: 25, max: 80 }), fc.integer({ min: 1, max: 6 }), (reqs, blocks, maxNumSeqs) => {
        const s = createEngineState(config({ totalBlocks: blocks, maxNumSeqs, maxNumBatchedTokens: 256 }));
        const sorted = [...reqs].sort((a, b) => a.arrivalMs - b.arrivalMs);
        const events: TokenEvent[] = [];
        let next = 0;
        let now = 0;
        for (let guard = 0; guard < 100_000; guard++) {
          while (next < sorted.length && sorted[next]!.arrivalMs <= now) {
            const q = sorted[next]!;
            addRequest(s, { id: next, promptTokens: q.promptTokens, targetOutputTokens: q.targetOutputTokens, finishReason: "length" }, q.arrivalMs);
            next++;
          }
          const r = advanceEngine(s, now);
          events.push(...r.tokens);
          for (const step of r.steps) {
            if (step.scheduled.reduce((n, x) => n + x.newTokens, 0) > 256) return false;
          }
          if (s.running.length > maxNumSeqs || s.freeBlocks < 0) return false;
          const arrival = next < sorted.length ? sorted[next]!.arrivalMs : Infinity;
          if (r.nextEventMs === null && arrival === Infinity) break;
          now = Math.min(r.nextEventMs ?? Infinity, arrival);
        }
        return (
          sorted.every((q, id) => {
            const mine = events.filter((e) => e.id === id);
            return mine.length === q.targetOutputTokens && mine.every((e, k) => e.index === k && (k === 0 || e.atMs > mine[k - 1]!.atMs));
          }) && s.freeBlocks === blocks
        );
      }),
      { numRuns: 150 },
    );
  });
});
