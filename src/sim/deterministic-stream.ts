/**
 * Deterministic mode: no batching, no model. Token k (0-based) of a request received at t0 is due
 * at t0 + ttftMs + k × itlMs, computed from the absolute start so timer lateness never accumulates.
 * ttftMs = itlMs = 0 streams as fast as the socket takes it (the harness-overhead mode), in slices
 * so one long request cannot starve the others.
 */
import { wakeAt, type WakeHandle } from "./precise-timer.ts";

/** Tokens emitted per wake-up at most, so zero-latency streams interleave. */
const MAX_TOKENS_PER_WAKE = 64;
/** A token due within this many ms is emitted now rather than after another timer round. */
const EARLY_TOLERANCE_MS = 0.2;

export interface DeterministicSink {
  token(atMs: number, isLast: boolean): void;
  /** Writes what `token` queued; false when the socket buffer is full (then `onDrain` resumes). */
  flush(): boolean;
  onDrain(resume: () => void): void;
}

export interface DeterministicStream {
  cancel(): void;
}

export function startDeterministicStream(options: {
  startMs: number;
  ttftMs: number;
  itlMs: number;
  totalTokens: number;
  now: () => number;
  sink: DeterministicSink;
}): DeterministicStream {
  const { startMs, ttftMs, itlMs, totalTokens, now, sink } = options;
  let emitted = 0;
  let wake: WakeHandle | null = null;
  let cancelled = false;
  const dueAt = (k: number) => startMs + ttftMs + k * itlMs;

  function tick(): void {
    wake = null;
    if (cancelled) return;
    const t = now() + EARLY_TOLERANCE_MS;
    let n = 0;
    while (emitted < totalTokens && dueAt(emitted) <= t && n < MAX_TOKENS_PER_WAKE) {
      sink.token(dueAt(emitted), emitted === totalTokens - 1);
      emitted++;
      n++;
    }
    const writable = n > 0 ? sink.flush() : true;
    if (emitted >= totalTokens || cancelled) return;
    if (!writable) sink.onDrain(tick);
    else wake = wakeAt(dueAt(emitted), now, tick);
  }

  tick();
  return {
    cancel() {
      cancelled = true;
      wake?.cancel();
    },
  };
}
