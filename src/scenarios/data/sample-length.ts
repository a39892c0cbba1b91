/**
 * Token lengths drawn from an inference-perf Distribution (research/inference-perf.md §1.2.1, the
 * `generate_distribution` contract its synthetic and random generators use), seeded by the caller's rng:
 *
 *   normal       N(mean, std_dev); std_dev 0 gives mean
 *   skew_normal  mean + std_dev·(δ|Z₁| + √(1−δ²)·Z₂), δ = skew/√(1+skew²) (Azzalini; mean is the location)
 *   lognormal    min + LogNormal(μ, σ) moment-matched so that (value − min) has mean (mean − min) and std_dev
 *   uniform      an integer uniform on [min, max] (inference-perf rounds a float uniform, which gives the two
 *                ends half weight; here every value has weight 1/(max − min + 1))
 *   poisson      Poisson(mean) (mean ≤ 0 → 1)
 *   fixed        trunc(mean), not clipped, as inference-perf
 * then clipped to [min, max] and rounded half to even (numpy's round).
 */
import type { Rng } from "../../workload/rng.ts";
import type { Distribution } from "../config/distribution-schema.ts";

/** A standard normal deviate (Box–Muller; 1 − u keeps the log argument in (0, 1]). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  // Stirling's series; exact enough (< 1e-10) for k ≥ 2 and only used in the rejection test.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

/** Poisson(λ): Knuth's multiplication below λ = 10, Hörmann's PTRS transformed rejection above. */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

/** numpy's np.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The unclipped draw. */
function draw(d: Distribution, rng: Rng): number {
  switch (d.type) {
    case "normal":
      return d.std_dev > 0 ? d.mean + d.std_dev * standardNormal(rng) : d.mean;
    case "skew_normal": {
      if (d.std_dev <= 0) return d.mean;
      const delta = d.skew / Math.sqrt(1 + d.skew * d.skew);
      return d.mean + d.std_dev * (delta * Math.abs(standardNormal(rng)) + Math.sqrt(1 - delta * delta) * standardNormal(rng));
    }
    case "lognormal": {
      const shifted = d.mean - d.min > 0 ? d.mean - d.min : 1;
      if (d.std_dev === 0) return d.min + shifted;
      const sigma2 = Math.log(1 + (d.std_dev / shifted) ** 2);
      const mu = Math.log(shifted) - sigma2 / 2;
      return d.min + Math.exp(mu + Math.sqrt(sigma2) * standardNormal(rng));
    }
    case "uniform":
      return d.min + Math.floor(rng.next() * (d.max - d.min + 1));
    case "poisson":
      return poisson(rng, d.mean > 0 ? d.mean : 1);
    case "fixed":
      return Math.trunc(d.mean);
  }
}

export function sampleLength(d: Distribution, rng: Rng): number {
  const x = draw(d, rng);
  if (d.type === "fixed") return x;
  return Math.min(d.max, Math.max(d.min, roundHalfEven(Math.min(d.max, Math.max(d.min, x)))));
}

/** A one-line description for --dry-run: e.g. "normal(mean 512, sd 128) in [128, 2048]". */
export function describeDistribution(d: Distribution): string {
  if (d.type === "fixed" || (d.min === d.max)) return `${d.type === "fixed" ? Math.trunc(d.mean) : d.min} (fixed)`;
  const shape =
    d.type === "uniform" ? "uniform" :
    d.type === "poisson" ? `poisson(mean ${d.mean})` :
    d.type === "skew_normal" ? `skew_normal(loc ${d.mean}, scale ${d.std_dev}, skew ${d.skew})` :
    `${d.type}(mean ${d.mean}, sd ${d.std_dev})`;
  return `${shape} in [${d.min}, ${d.max}]`;
}
