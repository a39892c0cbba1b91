import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { maxConcurrentRequests, peakOutputTokensPerSecond, RequestIntervals, TokenTimeline, type ChunkTimelineMs, type IntervalMs } from "./concurrency.ts";

/** Brute force: the most intervals containing any start instant (a maximum is always reached at a start). */
function bruteForceMax(intervals: readonly IntervalMs[]): number {
  let best = 0;
  for (const { startMs: t } of intervals) {
    const active = intervals.filter((i) => i.startMs <= t && t < i.endMs).length;
    best = Math.max(best, active);
  }
  return best;
}

const positiveInterval = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 300 }))
  .map(([startMs, lengthMs]): IntervalMs => ({ startMs, endMs: startMs + lengthMs }));

describe("maxConcurrentRequests", () => {
  it("counts touching intervals as not overlapping", () => {
    //   0    5    10   12   15   20   25
    // A [---------)
    // B      [---------)
    // C           [---------)
    // D           [--)
    // E                          [----)
    // At t = 10 A has ended, C and D start, B is active: 3. Counting A as well would give 4.
    const intervals = [
      { startMs: 0, endMs: 10 },
      { startMs: 5, endMs: 15 },
      { startMs: 10, endMs: 20 },
      { startMs: 10, endMs: 12 },
      { startMs: 20, endMs: 25 },
    ];
    expect(maxConcurrentRequests(intervals)).toBe(3);
    // A relay of back-to-back requests never overlaps: 1.
    expect(maxConcurrentRequests([{ startMs: 1, endMs: 2 }, { startMs: 0, endMs: 1 }, { startMs: 2, endMs: 3 }])).toBe(1);
    // Identical intervals all overlap.
    expect(maxConcurrentRequests([{ startMs: 0, endMs: 5 }, { startMs: 0, endMs: 5 }])).toBe(2);
  });

  it("is 0 for no intervals, and a zero-length interval overlaps nothing (as vLLM's sweep)", () => {
    expect(maxConcurrentRequests([])).toBe(0);
    expect(maxConcurrentRequests([{ startMs: 4, endMs: 4 }])).toBe(0);
    expect(maxConcurrentRequests([{ startMs: 0, endMs: 10 }, { startMs: 4, endMs: 4 }])).toBe(1);
  });

  it("is between 1 and n for non-empty intervals, and equals a brute-force count", () => {
    fc.assert(
      fc.property(fc.array(positiveInterval, { minLength: 1, maxLength: 60 }), (intervals) => {
        const peak = maxConcurrentRequests(intervals);
        expect(peak).toBeGreaterThanOrEqual(1);
        expect(peak).toBeLessThanOrEqual(intervals.length);
        expect(peak).toBe(bruteForceMax(intervals));
      }),
    );
  });
});

describe("peakOutputTokensPerSecond", () => {
  it("counts token-bearing chunks per one-second bucket from the earliest send", () => {
    // Earliest send 0. Request 1: chunks 100, 900 → bucket 0; 1000, 1500 → bucket 1.
    // Request 2 (send 500): chunks 600, 700 → bucket 0; 2100 → bucket 2.
    // Buckets: [0] = 4, [1] = 2, [2] = 1 → peak 4.
    const peak = peakOutputTokensPerSecond([
      { sendMs: 0, chunkTimesMs: [100, 900, 1000, 1500] },
      { sendMs: 500, chunkTimesMs: [600, 700, 2100] },
    ]);
    expect(peak).toBe(4);
  });

  it("aligns buckets to the earliest send, not to whole seconds of the clock", () => {
    // Earliest send 700: chunks 1200, 1600 → bucket ⌊500/1000⌋ = 0 and ⌊900/1000⌋ = 0; 1800 → bucket 1.
    // On clock seconds they would split 1 | 2; from the earliest send they group 2 | 1 → peak 2.
    expect(peakOutputTokensPerSecond([{ sendMs: 700, chunkTimesMs: [1200, 1600, 1800] }])).toBe(2);
  });

  it("is 0 without requests", () => {
    expect(peakOutputTokensPerSecond([])).toBe(0);
  });

  it("lies between ⌈chunks / buckets spanned⌉ and the total chunk count", () => {
    const request = fc
      .tuple(fc.integer({ min: 0, max: 5000 }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 50 }))
      .map(([sendMs, offsets]) => ({ sendMs, chunkTimesMs: [...offsets].sort((a, b) => a - b).map((o) => sendMs + o) }));
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 20 }), (requests) => {
        const total = requests.reduce((s, r) => s + r.chunkTimesMs.length, 0);
        const peak = peakOutputTokensPerSecond(requests);
        expect(peak).toBeLessThanOrEqual(total);
        if (total === 0) {
          expect(peak).toBe(0);
          return;
        }
        const earliest = Math.min(...requests.map((r) => r.sendMs));
        const latest = Math.max(...requests.flatMap((r) => r.chunkTimesMs));
        const buckets = Math.floor((latest - earliest) / 1000) + 1;
        expect(peak).toBeGreaterThanOrEqual(Math.ceil(total / buckets));
      }),
    );
  });
});

