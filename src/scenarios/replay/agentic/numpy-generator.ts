/**
 * The part of numpy's `Generator` that inference-perf 0.7.0's synthetic_agentic generator uses, bit for bit:
 * `np.random.default_rng([seed, *path])` (SeedSequence entropy pool → PCG64 XSL-RR 128/64), `integers(lo, hi)`
 * (int64: 32-bit buffered Lemire when hi-1-lo fits 32 bits, else 64-bit Lemire), `random()` (53-bit double),
 * `uniform(lo, hi)` and `choice(n, p)` (cumulative p normalised by its last value, searchsorted right on one
 * `random()`). Checked against values printed by the real numpy (test/fixtures/numpy-rng). Pure.
 */
const M32 = 0xffffffff;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const PCG_MULT = 0x2360ed051fc65da44385df649fccf645n;
const POOL_SIZE = 4;
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;

/** A non-negative integer as numpy's `_int_to_uint32_array`: 32-bit words, least significant first. */
function uint32Words(n: bigint): number[] {
  if (n < 0n) throw new Error(`a seed sequence takes non-negative integers, got ${n}`);
  if (n === 0n) return [0];
  const words: number[] = [];
  for (let x = n; x > 0n; x >>= 32n) words.push(Number(x & 0xffffffffn));
  return words;
}

/** numpy `SeedSequence(entropy).pool` (no spawn key). */
export function seedSequencePool(entropy: readonly (number | bigint)[]): number[] {
  const words = entropy.flatMap((e) => uint32Words(BigInt(e)));
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    let v = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    v = Math.imul(v, hashConst) >>> 0;
    return (v ^ (v >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool: number[] = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(hashmix(words[i] ?? 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
  }
  for (let src = POOL_SIZE; src < words.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(words[src]!));
  }
  return pool;
}

/** numpy `SeedSequence.generate_state(n, np.uint64)`. */
export function generateState64(pool: readonly number[], n: number): bigint[] {
  let hashConst = INIT_B;
  const words: number[] = [];
  for (let i = 0; i < n * 2; i++) {
    let v = (pool[i % POOL_SIZE]! ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_B) >>> 0;
    v = Math.imul(v, hashConst) >>> 0;
    words.push((v ^ (v >>> 16)) >>> 0);
  }
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(BigInt(words[2 * i]!) | (BigInt(words[2 * i + 1]!) << 32n));
  return out;
}

export interface NumpyGenerator {
  /** The bit generator's next 64-bit output (`bit_generator.random_raw()`). */
  nextUint64(): bigint;
  /** `rng.integers(low, high)`: int64, high exclusive. */
  integers(low: number, high: number): number;
  /** `rng.random()`: a double in [0, 1). */
  random(): number;
  /** `rng.uniform(low, high)`. */
  uniform(low: number, high: number): number;
  /** `rng.choice(n, p=weights)` with one draw. */
  choice(n: number, p: readonly number[]): number;
}

/** `np.random.default_rng(entropy)`. */
export function defaultRng(entropy: readonly (number | bigint)[]): NumpyGenerator {
  const [s0, s1, i0, i1] = generateState64(seedSequencePool(entropy), 4) as [bigint, bigint, bigint, bigint];
  const initState = (s0 << 64n) | s1;
  const inc = ((((i0 << 64n) | i1) << 1n) | 1n) & MASK128;
  let state = 0n;
  const step = (): void => {
    state = (state * PCG_MULT + inc) & MASK128;
  };
  step();
  state = (state + initState) & MASK128;
  step();
  let spare: number | null = null;

  const nextUint64 = (): bigint => {
    step();
    const hi = state >> 64n;
    const x = (hi ^ (state & MASK64)) & MASK64;
    const rot = hi >> 58n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  };
  /** PCG64's 32-bit output: the low half of a 64-bit draw, the high half kept for the next call. */
  const nextUint32 = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const v = nextUint64();
    spare = Number(v >> 32n);
    return Number(v & 0xffffffffn);
  };
  const random = (): number => Number(nextUint64() >> 11n) * (1 / 9007199254740992);

  const boundedLemire32 = (rng: number): number => {
    const excl = rng + 1;
    let m = BigInt(nextUint32()) * BigInt(excl);
    let leftover = Number(m & 0xffffffffn);
    if (leftover < excl) {
      const threshold = (M32 - rng) % excl;
      while (leftover < threshold) {
        m = BigInt(nextUint32()) * BigInt(excl);
        leftover = Number(m & 0xffffffffn);
      }
    }
    return Number(m >> 32n);
  };
  const boundedLemire64 = (rng: bigint): bigint => {
    const excl = rng + 1n;
    let m = nextUint64() * excl;
    let leftover = m & MASK64;
    if (leftover < excl) {
      const threshold = (MASK64 - rng) % excl;
      while (leftover < threshold) {
        m = nextUint64() * excl;
        leftover = m & MASK64;
      }
    }
    return m >> 64n;
  };

  return {
    nextUint64,
    random,
    integers(low, high) {
      if (!(high > low)) throw new Error(`integers(${low}, ${high}): high must be greater than low`);
      const rng = high - 1 - low;
      if (rng === 0) return low;
      if (rng < M32) return low + boundedLemire32(rng);
      if (rng === M32) return low + nextUint32();
      return low + Number(boundedLemire64(BigInt(rng)));
    },
    uniform(low, high) {
      return low + (high - low) * random();
    },
    choice(n, p) {
      if (p.length !== n) throw new Error(`choice(${n}, p): p has ${p.length} weights`);
      const cdf: number[] = [];
      let acc = 0;
      for (const w of p) cdf.push((acc += w));
      const total = cdf[cdf.length - 1]!;
      const u = random();
      const idx = cdf.findIndex((c) => c / total > u);
      return idx === -1 ? n - 1 : idx;
    },
  };
}
