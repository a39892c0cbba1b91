/**
 * CPython's `random` module for the two calls inference-perf 0.7.0 makes when it orders a trace corpus:
 * `random.seed(n)` with a non-negative int (MT19937 `init_by_array` over n's 32-bit words) and `random.shuffle(x)`
 * (`_randbelow` by rejection on `getrandbits`). Same seed, same order as 0.7.0's session slots.
 */
const N = 624;
const M = 397;

export interface PythonRandom {
  getrandbits32(): number;
}

function initGenrand(mt: Uint32Array, s: number): void {
  mt[0] = s >>> 0;
  for (let i = 1; i < N; i++) {
    const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
  }
}

export function pythonRandom(seed: number | bigint): PythonRandom {
  let n = BigInt(seed);
  if (n < 0n) n = -n;
  const key: number[] = [];
  do {
    key.push(Number(n & 0xffffffffn));
    n >>= 32n;
  } while (n > 0n);
  const mt = new Uint32Array(N);
  initGenrand(mt, 19650218);
  let i = 1;
  let j = 0;
  for (let k = Math.max(N, key.length); k > 0; k--) {
    const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
    i++;
    j++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
    if (j >= key.length) j = 0;
  }
  for (let k = N - 1; k > 0; k--) {
    const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
  }
  mt[0] = 0x80000000;
  let mti = N;
  const next = (): number => {
    if (mti >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % N]! & 0x7fffffff);
        mt[kk] = mt[(kk + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      mti = 0;
    }
    let y = mt[mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  return { getrandbits32: next };
}

/** random.shuffle(x) in place (CPython 3.12: for i from len−1 down to 1, swap x[i] with x[_randbelow(i + 1)]). */
export function pythonShuffle<T>(rng: PythonRandom, x: T[]): void {
  for (let i = x.length - 1; i > 0; i--) {
    const r = pythonRandbelow(rng, i + 1);
    [x[i], x[r]] = [x[r]!, x[i]!];
  }
}

/** random.randrange(n) for 0 < n < 2³² (`_randbelow`: getrandbits(n.bit_length()) until below n). */
export function pythonRandbelow(rng: PythonRandom, n: number): number {
  const k = 32 - Math.clz32(n); // n.bit_length()
  let r = rng.getrandbits32() >>> (32 - k);
  while (r >= n) r = rng.getrandbits32() >>> (32 - k);
  return r;
}
