/**
 * The one loop that drives the engine model in real time. Virtual time runs `speedup` times
 * faster than performance.now(). At each wake-up it runs every step whose virtual end has passed
 * (catching up if the timer fired late), hands the produced tokens to their requests, and sleeps
 * until the next step ends. One timer for the whole engine, never one per request.
 */
import { abortRequest, addRequest, advanceEngine, cachedPrefixBlocks, kvUsage, type EngineState, type EngineStep, type NewRequest } from "./engine-model.ts";
import { adapterLabel } from "./lora-cost.ts";
import { wakeAt, type WakeHandle } from "./precise-timer.ts";

/** Receives one request's tokens; `flush` is called once per wake-up after all its tokens. */
export interface TokenListener {
  /** `atMs` on the performance.now() clock; `queueMs` real ms from arrival to first schedule. */
  token(atMs: number, finishReason: "length" | "stop" | null, queueMs: number): void;
  flush(): void;
}

export interface EngineLoop {
  submit(request: Omit<NewRequest, "id">, listener: TokenListener): number;
  abort(id: number): void;
  /** Leading blocks of `hashes` in the engine's prefix cache now. */
  cachedPrefixBlocks(hashes: readonly string[]): number;
  snapshot(): { running: number; waiting: number; kvUsage: number; preemptionsTotal: number; prefixQueriedTokens: number; prefixHitTokens: number; runningLoras: string; waitingLoras: string };
  close(): void;
}

export interface EngineLoopOptions {
  state: EngineState;
  speedup: number;
  now: () => number;
  /** Real time (on `now`'s clock) at virtual time 0; defaults to the start. */
  originMs?: number;
  onSteps: (steps: EngineStep[]) => void;
}

export function startEngineLoop({ state, speedup, now, originMs = now(), onSteps }: EngineLoopOptions): EngineLoop {
  const listeners = new Map<number, TokenListener>();
  let nextId = 1;
  let wake: WakeHandle | null = null;
  let wakeVirtualMs: number | null = null;
  let closed = false;

  const virtualNow = () => (now() - originMs) * speedup;
  const toRealMs = (virtualMs: number) => originMs + virtualMs / speedup;

  function pump(): void {
    wake = null;
    wakeVirtualMs = null;
    if (closed) return;
    const result = advanceEngine(state, virtualNow());
    if (result.steps.length > 0) onSteps(result.steps);
    const touched = new Set<TokenListener>();
    for (const ev of result.tokens) {
      const listener = listeners.get(ev.id);
      if (!listener) continue;
      listener.token(toRealMs(ev.atMs), ev.finishReason, ev.queueMs / speedup);
      touched.add(listener);
      if (ev.finishReason) listeners.delete(ev.id);
    }
    for (const listener of touched) listener.flush();
    schedule(result.nextEventMs);
  }

  function schedule(nextVirtualMs: number | null): void {
    if (nextVirtualMs === null || nextVirtualMs === wakeVirtualMs) return;
    wake?.cancel();
    wakeVirtualMs = nextVirtualMs;
    wake = wakeAt(toRealMs(nextVirtualMs), now, pump);
  }

  return {
    submit(request, listener) {
      const id = nextId++;
      listeners.set(id, listener);
      addRequest(state, { ...request, id }, virtualNow());
      if (state.step === null) pump(); // idle engine: start a step now; otherwise it joins at the next step
      return id;
    },
    abort(id) {
      listeners.delete(id);
      abortRequest(state, id);
    },
    cachedPrefixBlocks: (hashes) => cachedPrefixBlocks(state, hashes),
    snapshot() {
      return {
        running: state.running.length,
        waiting: state.waiting.length,
        kvUsage: kvUsage(state),
        preemptionsTotal: state.preemptionsTotal,
        prefixQueriedTokens: state.prefixQueriedTokens,
        prefixHitTokens: state.prefixHitTokens,
        runningLoras: adapterLabel(state.running),
        waitingLoras: adapterLabel(state.waiting),
      };
    },
    close() {
      closed = true;
      wake?.cancel();
      listeners.clear();
    },
  };
}
