import { describe, expect, it } from "vitest";
import { createRng } from "../../workload/rng.ts";
import { distributionSchema, type DistributionInput } from "../config/distribution-schema.ts";
import { describeDistribution, poisson, roundHalfEven, sampleLength } from "./sample-length.ts";

const dist = (d: DistributionInput) => distributionSchema.parse(d);

function draw(d: DistributionInput, n: number, seed = 1): number[] {
  const rng = createRng(seed);
  const parsed = dist(d);
  return Array.from({ length: n }, () => sampleLength(parsed, rng));
}

function moments(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

describe("token lengths from a distribution", () => {
  it("normal: sample mean and sd within a few standard errors of the parameters", () => {
    // 20,000 draws: SE(mean) = 50/√20000 ≈ 0.35, SE(sd) ≈ 50/√40000 = 0.25; bounds are ±6 SE.
    const { mean, sd } = moments(draw({ mean: 500, std_dev: 50, min: 0, max: 1000 }, 20_000));
    expect(mean).toBeGreaterThan(498);
    expect(mean).toBeLessThan(502);
    expect(sd).toBeGreaterThan(48.5);
    expect(sd).toBeLessThan(51.5);
  });

  it("clips to [min, max] exactly and returns integers", () => {
    const xs = draw({ mean: 100, std_dev: 1000, min: 90, max: 110 }, 5_000);
    expect(Math.min(...xs)).toBe(90);
    expect(Math.max(...xs)).toBe(110);
    expect(xs.every(Number.isInteger)).toBe(true);
    // P(N(100, 1000) < 90) = Φ(−0.01) ≈ 0.496: about half the draws sit on each bound.
    const atMin = xs.filter((x) => x === 90).length / xs.length;
    expect(atMin).toBeGreaterThan(0.46);
    expect(atMin).toBeLessThan(0.53);
  });

  it("std_dev 0 gives the mean, as the seeds' fixed 512/128 shapes need", () => {
    expect(new Set(draw({ mean: 512, std_dev: 0, min: 512, max: 512 }, 100))).toEqual(new Set([512]));
  });

  it("uniform: every integer of [min, max] equally likely, the ends included", () => {
    const xs = draw({ type: "uniform", min: 1, max: 4 }, 40_000);
    for (const v of [1, 2, 3, 4]) {
      const f = xs.filter((x) => x === v).length / xs.length;
      expect(Math.abs(f - 0.25)).toBeLessThan(0.012); // SE ≈ 0.0022
    }
  });

  it("poisson: mean and variance both λ, for small and large λ", () => {
    for (const lambda of [4, 200]) {
      const rng = createRng(lambda);
      const xs = Array.from({ length: 20_000 }, () => poisson(rng, lambda));
      const { mean, sd } = moments(xs);
      expect(Math.abs(mean - lambda)).toBeLessThan(6 * Math.sqrt(lambda / 20_000));
      expect(Math.abs(sd * sd - lambda) / lambda).toBeLessThan(0.05);
    }
    const { mean } = moments(draw({ type: "poisson", mean: 300, min: 0, max: 10_000 }, 10_000));
    expect(Math.abs(mean - 300)).toBeLessThan(1.5);
  });

  it("lognormal: shifted by min, so value − min has the requested mean and sd", () => {
    // shifted mean 200, sd 100: σ² = ln(1 + 0.25), μ = ln 200 − σ²/2.
    const xs = draw({ type: "lognormal", mean: 300, std_dev: 100, min: 100, max: 1_000_000 }, 40_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(100);
    const { mean, sd } = moments(xs);
    expect(Math.abs(mean - 300)).toBeLessThan(3);
    expect(Math.abs(sd - 100)).toBeLessThan(6);
  });

  it("skew_normal: mean = loc + scale·δ·√(2/π); skew 0 is a normal", () => {
    // skew 5: δ = 5/√26 = 0.98058, δ·√(2/π) = 0.78239 → mean 107.82 for loc 100, scale 10.
    const skewed = moments(draw({ type: "skew_normal", mean: 100, std_dev: 10, skew: 5, min: 0, max: 1000 }, 20_000));
    expect(Math.abs(skewed.mean - 107.82)).toBeLessThan(0.3);
    const plain = moments(draw({ type: "skew_normal", mean: 100, std_dev: 10, skew: 0, min: 0, max: 1000 }, 20_000));
    expect(Math.abs(plain.mean - 100)).toBeLessThan(0.3);
  });

  it("fixed: trunc(mean), not clipped to [min, max], as inference-perf", () => {
    expect(draw({ type: "fixed", mean: 2048.7 }, 3)).toEqual([2048, 2048, 2048]);
  });

  it("is seeded: the same seed gives the same lengths", () => {
    const d = { mean: 512, std_dev: 128, min: 128, max: 2048 };
    expect(draw(d, 50, 7)).toEqual(draw(d, 50, 7));
    expect(draw(d, 50, 7)).not.toEqual(draw(d, 50, 8));
  });

  it("rounds half to even, as numpy", () => {
    expect([2.5, 3.5, -2.5, 2.4, 2.6, 0.5].map(roundHalfEven)).toEqual([2, 4, -2, 2, 3, 0]);
  });

  it("describes itself in one line", () => {
    expect(describeDistribution(dist({ mean: 512, std_dev: 128, min: 128, max: 2048 }))).toBe("normal(mean 512, sd 128) in [128, 2048]");
    expect(describeDistribution(dist({ mean: 512, std_dev: 0, min: 512, max: 512 }))).toBe("512 (fixed)");
  });
});
