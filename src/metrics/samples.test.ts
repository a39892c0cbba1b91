import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HISTOGRAM_RELATIVE_ERROR, Samples, type SampleDistribution } from "./samples.ts";
import { describe as describeValues, percentile } from "./stats.ts";
import { mulberry32 } from "../workload/rng.ts";

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];
const EPS = HISTOGRAM_RELATIVE_ERROR;

function samplesOf(values: readonly number[], exactCap?: number): Samples {
  const s = new Samples({ exactCap });
  for (const v of values) s.add(v);
  return s;
}

function roundTrip(s: Samples): Samples {
  return Samples.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), "shard.json");
}

/** The stated bound: within ε·((1 − t)|xᵢ| + t|xᵢ₊₁|) of np.percentile, plus rounding (1e-12 relative). */
function expectWithinBound(values: readonly number[], d: SampleDistribution): void {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const bound = (p: number): number => {
    const rank = (n - 1) * (p / 100);
    const i = Math.floor(rank);
    const t = rank - i;
    const a = Math.abs(sorted[i] as number);
    const b = Math.abs(sorted[Math.min(i + 1, n - 1)] as number);
    return EPS * ((1 - t) * a + t * b) * (1 + 1e-9) + 1e-12 * Math.max(a, b);
  };
  for (const p of PERCENTILES) {
    const exact = percentile(sorted, p);
    const got = d.percentiles.get(p) as number;
    expect(Math.abs(got - exact), `p${p}: ${got} vs ${exact}`).toBeLessThanOrEqual(bound(p));
  }
  expect(Math.abs(d.median - percentile(sorted, 50))).toBeLessThanOrEqual(bound(50) + EPS * Math.abs(sorted[n >> 1] as number));
  const exact = describeValues(sorted, []);
  expect(d.count).toBe(n);
  expect(d.min).toBe(sorted[0]);
  expect(d.max).toBe(sorted[n - 1]);
  expect(Math.abs(d.mean - exact.mean)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(exact.mean), (sorted[n - 1] as number) - (sorted[0] as number)));
  expect(Math.abs(d.std - exact.std)).toBeLessThanOrEqual(1e-7 * Math.max(exact.std, 1e-300) + 1e-9 * Math.abs(exact.mean));
  expect(d.exact).toBe(false);
  expect(d.relativeError).toBe(EPS);
}

/** Seeded, so every run draws the same values: the project's one generator. */
const rng = mulberry32;

const value = fc.oneof(
  fc.constant(0),
  fc.double({ min: Math.log(0.01), max: Math.log(1e5), noNaN: true }).map(Math.exp), // 0.01 ms – 100 s
  fc.integer({ min: 0, max: 10_000 }).map((x) => x / 100),
);