function timelineOf(requests: readonly ChunkTimelineMs[], exactCap: number): TokenTimeline {
  const t = new TokenTimeline(exactCap);
  for (const r of requests) {
    t.addSend(r.sendMs);
    for (const c of r.chunkTimesMs) t.addEvent(c);
  }
  return t;
}

const timelineRequest = fc
  .tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 40 }))
  .map(([sendMs, offsets]): ChunkTimelineMs => ({ sendMs, chunkTimesMs: [...offsets].sort((a, b) => a - b).map((o) => sendMs + o) }));

describe("TokenTimeline", () => {
  it("keeps every event under the cap; past it, counts 1 ms cells and bounds the error by the straddling cells", () => {
    // Earliest send 0.5. Events 999.7 and 1000.2 fall in bucket 0, 1000.6 and 1500 in bucket 1: exact peak 2.
    const requests = [{ sendMs: 0.5, chunkTimesMs: [999.7, 1000.2, 1000.6, 1500] }];
    expect(timelineOf(requests, 4).peak()).toEqual({ peak: 2, exact: true, maxErrorEvents: 0 });
    // Cells: [999, 1000) in bucket 0; [1000, 1001) starts in bucket 0 (0.9995 s) but reaches bucket 1 (1.0005 s), so it
    // goes wholly to bucket 0 (3 events) and may be off by its 2 events; [1500, 1501) in bucket 1.
    expect(timelineOf(requests, 3).peak()).toEqual({ peak: 3, exact: false, maxErrorEvents: 2 });
    // The cell [0, 1) holds the origin 0.5 and events at 0.5 and 0.9: it is bucket 0's, not dropped as "before the send".
    expect(timelineOf([{ sendMs: 0.5, chunkTimesMs: [0.5, 0.9] }], 0).peak()).toEqual({ peak: 2, exact: false, maxErrorEvents: 0 });
  });

  it("equals peakOutputTokensPerSecond while exact, also merged from shards; past the cap it stays within its bound", () => {
    fc.assert(
      fc.property(fc.array(timelineRequest, { maxLength: 10 }), fc.nat(3), (requests, split) => {
        const want = peakOutputTokensPerSecond(requests);
        const merged = timelineOf(requests.slice(0, split), 1000);
        merged.merge(timelineOf(requests.slice(split), 1000));
        expect(merged.peak()).toEqual({ peak: want, exact: true, maxErrorEvents: 0 });
        const binned = timelineOf(requests.slice(0, split), 5);
        binned.merge(timelineOf(requests.slice(split), 5));
        const got = binned.peak();
        expect(Math.abs(got.peak - want)).toBeLessThanOrEqual(got.maxErrorEvents);
      }),
    );
  });
});

describe("RequestIntervals", () => {
  it("gives maxConcurrentRequests of all its intervals after a merge", () => {
    fc.assert(
      fc.property(fc.array(positiveInterval, { maxLength: 30 }), fc.nat(30), (intervals, split) => {
        const [a, b] = [new RequestIntervals(), new RequestIntervals()];
        intervals.forEach((iv, i) => (i < split ? a : b).add(iv.startMs, iv.endMs));
        b.merge(a);
        expect([b.count, b.maxConcurrent()]).toEqual([intervals.length, maxConcurrentRequests(intervals)]);
      }),
    );
  });
});
