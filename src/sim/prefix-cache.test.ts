/**
 * Automatic prefix caching in the engine model, by hand: hits of a repeated prompt (leaving one token to compute),
 * the counters, evictable blocks counted free, eviction under KV pressure, and the hashes' prefix and adapter keys.
 */
import { describe, expect, it } from "vitest";
import { addRequest, advanceEngine, createEngineState, kvUsage, type EngineConfig, type EngineState, type TokenEvent } from "./engine-model.ts";
import { promptBlockHashes } from "./prefix-hashes.ts";
import type { StepWork } from "./roofline.ts";

/** 10 ms per step + 0.01 ms per token computed. */
const simpleCost = (work: StepWork) => {
  const durationMs = 10 + 0.01 * work.tokens;
  return { durationMs, bytes: 0, flops: 0, memoryMs: durationMs, computeMs: 0, bound: "memory" as const };
};
const config = (over: Partial<EngineConfig> = {}): EngineConfig => ({ blockSize: 16, totalBlocks: 1000, maxNumSeqs: 256, maxNumBatchedTokens: 8192, stepCost: simpleCost, prefixCaching: true, ...over });

function runToIdle(state: EngineState): { events: TokenEvent[]; stepTokens: number[] } {
  const events: TokenEvent[] = [];
  const stepTokens: number[] = [];
  let r = advanceEngine(state, state.clockMs);
  for (;;) {
    events.push(...r.tokens);
    for (const s of r.steps) stepTokens.push(s.scheduled.reduce((n, x) => n + x.newTokens, 0));
    if (r.nextEventMs === null) break;
    r = advanceEngine(state, r.nextEventMs);
  }
  return { events, stepTokens };
}

const ids = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => offset + i);

describe("prefix caching: the engine", () => {
  it("a repeated 64-token prompt shares 3 of its 4 blocks and computes 16 tokens; the counters say 48 of 128", () => {
    const state = createEngineState(config());
    const hashes = promptBlockHashes(ids(64), 16, null);
    expect(hashes).toHaveLength(4);
    addRequest(state, { id: 1, promptTokens: 64, targetOutputTokens: 2, finishReason: "length", blockHashes: hashes }, 0);
    const first = runToIdle(state);
    expect(first.stepTokens).toEqual([64, 1]); // prefill 64, then one decode step for the second token
    // A finished: its 4 cached blocks are kept, held by nobody: free for KV usage, still hits.
    expect(state.cache.size).toBe(4);
    expect(state.evictable.size).toBe(4);
    expect(kvUsage(state)).toBe(0);

    addRequest(state, { id: 2, promptTokens: 64, targetOutputTokens: 2, finishReason: "length", blockHashes: hashes }, state.clockMs);
    const second = runToIdle(state);
    // Up to promptTokens − 1 = 63 tokens may be shared: 3 full blocks (48 tokens); the last block is computed.
    expect(second.stepTokens).toEqual([16, 1]);
    expect(state.prefixQueriedTokens).toBe(128);
    expect(state.prefixHitTokens).toBe(48);
    expect(second.events).toHaveLength(2);
  });

  it("without prefix caching nothing is looked up, even with hashes", () => {
    const state = createEngineState(config({ prefixCaching: false }));
    const hashes = promptBlockHashes(ids(64), 16, null);
    for (const id of [1, 2]) {
      addRequest(state, { id, promptTokens: 64, targetOutputTokens: 1, finishReason: "length", blockHashes: hashes }, state.clockMs);
      expect(runToIdle(state).stepTokens).toEqual([64]);
    }
    expect([state.prefixQueriedTokens, state.prefixHitTokens, state.cache.size]).toEqual([0, 0, 0]);
  });

  it("evicts cached blocks nobody holds, least recently used first, only when no free block is left", () => {
    // 8 blocks of 16 tokens. A (64 tokens) leaves 4 cached blocks; C's 96-token prefill needs 6: the 4 free ones, then
    // 2 evicted (its one output token is sampled at the end of the prefill and needs no KV slot).
    const state = createEngineState(config({ totalBlocks: 8 }));
    const a = promptBlockHashes(ids(64), 16, null);
    addRequest(state, { id: 1, promptTokens: 64, targetOutputTokens: 1, finishReason: "length", blockHashes: a }, 0);
    runToIdle(state);
    expect([state.freeBlocks, state.evictable.size]).toEqual([4, 4]);
    addRequest(state, { id: 2, promptTokens: 96, targetOutputTokens: 1, finishReason: "length", blockHashes: promptBlockHashes(ids(96, 5000), 16, null) }, state.clockMs);
    runToIdle(state);
    // A's first two blocks (the least recently used) went to C; the others are still cached.
    expect(a.map((h) => state.cache.has(h))).toEqual([false, false, true, true]);
    // A again: its first block is gone, so nothing leads: no hit (a hit needs every block before it).
    addRequest(state, { id: 3, promptTokens: 64, targetOutputTokens: 1, finishReason: "length", blockHashes: a }, state.clockMs);
    expect(runToIdle(state).stepTokens).toEqual([64]);
    expect(state.prefixHitTokens).toBe(0);
  });

  it("two running sequences share a cached block, and it becomes evictable only when both are done", () => {
    const state = createEngineState(config());
    const shared = promptBlockHashes(ids(40), 16, null); // 2 full blocks
    addRequest(state, { id: 1, promptTokens: 40, targetOutputTokens: 3, finishReason: "length", blockHashes: shared }, 0);
    advanceEngine(state, 0);
    const afterPrefill = advanceEngine(state, state.step!.endMs); // A's prefill done: its 2 full blocks cached
    expect(afterPrefill.tokens).toHaveLength(1);
    addRequest(state, { id: 2, promptTokens: 40, targetOutputTokens: 3, finishReason: "length", blockHashes: shared }, state.clockMs);
    advanceEngine(state, state.step!.endMs);
    expect(state.prefixHitTokens).toBe(32);
    expect(shared.map((h) => state.cache.get(h)!.refs)).toEqual([2, 2]);
    runToIdle(state);
    expect(shared.map((h) => state.cache.get(h)!.refs)).toEqual([0, 0]);
    expect(state.evictable.size).toBe(2);
    expect(state.freeBlocks + state.evictable.size).toBe(1000);
  });
});

describe("prefix caching: the block hashes", () => {
  it("cover whole blocks only, chain each block to the ones before it, and key the LoRA adapter", () => {
    const a = promptBlockHashes(ids(50), 16, null);
    expect(a).toHaveLength(3); // 50 tokens: 3 full blocks, the 2 left over are not cached
    const b = promptBlockHashes([...ids(32), 999, ...ids(17, 33)], 16, null); // differs in block 2 only
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
    expect(b[2]).not.toBe(a[2]);
    const c = promptBlockHashes([999, ...ids(49, 1)], 16, null); // differs in block 0: every later block differs too
    expect(c.some((h, i) => h === a[i])).toBe(false);
    expect(promptBlockHashes(ids(50), 16, "sql")[0]).not.toBe(a[0]);
  });
});
