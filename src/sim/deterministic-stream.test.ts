import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startDeterministicStream } from "./deterministic-stream.ts";

describe("deterministic stream", () => {
  let clock = 0;
  beforeEach(() => {
    clock = 0;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate"] });
  });
  afterEach(() => vi.useRealTimers());

  const collect = (options: { ttftMs: number; itlMs: number; totalTokens: number; writable?: () => boolean }) => {
    const times: number[] = [];
    const lasts: boolean[] = [];
    const drains: Array<() => void> = [];
    let flushes = 0;
    const stream = startDeterministicStream({
      startMs: 0,
      ...options,
      now: () => clock,
      sink: {
        token: (at, last) => {
          times.push(at);
          lasts.push(last);
        },
        flush: () => {
          flushes++;
          return options.writable?.() ?? true;
        },
        onDrain: (resume) => drains.push(resume),
      },
    });
    return { times, lasts, drains, flushes: () => flushes, stream };
  };

  it("schedules token k at t0 + ttft + k × itl, absolute, even when timers fire late", () => {
    const s = collect({ ttftMs: 50, itlMs: 10, totalTokens: 4 });
    clock = 57; // the first timer fired 7 ms late
    vi.advanceTimersByTime(57);
    expect(s.times).toEqual([50]);
    clock = 71; // late again: tokens due at 60 and 70 go out together
    vi.advanceTimersByTime(14);
    expect(s.times).toEqual([50, 60, 70]);
    clock = 80;
    vi.advanceTimersByTime(9);
    expect(s.times).toEqual([50, 60, 70, 80]);
    expect(s.lasts).toEqual([false, false, false, true]);
  });

  it("zero latency: everything is due at once, written in slices of 64 tokens", () => {
    const s = collect({ ttftMs: 0, itlMs: 0, totalTokens: 200 });
    expect(s.times).toHaveLength(64);
    vi.runAllTimers();
    expect(s.times).toHaveLength(200);
    expect(s.flushes()).toBe(4);
  });

  it("waits for drain when the socket buffer is full", () => {
    const s = collect({ ttftMs: 0, itlMs: 0, totalTokens: 200, writable: () => false });
    vi.runAllTimers();
    expect(s.times).toHaveLength(64);
    s.drains.shift()!();
    expect(s.times).toHaveLength(128);
  });

  it("cancel stops it", () => {
    const s = collect({ ttftMs: 10, itlMs: 10, totalTokens: 5 });
    s.stream.cancel();
    clock = 100;
    vi.advanceTimersByTime(100);
    expect(s.times).toEqual([]);
  });
});
