/**
 * numpy Generator's continuous and Poisson draws (numpy/random/src/distributions/distributions.c), over the bit
 * stream of numpy-generator.ts: `standard_normal` (the 256-layer ziggurat with numpy's own tables), `normal`,
 * `lognormal` (exp of a normal) and `poisson` (multiplication below λ = 10, PTRS at and above, with numpy's
 * log-gamma series). Checked against values printed by the real numpy (test/fixtures/numpy-rng). The one known
 * difference: Math.exp / Math.log / Math.log1p are V8's (fdlibm), numpy calls glibc's, and the two can differ in the
 * last bit (seen for lognormal's exp); the rng stream stays the same, and 0.7.0 rounds each sample to an int. Pure.
 */
import type { NumpyGenerator } from "./numpy-generator.ts";
import { FI_DOUBLE, KI_DOUBLE, WI_DOUBLE } from "./ziggurat-tables.ts";

const ZIGGURAT_NOR_R = 3.6541528853610087963519472518;
const ZIGGURAT_NOR_INV_R = 0.27366123732975827203338247596;
const MASK52 = (1n << 52n) - 1n;

/** `rng.standard_normal()`. */
export function standardNormal(g: NumpyGenerator): number {
  for (;;) {
    let r = g.nextUint64();
    const idx = Number(r & 0xffn);
    r >>= 8n;
    const sign = Number(r & 1n);
    const rabs = Number((r >> 1n) & MASK52);
    let x = rabs * WI_DOUBLE[idx]!;
    if (sign === 1) x = -x;
    if (rabs < KI_DOUBLE[idx]!) return x;
    if (idx === 0) {
      for (;;) {
        const xx = -ZIGGURAT_NOR_INV_R * Math.log1p(-g.random());
        const yy = -Math.log1p(-g.random());
        if (yy + yy > xx * xx) return (rabs >> 8) & 1 ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
      }
    }
    if ((FI_DOUBLE[idx - 1]! - FI_DOUBLE[idx]!) * g.random() + FI_DOUBLE[idx]! < Math.exp(-0.5 * x * x)) return x;
  }
}

/** `rng.normal(loc, scale)`. */
export const normal = (g: NumpyGenerator, loc: number, scale: number): number => loc + scale * standardNormal(g);

/** `rng.lognormal(mean, sigma)`. */
export const lognormal = (g: NumpyGenerator, mean: number, sigma: number): number => Math.exp(normal(g, mean, sigma));

const LOGGAM_A = [8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059];

/** numpy's `random_loggam`: log Γ(x) by Stirling's series, shifted up to x ≥ 7. */
function loggam(x: number): number {
  if (x === 1 || x === 2) return 0;
  const n = x < 7 ? Math.trunc(7 - x) : 0;
  let x0 = x + n;
  const x2 = (1 / x0) * (1 / x0);
  let gl0 = LOGGAM_A[9]!;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + LOGGAM_A[k]!;
  let gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * Math.log(x0) - x0;
  if (x < 7) {
    for (let k = 1; k <= n; k++) {
      gl -= Math.log(x0 - 1);
      x0 -= 1;
    }
  }
  return gl;
}

/** `rng.poisson(lam)`. */
export function poisson(g: NumpyGenerator, lam: number): number {
  if (lam >= 10) {
    const slam = Math.sqrt(lam);
    const loglam = Math.log(lam);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = g.random() - 0.5;
      const v = g.random();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - loggam(k + 1)) return k;
    }
  }
  if (lam === 0) return 0;
  const enlam = Math.exp(-lam);
  let x = 0;
  let prod = 1.0;
  for (;;) {
    prod *= g.random();
    if (prod > enlam) x += 1;
    else return x;
  }
}
