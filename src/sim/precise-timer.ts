/**
 * Waking up at an absolute time on the performance.now() clock, for the engine loop and the
 * deterministic streams. setTimeout fires late by up to ~1 ms; callers absorb that by catching up
 * on everything that is due, against absolute deadlines, so lateness never accumulates.
 * setImmediate is used only when the deadline is (nearly) due: polling with setImmediate for the
 * whole of a short wait, as first written, spun a core (64 % CPU for a single stream at speedup 4).
 */
const IMMEDIATE_BELOW_MS = 0.25;

export interface WakeHandle {
  cancel(): void;
}

export function wakeAt(deadlineMs: number, now: () => number, callback: () => void): WakeHandle {
  const delayMs = deadlineMs - now();
  if (delayMs > IMMEDIATE_BELOW_MS) {
    const t = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(t) };
  }
  const i = setImmediate(callback);
  return { cancel: () => clearImmediate(i) };
}
