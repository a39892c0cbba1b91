import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { closedLoopShare, evenShare } from "./split-share.ts";

const shardsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));

describe("evenShare", () => {
  it("splits by hand", () => {
    expect(shardsOf(4).map((s) => evenShare(32, s))).toEqual([
      { offset: 0, count: 8 },
      { offset: 8, count: 8 },
      { offset: 16, count: 8 },
      { offset: 24, count: 8 },
    ]);
    expect(shardsOf(4).map((s) => evenShare(1, s).count)).toEqual([1, 0, 0, 0]);
    expect(shardsOf(4).map((s) => evenShare(6, s))).toEqual([
      { offset: 0, count: 2 },
      { offset: 2, count: 2 },
      { offset: 4, count: 1 },
      { offset: 5, count: 1 },
    ]);
  });
  it("tiles [0, t) and counts the items j ≡ i mod N (property)", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 1, max: 64 }), (total, n) => {
        let at = 0;
        for (const s of shardsOf(n)) {
          const share = evenShare(total, s);
          expect(share.offset).toBe(at);
          let interleaved = 0;
          for (let j = s.index; j < total; j += n) interleaved++;
          expect(share.count).toBe(interleaved);
          at += share.count;
        }
        expect(at).toBe(total);
      }),
    );
  });
});

describe("closedLoopShare", () => {
  it("splits workers evenly and requests with them, by hand", () => {
    // c=32, N=4, 256 requests: 8 workers and 64 requests each.
    expect(shardsOf(4).map((s) => closedLoopShare(32, 256, s))).toEqual(
      [0, 1, 2, 3].map((i) => ({ workers: { offset: 8 * i, count: 8 }, requests: { offset: 64 * i, count: 64 } })),
    );
    // c=1, N=4, 32 requests: shard 0 runs the one worker and sends all 32.
    expect(shardsOf(4).map((s) => closedLoopShare(1, 32, s))).toEqual([
      { workers: { offset: 0, count: 1 }, requests: { offset: 0, count: 32 } },
      { workers: { offset: 1, count: 0 }, requests: { offset: 32, count: 0 } },
      { workers: { offset: 1, count: 0 }, requests: { offset: 32, count: 0 } },
      { workers: { offset: 1, count: 0 }, requests: { offset: 32, count: 0 } },
    ]);
    // c=6, N=4, 48 requests: workers 2,2,1,1; 8 requests per worker: 16,16,8,8 at 0,16,32,40.
    expect(shardsOf(4).map((s) => closedLoopShare(6, 48, s))).toEqual([
      { workers: { offset: 0, count: 2 }, requests: { offset: 0, count: 16 } },
      { workers: { offset: 2, count: 2 }, requests: { offset: 16, count: 16 } },
      { workers: { offset: 4, count: 1 }, requests: { offset: 32, count: 8 } },
      { workers: { offset: 5, count: 1 }, requests: { offset: 40, count: 8 } },
    ]);
    // c=6, N=4, 50 requests: quotas 16.67, 16.67, 8.33, 8.33 → 16,16,8,8 and the 2 left to the largest remainders.
    expect(shardsOf(4).map((s) => closedLoopShare(6, 50, s).requests)).toEqual([
      { offset: 0, count: 17 },
      { offset: 17, count: 17 },
      { offset: 34, count: 8 },
      { offset: 42, count: 8 },
    ]);
  });
  it("tiles requests, idles no request on a worker-less shard, and keeps every worker busy when t ≥ c (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2048 }), fc.nat(20_000), fc.integer({ min: 1, max: 64 }), (c, t, n) => {
        let workers = 0;
        let at = 0;
        for (const s of shardsOf(n)) {
          const share = closedLoopShare(c, t, s);
          expect(share.requests.offset).toBe(at);
          at += share.requests.count;
          workers += share.workers.count;
          if (share.workers.count === 0) expect(share.requests.count).toBe(0);
          if (t >= c) expect(share.requests.count).toBeGreaterThanOrEqual(share.workers.count);
          expect(Math.abs(share.requests.count - (t * share.workers.count) / c)).toBeLessThan(1);
        }
        expect(at).toBe(t);
        expect(workers).toBe(c);
      }),
    );
  });
  it("is the even split when N divides c", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 32 }), fc.nat(5000), (n, k, t) => {
        for (const s of shardsOf(n)) expect(closedLoopShare(n * k, t, s).requests).toEqual(evenShare(t, s));
      }),
    );
  });
});