describe("Samples, exact mode", () => {
  it("describes [3, 1, 2, 10] as numpy would: mean 4, median 2.5, std √12.5, p25 1.75", () => {
    const d = samplesOf([3, 1, 2, 10]).describe([25, 100]);
    // sorted 1 2 3 10: mean 16/4 = 4; median (2 + 3)/2; std √((9 + 4 + 1 + 36)/4); p25: rank 0.75 → 1 + 0.75·1.
    expect(d).toEqual({ mean: 4, median: 2.5, std: Math.sqrt(12.5), percentiles: new Map([[25, 1.75], [100, 10]]), count: 4, min: 1, max: 10, exact: true, relativeError: 0 });
  });

  it("is bit-identical to stats.ts describe, whatever the values", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { maxLength: 200 }), (values) => {
        const { count, min, max, exact, relativeError, ...d } = samplesOf(values).describe(PERCENTILES);
        expect(d).toEqual(describeValues(values, PERCENTILES));
        expect([count, exact, relativeError]).toEqual([values.length, true, 0]);
      }),
    );
  });

  it("merges shards, in any order and through JSON, into exactly the one-run summary", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(fc.nat(4), { maxLength: 300 }), (values, shardOf) => {
        const shards = [0, 1, 2, 3, 4].map(() => new Samples({ exactCap: 1000 }));
        values.forEach((v, i) => shards[shardOf[i] ?? 0]?.add(v));
        const merged = new Samples({ exactCap: 1000 });
        for (const s of shards.reverse()) merged.merge(roundTrip(s));
        expect(merged.exact).toBe(true);
        expect(merged.describe(PERCENTILES)).toEqual(samplesOf(values).describe(PERCENTILES));
      }),
    );
  });

  it("switches to the histogram past the cap, and a merge past the cap does too", () => {
    const s = samplesOf([1, 2, 3], 3);
    expect([s.exact, s.count, [...(s.values() ?? [])]]).toEqual([true, 3, [1, 2, 3]]);
    s.add(4);
    expect([s.exact, s.count, s.values()]).toEqual([false, 4, null]);
    const a = samplesOf([1, 2], 3);
    a.merge(samplesOf([3, 4], 3));
    expect([a.exact, a.count]).toEqual([false, 4]);
    const b = samplesOf([1, 2], 4);
    b.merge(samplesOf([3, 4], 3));
    expect([b.exact, b.count]).toEqual([true, 4]);
  });

  it("refuses NaN and infinities, which would poison every statistic", () => {
    expect(() => new Samples().add(Number.NaN)).toThrow(/finite/);
    expect(() => new Samples({ exactCap: 0 }).add(Infinity)).toThrow(/finite/);
  });

  it("describes no values as zeros (vLLM's `values or 0`)", () => {
    expect(new Samples().describe([99])).toEqual({ mean: 0, median: 0, std: 0, percentiles: new Map([[99, 0]]), count: 0, min: 0, max: 0, exact: true, relativeError: 0 });
  });
});

describe("Samples, histogram mode", () => {
  it("gives a bucket's stand-in 2·lo·hi/(lo + hi) between min and max: [1, 1, 1, 3] → p50 of bucket [1, 1 + 2⁻¹⁰)", () => {
    const d = samplesOf([1, 1, 1, 3], 0).describe([0, 50, 100]);
    const hi = 1 + 2 ** -10;
    const standIn = (2 * 1 * hi) / (1 + hi); // 1.000488162…, within 2⁻¹¹ of 1
    // rank 1.5: lerp of the stand-ins of x₁ = 1 and x₂ = 1 (t = 0.5 → b − (b − a)·0.5 = the stand-in).
    expect(d.percentiles.get(50)).toBe(standIn);
    expect(d.median).toBe(standIn);
    expect(d.percentiles.get(0)).toBe(1); // the smallest is the exact min
    expect(d.percentiles.get(100)).toBe(3); // the largest is the exact max
    expect([d.mean, d.std, d.count, d.exact]).toEqual([1.5, Math.sqrt(0.75), 4, false]); // Σ 6 / 4; √((3·0.25 + 2.25)/4)
    expect(standIn - 1).toBeLessThan(EPS);
  });

  it("keeps zeros exact and mirrors negatives", () => {
    const d = samplesOf([0, 0, 0, -2, 5], 0).describe([25, 50]);
    expect(d.percentiles.get(25)).toBe(0);
    expect(d.median).toBe(0);
    expect(d.min).toBe(-2);
    const neg = samplesOf([-8, -4, -4, -4, -1], 0).describe([50]);
    expect(Math.abs((neg.percentiles.get(50) as number) + 4)).toBeLessThanOrEqual(4 * EPS);
  });

  it("stays within the stated bound of numpy's percentiles, for random values 0.01 ms – 100 s with zeros", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 500 }), fc.nat(50), (values, cap) => {
        const s = samplesOf(values, Math.min(cap, values.length - 1));
        expectWithinBound(values, roundTrip(s).describe(PERCENTILES));
      }),
    );
  });

  it("stays within the bound on 200,000 values of several distributions, merged from 4 shards", () => {
    const r = rng(42);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const distributions: Record<string, () => number> = {
      lognormal: () => Math.exp(Math.log(20) + 1.5 * normal()),
      exponential: () => -Math.log(1 - r()) * 35,
      "log-uniform 0.01 ms – 100 s": () => 0.01 * 1e7 ** r(),
      "30 % zeros": () => (r() < 0.3 ? 0 : 5 + 40 * r()),
      bimodal: () => (r() < 0.9 ? 8 + normal() * 0.5 : 2000 + normal() * 100),
      constant: () => 12.5,
    };
    for (const [name, draw] of Object.entries(distributions)) {
      const values = Array.from({ length: 200_000 }, () => Math.max(0, draw()));
      const shards = [0, 1, 2, 3].map(() => new Samples({ exactCap: 10_000 }));
      values.forEach((v, i) => shards[i % 4]?.add(v));
      const merged = new Samples({ exactCap: 10_000 });
      for (const s of shards) merged.merge(roundTrip(s));
      expect(merged.exact, name).toBe(false);
      expectWithinBound(values, merged.describe(PERCENTILES));
    }
  });

  it("merges in any order to the same percentiles and counts", () => {
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 50 }), { minLength: 1, maxLength: 5 }), (parts) => {
        const build = (order: number[]): SampleDistribution => {
          const m = new Samples({ exactCap: 10 });
          for (const i of order) m.merge(samplesOf(parts[i] as number[], 10));
          return m.describe(PERCENTILES);
        };
        const forward = build(parts.map((_, i) => i));
        const backward = build(parts.map((_, i) => parts.length - 1 - i));
        expect(backward.percentiles).toEqual(forward.percentiles);
        expect([backward.count, backward.min, backward.max, backward.median]).toEqual([forward.count, forward.min, forward.max, forward.median]);
      }),
    );
  });
});

