/**
 * numpy's Generator in TS against the values the real numpy 2.5.5 printed (test/fixtures/numpy-rng/expected.json,
 * made once by make-expected.py with the inference-perf 0.7.0 venv's python; this test needs no Python).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { blake2b, sessionSeed } from "./blake2b.ts";
import { defaultRng, generateState64, seedSequencePool } from "./numpy-generator.ts";

interface Expected {
  blake2b: { base: number; index: number; seed: string }[];
  cases: { entropy: string[]; pool: number[]; state64: string[]; raw64: string[]; integers: number[]; mixed: number[] }[];
}
const expected = JSON.parse(readFileSync(new URL("../../../../test/fixtures/numpy-rng/expected.json", import.meta.url), "utf8")) as Expected;
const INTEGER_HIGHS = [2, 24, 60, 999, 1001, 7, 2 ** 31 + 5, 2 ** 33];

describe("blake2b", () => {
  it("matches RFC 7693's appendix A digest of 'abc'", () => {
    const hex = Buffer.from(blake2b(new TextEncoder().encode("abc"), 64)).toString("hex");
    expect(hex).toBe("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  });
  it("gives 0.7.0's session seeds (8-byte digest, big-endian)", () => {
    for (const b of expected.blake2b) expect(sessionSeed(b.base, b.index).toString(), `${b.base}:${b.index}`).toBe(b.seed);
  });
});

describe("numpy default_rng", () => {
  for (const c of expected.cases) {
    const entropy = c.entropy.map((e) => BigInt(e));
    describe(`entropy [${c.entropy.join(", ")}]`, () => {
      it("has numpy's SeedSequence pool and uint64 state", () => {
        const pool = seedSequencePool(entropy);
        expect(pool).toEqual(c.pool);
        expect(generateState64(pool, 4).map(String)).toEqual(c.state64);
      });
      it("draws numpy's PCG64 raw outputs", () => {
        const g = defaultRng(entropy);
        expect([g.nextUint64(), g.nextUint64(), g.nextUint64()].map(String)).toEqual(c.raw64);
      });
      it("draws numpy's bounded integers (32- and 64-bit Lemire, the 32-bit halves buffered)", () => {
        const g = defaultRng(entropy);
        expect(INTEGER_HIGHS.map((h) => g.integers(0, h))).toEqual(c.integers);
      });
      it("interleaves random, integers, uniform and choice as numpy does", () => {
        const g = defaultRng(entropy);
        expect([g.random(), g.integers(800, 1001), g.uniform(3, 9), g.choice(3, [0.2, 0.5, 0.3]), g.integers(0, 2)]).toEqual(c.mixed);
      });
    });
  }
  it("returns low without a draw when the range holds one value", () => {
    const a = defaultRng([5]);
    const b = defaultRng([5]);
    expect(a.integers(3, 4)).toBe(3);
    expect(a.nextUint64()).toBe(b.nextUint64());
  });
});
