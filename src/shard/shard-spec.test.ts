import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { UsageError } from "../errors.ts";
import { canonicalJson, parseShardFlag, parseStartAt, planId, waitUntil, type WaitClock } from "./shard-spec.ts";

const NOW = Date.parse("2026-12-03T21:00:00Z");

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return `${(err as UsageError).message} | ${(err as UsageError).hint}`;
  }
  throw new Error("expected a UsageError");
}

describe("parseShardFlag", () => {
  it("reads i/N, 0-based", () => {
    expect(parseShardFlag("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShardFlag(" 0 / 1 ")).toEqual({ index: 0, count: 1 });
    expect(parseShardFlag("1023/1024")).toEqual({ index: 1023, count: 1024 });
  });
  it("refuses with the flag name and the form", () => {
    expect(usageMessage(() => parseShardFlag("2"))).toMatch(/--shard must look like i\/N.*--shard 0\/4/);
    expect(usageMessage(() => parseShardFlag("4/4"))).toMatch(/--shard 4\/4: the index is 0-based.*last one is 3\/4/);
    expect(usageMessage(() => parseShardFlag("0/0"))).toMatch(/--shard 0\/0: the shard count N must be at least 1/);
    expect(usageMessage(() => parseShardFlag("0/1025"))).toMatch(/--shard 0\/1025: at most 1024 shards/);
    expect(usageMessage(() => parseShardFlag("-1/4"))).toMatch(/--shard must look like i\/N/);
  });
});

describe("parseStartAt", () => {
  it("reads ISO-8601 with a zone and epoch ms", () => {
    expect(parseStartAt("2026-12-03T22:00:00Z", NOW)).toBe(Date.parse("2026-12-03T22:00:00Z"));
    expect(parseStartAt("2026-12-03T23:00:00+01:00", NOW)).toBe(Date.parse("2026-12-03T22:00:00Z"));
    expect(parseStartAt("2026-12-03T22:00:00.250Z", NOW)).toBe(Date.parse("2026-12-03T22:00:00Z") + 250);
    expect(parseStartAt(String(NOW + 5000), NOW)).toBe(NOW + 5000);
  });
  it("accepts a time already passed (the late start shows as skew)", () => {
    expect(parseStartAt(String(NOW - 60_000), NOW)).toBe(NOW - 60_000);
  });
  it("refuses times without a zone, epoch seconds, garbage and a start more than a day ahead", () => {
    expect(usageMessage(() => parseStartAt("2026-12-03T22:00:00", NOW))).toMatch(/--start-at .*add the zone \(2026-12-03T22:00:00Z/);
    expect(usageMessage(() => parseStartAt(String(Math.floor(NOW / 1000)), NOW))).toMatch(/--start-at \d+ looks like epoch seconds.*000/);
    expect(usageMessage(() => parseStartAt("tomorrow", NOW))).toMatch(/--start-at 'tomorrow' is not an ISO-8601 time/);
    expect(usageMessage(() => parseStartAt("2026-12-05T22:00:00Z", NOW))).toMatch(/--start-at .* more than a day ahead/);
    expect(usageMessage(() => parseStartAt("2026-13-45T22:00:00Z", NOW))).toMatch(/not a valid date/);
  });
});

/** A fake clock: timers fire when the test advances time. */
function fakeClock(start: number) {
  let now = start;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  const clock: WaitClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = until;
  };
  return { clock, advance, pending: () => timers.length };
}

describe("waitUntil", () => {
  it("resolves at the time, telling the remaining time about once a second", async () => {
    const { clock, advance } = fakeClock(1_000_000);
    const seen: number[] = [];
    let done = false;
    const p = waitUntil(1_003_500, new AbortController().signal, (ms) => seen.push(ms), clock).then(() => (done = true));
    advance(3499);
    await Promise.resolve();
    expect(done).toBe(false);
    advance(1);
    await p;
    expect(seen).toEqual([3500, 3000, 2000, 1000]);
  });
  it("resolves at once for a time already passed, and on abort", async () => {
    const { clock, pending } = fakeClock(5000);
    await waitUntil(4000, new AbortController().signal, undefined, clock);
    const ac = new AbortController();
    const p = waitUntil(100_000, ac.signal, undefined, clock);
    ac.abort();
    await p;
    expect(pending()).toBe(0);
  });
  it("uses the real clock by default", async () => {
    const t0 = Date.now();
    await waitUntil(t0 + 30, new AbortController().signal);
    expect(Date.now()).toBeGreaterThanOrEqual(t0 + 30);
  });
});

describe("planId", () => {
  it("ignores key order and typed-array representation, and sees any change", () => {
    expect(planId({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(planId({ b: { d: "x", c: [1, 2] }, a: 1 }));
    expect(planId({ o: new Float64Array([1.5, 2]) })).toBe(planId({ o: [1.5, 2] }));
    expect(planId({ a: 1 })).not.toBe(planId({ a: 2 }));
    expect(planId({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined] })).toBe('{"b":1,"c":[null]}');
  });
  it("is invariant under key permutation (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        return planId(obj) === planId(reversed);
      }),
    );
  });
});
