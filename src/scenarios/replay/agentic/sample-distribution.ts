/**
 * inference-perf 0.7.0 `sample_from_distribution(dist, 1, rng)` (utils/numeric/distribution/utils.py), bit for bit:
 * fixed is `int(mean)` without a draw; normal, skew_normal (Azzalini: two standard normals), lognormal (moment-matched
 * to mean and std_dev), uniform (`uniform(min, max + 1)`) and poisson (λ = mean, else 1) are drawn with numpy's
 * algorithms, clipped to [min, max] and rounded half to even. Pure.
 */
import type { Distribution } from "../../config/distribution-schema.ts";
import { pyRound } from "../py-round.ts";
import type { NumpyGenerator } from "./numpy-generator.ts";
import { lognormal, normal, poisson, standardNormal } from "./numpy-distributions.ts";

/** A fallback written as 0.7.0's `Distribution(type=…, mean=…)` literals (its other fields at their defaults). */
export const fixedDistribution = (mean: number): Distribution => ({ type: "fixed", mean, min: 10, max: 1024, std_dev: 200, total_count: null, variance: null, skew: 0 });
export const uniformDistribution = (min: number, max: number): Distribution => ({ type: "uniform", mean: 512, min, max, std_dev: 200, total_count: null, variance: null, skew: 0 });

export function sampleFromDistribution(d: Distribution, rng: NumpyGenerator): number {
  if (d.min > d.max) throw new Error(`min (${d.min}) cannot be greater than max (${d.max})`);
  if (d.type === "fixed") return Math.trunc(d.mean);
  const x = draw(d, rng);
  const clipped = Math.min(Math.max(x, d.min), d.max);
  return Math.min(Math.max(pyRound(clipped), d.min), d.max);
}

function draw(d: Distribution, rng: NumpyGenerator): number {
  switch (d.type) {
    case "normal":
      return normal(rng, d.mean, d.std_dev);
    case "skew_normal": {
      const delta = d.skew / Math.sqrt(1 + d.skew * d.skew);
      const u0 = standardNormal(rng);
      const v = standardNormal(rng);
      const u1 = delta * u0 + Math.sqrt(1 - delta * delta) * v;
      return d.mean + d.std_dev * (u0 >= 0 ? u1 : -u1);
    }
    case "lognormal": {
      if (d.mean <= 0) throw new Error("Lognormal distribution requires mean > 0.");
      if (d.std_dev <= 0) return d.mean;
      const sigmaSq = Math.log(1 + (d.std_dev / d.mean) * (d.std_dev / d.mean));
      return lognormal(rng, Math.log(d.mean) - sigmaSq / 2, Math.sqrt(sigmaSq));
    }
    case "uniform":
      return rng.uniform(d.min, d.max + 1);
    case "poisson":
      return poisson(rng, d.mean > 0 ? d.mean : 1);
    default:
      throw new Error(`unknown distribution type ${String(d.type)}`);
  }
}

/** 0.7.0 `sample_int(dist, rng, fallback)`. */
export function sampleInt(d: Distribution | null, rng: NumpyGenerator, fallback: Distribution): number {
  return sampleFromDistribution(d ?? fallback, rng);
}