describe("Samples JSON", () => {
  it("writes exact values as base64 of little-endian float64s, and buckets as [key step, count] pairs", () => {
    expect(samplesOf([1.5]).toJSON()).toEqual({ version: 1, exactCap: 2_000_000, count: 1, values: "AAAAAAAA+D8=" });
    const h = samplesOf([1, 1, 2], 0).toJSON();
    // 1.0: high word 0x3ff00000 → key 0x3ff00000 >>> 10 = 1047552; 2.0: 0x40000000 >>> 10 = 1048576 (step 1024).
    expect(h.histogram).toMatchObject({ positive: [1047552, 2, 1024, 1], negative: [], zero: 0, min: 1, max: 2 });
  });

  it("names the file and the field of a bad document", () => {
    const good = samplesOf([1, 2], 0).toJSON() as unknown as Record<string, unknown>;
    const hist = good.histogram as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [null, /^run\/shard-2\.json: samples: expected an object/],
      [{ ...good, version: 2 }, /^run\/shard-2\.json: version: expected 1, got 2/],
      [{ ...good, count: 3 }, /^run\/shard-2\.json: histogram: buckets count 2 values, count says 3/],
      [{ ...good, histogram: { ...hist, min: "1" } }, /^run\/shard-2\.json: histogram\.min: expected a finite number, got "1"/],
      [{ ...good, histogram: { ...hist, positive: [1047552, -1] } }, /^run\/shard-2\.json: histogram\.positive\[1\]: expected an integer ≥ 0/],
      [{ version: 1, exactCap: 10, count: 1, values: "not base64!" }, /^run\/shard-2\.json: values: not base64/],
      [{ version: 1, exactCap: 10, count: 2, values: "AAAAAAAA+D8=" }, /^run\/shard-2\.json: values: holds 1 values, count says 2/],
      [{ version: 1, exactCap: 10, count: 1 }, /^run\/shard-2\.json: values: expected exactly one of values and histogram/],
    ];
    for (const [doc, message] of cases) expect(() => Samples.fromJSON(doc, "run/shard-2.json")).toThrow(message);
  });
});
