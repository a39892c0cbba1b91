/**
 * The simulator's known capacity for one request shape: its own engine model (src/sim/engine-model.ts, the code
 * that times every simulated token) driven in virtual time by an ideal closed loop — no HTTP, no client, no
 * timers. X(c) is the steady-state throughput at concurrency c; the capacity is the highest X(c). The sweep's
 * saturation ladder, run against the real simulator over HTTP, should find about this rate (× --speedup).
 */
import { addRequest, advanceEngine, createEngineState } from "../src/sim/engine-model.ts";
import { stepCost } from "../src/sim/roofline.ts";
import { resolveSimConfig } from "../src/sim/sim-options.ts";
import type { ProfileName } from "../src/sim/profiles.ts";

export interface RequestShape {
  promptTokens: number;
  outputTokens: number;
}

/** Steady-state completions per virtual second of an ideal closed loop at `concurrency`. */
export function virtualThroughputRps(profile: ProfileName, shape: RequestShape, concurrency: number, requests = 20 * concurrency + 200): number {
  const cfg = resolveSimConfig({ profile });
  const p = cfg.profileSpec;
  const state = createEngineState({
    blockSize: p.serving.blockSize,
    totalBlocks: cfg.totalKvBlocks,
    maxNumSeqs: cfg.maxNumSeqs,
    maxNumBatchedTokens: p.serving.maxNumBatchedTokens,
    stepCost: (work) => stepCost(p, work),
  });
  let nextId = 0;
  const add = (atMs: number) => addRequest(state, { id: nextId++, promptTokens: shape.promptTokens, targetOutputTokens: shape.outputTokens, finishReason: "length" }, atMs);
  for (let i = 0; i < Math.min(concurrency, requests); i++) add(0);
  const doneAtMs: number[] = [];
  let r = advanceEngine(state, 0);
  for (;;) {
    let lastDoneMs = 0;
    for (const ev of r.tokens) {
      if (ev.finishReason === null) continue;
      doneAtMs.push(ev.atMs);
      lastDoneMs = ev.atMs;
      if (nextId < requests) add(ev.atMs); // the freed slot sends its next request at once
    }
    // An idle engine starts again on the request just added (at c = 1 it idles after every request).
    const atMs = r.nextEventMs ?? (state.waiting.length > 0 ? lastDoneMs : null);
    if (atMs === null) break;
    r = advanceEngine(state, atMs);
  }
  // The middle half of the completions: past the synchronized start, before the drain.
  const k1 = Math.floor(doneAtMs.length * 0.25);
  const k2 = Math.floor(doneAtMs.length * 0.75);
  return ((k2 - k1) / (doneAtMs[k2]! - doneAtMs[k1]!)) * 1000;
}

/** X(c) for c = 1, 2, 4, … up to `maxConcurrency`, and the highest of them. */
export function virtualCapacity(profile: ProfileName, shape: RequestShape, maxConcurrency = 1024): { curve: Array<{ concurrency: number; rps: number }>; capacityRps: number } {
  const curve: Array<{ concurrency: number; rps: number }> = [];
  for (let c = 1; c <= maxConcurrency; c *= 2) curve.push({ concurrency: c, rps: virtualThroughputRps(profile, shape, c) });
  return { curve, capacityRps: Math.max(...curve.map((p) => p.rps)) };
}
