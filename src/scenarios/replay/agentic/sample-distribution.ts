/**
 * inference-perf 0.7.0 `sample_from_distribution(dist, 1, rng)` (utils/numeric/distribution/utils.py) for the types
 * kneepoint samples bit for bit: fixed (`int(mean)`, no draw) and uniform (`rng.uniform(min, max + 1)`, clipped to
 * [min, max], rounded half to even). The config schema refuses the others for synthetic_agentic. Pure.
 */
import type { Distribution } from "../../config/distribution-schema.ts";
import { pyRound } from "../py-round.ts";
import type { NumpyGenerator } from "./numpy-generator.ts";

/** A fallback written as 0.7.0's `Distribution(type=…, mean=…)` literals (its other fields at their defaults). */
export const fixedDistribution = (mean: number): Distribution => ({ type: "fixed", mean, min: 10, max: 1024, std_dev: 200, total_count: null, variance: null, skew: 0 });
export const uniformDistribution = (min: number, max: number): Distribution => ({ type: "uniform", mean: 512, min, max, std_dev: 200, total_count: null, variance: null, skew: 0 });

export function sampleFromDistribution(d: Distribution, rng: NumpyGenerator): number {
  if (d.min > d.max) throw new Error(`min (${d.min}) cannot be greater than max (${d.max})`);
  if (d.type === "fixed") return Math.trunc(d.mean);
  if (d.type !== "uniform") throw new Error(`distribution type ${d.type} is not sampled by kneepoint's synthetic_agentic generator; use fixed or uniform`);
  const x = rng.uniform(d.min, d.max + 1);
  const clipped = Math.min(Math.max(x, d.min), d.max);
  return Math.min(Math.max(pyRound(clipped), d.min), d.max);
}

/** 0.7.0 `sample_int(dist, rng, fallback)`. */
export function sampleInt(d: Distribution | null, rng: NumpyGenerator, fallback: Distribution): number {
  return sampleFromDistribution(d ?? fallback, rng);
}
