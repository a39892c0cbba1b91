import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextProbe, searchCapacity, type SearchSpec } from "./capacity-search.ts";

const CONCURRENCY: SearchSpec = { start: 1, min: 1, max: 1024, relTolerance: 0.05, integer: true, maxRepeats: 1 };
const RATE: SearchSpec = { start: 4, min: 0.01, max: 1e6, relTolerance: 0.05, integer: false, maxRepeats: 1 };

/** A synthetic server: p95 latency 100 ms / (1 − load / saturation), i.e. an M/M/1-like curve. */
const latencyMs = (load: number, saturation: number) => (load >= saturation ? Infinity : 100 / (1 - load / saturation));

describe("searchCapacity", () => {
  it("brackets by doubling and bisects integer levels to adjacent ones", async () => {
    // SLO 1000 ms, saturation 12.2: passes while 100 / (1 − c/12.2) ≤ 1000, i.e. c ≤ 0.9 × 12.2 = 10.98 → c ≤ 10.
    const out = await searchCapacity(CONCURRENCY, async (c) => ({ pass: latencyMs(c, 12.2) <= 1000, close: false }));
    // 1 2 4 8 pass, 16 fails; (8+16)/2 = 12 fails, (8+12)/2 = 10 passes, (10+12)/2 = 11 fails: 10 and 11 adjacent.
    expect(out.probes.map((p) => p.level)).toEqual([1, 2, 4, 8, 16, 12, 10, 11]);
    expect([out.answer, out.firstFail, out.reason]).toEqual([10, 11, "converged"]);
  });

  it("bisects rates to the relative tolerance, a level on the bound passing", async () => {
    const out = await searchCapacity(RATE, async (r) => ({ pass: r <= 10, close: false }));
    // 4 8 pass, 16 fails; 12 fails; 10 passes; 11 fails (10 % apart); 10.5 fails (5 % apart: done).
    expect(out.probes.map((p) => p.level)).toEqual([4, 8, 16, 12, 10, 11, 10.5]);
    expect([out.answer, out.firstFail, out.reason]).toEqual([10, 10.5, "converged"]);
  });

  it("halves from a failing start, and says when nothing passes", async () => {
    const out = await searchCapacity({ ...RATE, start: 100, min: 10 }, async (r) => ({ pass: r <= 30, close: false }));
    expect(out.probes.slice(0, 3).map((p) => p.level)).toEqual([100, 50, 25]);
    expect(out.answer).toBeGreaterThanOrEqual(30 / 1.05);
    const none = await searchCapacity({ ...RATE, start: 100, min: 10 }, async () => ({ pass: false, close: false }));
    expect([none.probes.map((p) => p.level), none.answer, none.reason]).toEqual([[100, 50, 25, 12.5, 10], null, "none-passed"]);
  });

  it("stops at max when everything passes", async () => {
    const out = await searchCapacity({ ...CONCURRENCY, max: 20 }, async () => ({ pass: true, close: false }));
    expect([out.probes.map((p) => p.level), out.answer, out.firstFail, out.reason]).toEqual([[1, 2, 4, 8, 16, 20], 20, null, "max-reached"]);
  });

  it("measures a close verdict again and trusts the repeat", async () => {
    const seen: Array<[number, number]> = [];
    const out = await searchCapacity({ ...CONCURRENCY, start: 4 }, async (c, attempt) => {
      seen.push([c, attempt]);
      // c = 8 reads as a close pass first, a fail on the repeat.
      if (c === 8) return { pass: attempt === 1, close: attempt === 1 };
      return { pass: c < 8, close: false };
    });
    expect(seen.slice(0, 3)).toEqual([[4, 1], [8, 1], [8, 2]]);
    expect([out.answer, out.firstFail]).toEqual([7, 8]);
  });

  it("stops when told to, keeping the probes done", async () => {
    let n = 0;
    const out = await searchCapacity(CONCURRENCY, async () => ({ pass: true, close: false }), () => ++n > 3);
    expect([out.probes.length, out.reason]).toEqual([3, "interrupted"]);
  });

  it("property: for any monotone threshold the answer passes, the next level fails, and they are within tolerance", async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0.05, max: 5000, noNaN: true }), fc.double({ min: 0.02, max: 50, noNaN: true }), async (threshold, start) => {
        const spec = { ...RATE, start, min: 0.01 };
        const out = await searchCapacity(spec, async (r) => ({ pass: r <= threshold, close: false }));
        expect(out.answer).not.toBeNull();
        expect(out.answer!).toBeLessThanOrEqual(threshold);
        expect(out.firstFail!).toBeGreaterThan(threshold);
        expect((out.firstFail! - out.answer!) / out.answer!).toBeLessThanOrEqual(spec.relTolerance + 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it("nextProbe starts at the start level", () => {
    expect(nextProbe(CONCURRENCY, [])).toEqual({ kind: "probe", level: 1, attempt: 1 });
  });
});
