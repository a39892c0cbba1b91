import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEngineState } from "./engine-model.ts";
import { startEngineLoop } from "./engine-loop.ts";
import type { StepWork } from "./roofline.ts";

/** 10 ms (virtual) per step, whatever the batch. */
const tenMs = (_w: StepWork) => ({ durationMs: 10, bytes: 0, flops: 0, memoryMs: 10, computeMs: 0, bound: "memory" as const });

describe("engine loop (real-time driver)", () => {
  let clock = 0;
  beforeEach(() => {
    clock = 1000;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate"] });
  });
  afterEach(() => vi.useRealTimers());

  /** Moves the fake clock and fires due timers, in 1 ms slices like a real event loop. */
  const advance = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock += 1;
      vi.advanceTimersByTime(1);
    }
  };

  it("divides virtual time by the speedup and stamps tokens with their step's end", () => {
    const state = createEngineState({ blockSize: 16, totalBlocks: 100, maxNumSeqs: 8, maxNumBatchedTokens: 1000, stepCost: tenMs });
    const steps: number[] = [];
    const loop = startEngineLoop({ state, speedup: 10, now: () => clock, onSteps: (s) => steps.push(s.length) });
    const times: number[] = [];
    let flushes = 0;
    loop.submit({ promptTokens: 10, targetOutputTokens: 5, finishReason: "length" }, { token: (at) => times.push(at), flush: () => flushes++ });
    advance(20);
    // 5 steps of 10 ms virtual = 1 ms real each, starting at the submit time (clock 1000)
    expect(times).toEqual([1001, 1002, 1003, 1004, 1005]);
    expect(flushes).toBeGreaterThan(0);
    expect(loop.snapshot()).toEqual({ running: 0, waiting: 0, kvUsage: 0, preemptionsTotal: 0, prefixQueriedTokens: 0, prefixHitTokens: 0, runningLoras: "", waitingLoras: "" });
    loop.close();
  });

  it("catches up after a late wake-up without shifting the timeline", () => {
    const state = createEngineState({ blockSize: 16, totalBlocks: 100, maxNumSeqs: 8, maxNumBatchedTokens: 1000, stepCost: tenMs });
    const loop = startEngineLoop({ state, speedup: 1, now: () => clock, onSteps: () => {} });
    const times: number[] = [];
    let flushes = 0;
    loop.submit({ promptTokens: 10, targetOutputTokens: 6, finishReason: "stop" }, { token: (at) => times.push(at), flush: () => flushes++ });
    clock += 45; // the event loop was blocked for 45 ms: 4 steps are due at once
    vi.advanceTimersByTime(45);
    expect(times).toEqual([1010, 1020, 1030, 1040]);
    expect(flushes).toBe(1); // one write for all of them
    advance(30);
    expect(times).toEqual([1010, 1020, 1030, 1040, 1050, 1060]);
    loop.close();
  });

  it("abort frees the request's KV and stops its tokens", () => {
    const state = createEngineState({ blockSize: 16, totalBlocks: 100, maxNumSeqs: 8, maxNumBatchedTokens: 1000, stepCost: tenMs });
    const loop = startEngineLoop({ state, speedup: 1, now: () => clock, onSteps: () => {} });
    const times: number[] = [];
    const id = loop.submit({ promptTokens: 100, targetOutputTokens: 50, finishReason: "length" }, { token: (at) => times.push(at), flush: () => {} });
    advance(25);
    expect(loop.snapshot().kvUsage).toBeGreaterThan(0);
    loop.abort(id);
    advance(50);
    expect(times).toHaveLength(2);
    expect(loop.snapshot()).toMatchObject({ running: 0, kvUsage: 0 });
    loop.close();
  });
});
