/**
 * A mergeable store of one latency metric's samples (ms). It keeps every value while their count fits
 * `exactCap`, and then switches for good to a log-linear histogram, so memory stops growing with the run.
 *
 * Exact mode: `describe` is stats.ts `describe` over the kept values (sorted, then summed in sorted order), so
 * shards merged in any order summarize bit for bit as one run over the same values.
 *
 * Histogram mode: each power of two [2^e, 2^(e+1)) is split into 2^10 equal buckets (the bucket is read off the
 * float's exponent and top 10 mantissa bits; negatives mirror positives; 0 and |x| < 2^-1022 count as 0). A
 * bucket [lo, hi) has hi/lo ≤ 1 + 2^-10 and stands for 2·lo·hi/(lo + hi), which is within ε = 2^-11 ≈ 0.049 %
 * relative of every value in it. A percentile is numpy's linear rule on these stand-ins: rank r = (n − 1)·p/100,
 * i = ⌊r⌋, t = r − i, lerp(x̂ᵢ, x̂ᵢ₊₁, t), where x̂ is the stand-in of the bucket holding the i-th smallest value
 * (the smallest and largest are exact min and max). So the reported value is within ε·((1 − t)·|xᵢ| + t·|xᵢ₊₁|)
 * of np.percentile(values, p), that is within ε relative of it when xᵢ and xᵢ₊₁ have the same sign (always, for
 * latencies), plus a few ulps of rounding. The median is the mean of the stand-ins of the middle value(s), with
 * the same bound. count, min and max are exact; mean is a compensated (Neumaier) running sum / count and std
 * comes from Welford's M2 (Chan's formula on merge): exact up to floating-point rounding, not estimated.
 *
 * Why our own histogram rather than a library (measured on this machine, 5M lognormal values, ns per add):
 * this one 8 (9 while exact), @datadog/sketches-js (DDSketch) 14, hdr-histogram-js 132 with 64-bit buckets and
 * 820 packed. HDR records integers, so ms as doubles need a fixed unit (1 ns to keep 3 digits at 0.01 ms, a
 * 47-bit range up to 100 s), and it serializes to zlib-compressed HDR encoding. DDSketch is as fast and has a
 * relative bound too, but its quantile is one bucket's value at rank ⌊q·(n − 1)⌋ (numpy interpolates between two
 * order statistics, so we need both), its log-mapped bucket edges carry Math.log rounding, and it serializes via
 * protobuf. Here the buckets are exact binary intervals, the two order statistics are read directly, and the JSON
 * is plain [key step, count] pairs. bench/summary-memory.ts prints the figures at a million requests.
 */
import { describeSorted, type Distribution } from "./stats.ts";
import { base64ToFloat64, deltaPairs, DenseCounts, Float64Chunks, float64ToBase64 } from "./sample-buffers.ts";

/** Mantissa bits per bucket: 2^10 buckets per power of two. */
const SUB_BUCKET_BITS = 10;
/** Relative error bound of a histogram-mode percentile (see the file comment). */
export const HISTOGRAM_RELATIVE_ERROR = 2 ** -(SUB_BUCKET_BITS + 1);
export const DEFAULT_EXACT_CAP = 2_000_000;
const SAMPLES_JSON_VERSION = 1;
/** Shift of a float's high 32-bit word that leaves exponent and SUB_BUCKET_BITS mantissa bits. */
const KEY_SHIFT = 20 - SUB_BUCKET_BITS;
/** Keys below this (exponent field 0: zero and subnormals) count as 0. */
const MIN_NORMAL_KEY = 1 << SUB_BUCKET_BITS;

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;

export interface SamplesJson {
  version: 1;
  exactCap: number;
  count: number;
  /** Exact mode: every value, base64 of a little-endian Float64Array. */
  values?: string;
  /** Histogram mode. */
  histogram?: HistogramJson;
}

export interface HistogramJson {
  subBucketBits: number;
  min: number;
  max: number;
  /** Neumaier sum and its compensation term. */
  sum: number;
  sumCompensation: number;
  /** Welford mean and sum of squared deviations. */
  mean: number;
  m2: number;
  zero: number;
  /** Non-empty buckets as [key − previous key, count, …] (the first key from 0). */
  positive: number[];
  negative: number[];
}

export interface SampleDistribution extends Distribution {
  count: number;
  min: number;
  max: number;
  /** true when computed from every value (numpy semantics, bit-identical to describe(values)). */
  exact: boolean;
  /** Relative error bound of percentiles/median when not exact (HISTOGRAM_RELATIVE_ERROR), 0 when exact. */
  relativeError: number;
}

interface Histogram {
  positive: DenseCounts;
  negative: DenseCounts;
  zero: number;
  min: number;
  max: number;
  sum: number;
  sumCompensation: number;
  mean: number;
  m2: number;
}

export class Samples {
  readonly exactCap: number;
  #count = 0;
  /** Every value while exact; null in histogram mode. */
  #exact: Float64Chunks | null = new Float64Chunks();
  #hist: Histogram | null = null;

  constructor(opts: { exactCap?: number } = {}) {
    const cap = opts.exactCap ?? DEFAULT_EXACT_CAP;
    if (!(Number.isInteger(cap) && cap >= 0)) throw new RangeError(`Samples: exactCap must be an integer ≥ 0, got ${cap}`);
    this.exactCap = cap;
  }

  /** Adds one finite value (else throws a RangeError). Hot path: an append while exact, two shifts and an increment after. */
  add(x: number): void {
    if (!(x - x === 0)) throw new RangeError(`Samples.add: value must be finite, got ${x}`); // false for NaN, ±Infinity only
    const exact = this.#exact;
    if (exact !== null && this.#count < this.exactCap) exact.push(x);
    else {
      this.#toHistogram();
      record(this.#hist as Histogram, x);
    }
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  get exact(): boolean {
    return this.#exact !== null;
  }

  /** Exact values (in the order added, merged shards after) while exact, else null. */
  values(): Float64Array | null {
    return this.#exact === null ? null : this.#exact.toArray();
  }

  /** Adds `other`'s samples to this one. Exact stays exact only if the combined count fits this.exactCap. */
  merge(other: Samples): void {
    const theirs = other.values();
    if (theirs !== null) {
      if (this.#exact !== null && this.#count + theirs.length <= this.exactCap) this.#exact.append(theirs);
      else {
        this.#toHistogram();
        const h = this.#hist as Histogram;
        for (let i = 0; i < theirs.length; i++) record(h, theirs[i] as number);
      }
    } else {
      this.#toHistogram();
      mergeHistogram(this.#hist as Histogram, other.#hist as Histogram);
    }
    this.#count += other.#count;
  }

  describe(percentiles: readonly number[]): SampleDistribution {
    const values = this.values();
    if (values !== null) {
      values.sort();
      const n = values.length;
      const d = describeSorted(values, percentiles);
      return { ...d, count: n, min: n > 0 ? (values[0] as number) : 0, max: n > 0 ? (values[n - 1] as number) : 0, exact: true, relativeError: 0 };
    }
    return describeHistogram(this.#hist as Histogram, this.#count, percentiles);
  }

  toJSON(): SamplesJson {
    const values = this.values();
    const head = { version: SAMPLES_JSON_VERSION, exactCap: this.exactCap, count: this.#count } as const;
    if (values !== null) return { ...head, values: float64ToBase64(values) };
    const h = this.#hist as Histogram;
    return {
      ...head,
      histogram: {
        subBucketBits: SUB_BUCKET_BITS,
        min: h.min,
        max: h.max,
        sum: h.sum,
        sumCompensation: h.sumCompensation,
        mean: h.mean,
        m2: h.m2,
        zero: h.zero,
        positive: deltaPairs(h.positive.entries()),
        negative: deltaPairs(h.negative.entries()),
      },
    };
  }

  /** Reads a SamplesJson; a bad document throws an Error naming `where` and the field. */
  static fromJSON(json: unknown, where: string): Samples {
    const doc = parseSamplesJson(json, where);
    const s = new Samples({ exactCap: doc.exactCap });
    if (doc.content instanceof Float64Array) (s.#exact as Float64Chunks).append(doc.content);
    else {
      s.#exact = null;
      s.#hist = doc.content;
    }
    s.#count = doc.count;
    return s;
  }

  #toHistogram(): void {
    if (this.#hist !== null) return;
    const values = this.values() as Float64Array;
    const h: Histogram = emptyHistogram();
    for (let i = 0; i < values.length; i++) record(h, values[i] as number);
    this.#hist = h;
    this.#exact = null;
  }
}

function emptyHistogram(): Histogram {
  return { positive: new DenseCounts(MIN_NORMAL_KEY), negative: new DenseCounts(MIN_NORMAL_KEY), zero: 0, min: Infinity, max: -Infinity, sum: 0, sumCompensation: 0, mean: 0, m2: 0 };
}

/** Histogram-mode add: bucket, min/max, Neumaier sum, Welford. */
function record(h: Histogram, x: number): void {
  scratch[0] = x;
  const high = scratchWords[HIGH_WORD] as number;
  const key = (high & 0x7fffffff) >>> KEY_SHIFT;
  if (key < MIN_NORMAL_KEY) h.zero++;
  else if (high >>> 31 === 0) h.positive.add(key, 1);
  else h.negative.add(key, 1);
  if (x < h.min) h.min = x;
  if (x > h.max) h.max = x;
  const t = h.sum + x;
  h.sumCompensation += Math.abs(h.sum) >= Math.abs(x) ? h.sum - t + x : x - t + h.sum;
  h.sum = t;
  const n = h.zero + h.positive.total + h.negative.total;
  const delta = x - h.mean;
  h.mean += delta / n;
  h.m2 += delta * (x - h.mean);
}

function mergeHistogram(into: Histogram, from: Histogram): void {
  const na = into.zero + into.positive.total + into.negative.total;
  const nb = from.zero + from.positive.total + from.negative.total;
  if (nb === 0) return;
  for (const [key, c] of from.positive.entries()) into.positive.add(key, c);
  for (const [key, c] of from.negative.entries()) into.negative.add(key, c);
  into.zero += from.zero;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  const t = into.sum + from.sum;
  into.sumCompensation += (Math.abs(into.sum) >= Math.abs(from.sum) ? into.sum - t + from.sum : from.sum - t + into.sum) + from.sumCompensation;
  into.sum = t;
  const n = na + nb;
  const delta = from.mean - into.mean;
  into.mean += (delta * nb) / n;
  into.m2 += from.m2 + (delta * delta * na * nb) / n;
}

/** The value a bucket stands for: 2·lo·hi/(lo + hi), within 2^-11 relative of anything in [lo, hi). */
function bucketValue(key: number): number {
  const lo = keyLowerBound(key);
  const hi = keyLowerBound(key + 1);
  return Number.isFinite(hi) ? (2 * lo * hi) / (lo + hi) : lo;
}

function keyLowerBound(key: number): number {
  scratchWords[HIGH_WORD] = key << KEY_SHIFT;
  scratchWords[LOW_WORD] = 0;
  return scratch[0] as number;
}

/** The stand-in of the rank-th smallest value (0-based), rank < n; exact for the smallest and largest. */
function valueAtRank(h: Histogram, n: number, rank: number): number {
  if (rank === 0) return h.min;
  if (rank === n - 1) return h.max;
  let seen = 0;
  // Negatives: largest magnitude (highest key) first.
  const neg = h.negative;
  for (let i = neg.counts.length - 1; i >= 0; i--) {
    seen += neg.counts[i] as number;
    if (seen > rank) return -bucketValue(neg.offset + i);
  }
  seen += h.zero;
  if (seen > rank) return 0;
  const pos = h.positive;
  for (let i = 0; i < pos.counts.length; i++) {
    seen += pos.counts[i] as number;
    if (seen > rank) return bucketValue(pos.offset + i);
  }
  return h.max;
}

function describeHistogram(h: Histogram, n: number, percentiles: readonly number[]): SampleDistribution {
  const clamp = (v: number): number => Math.min(Math.max(v, h.min), h.max);
  const byP = new Map<number, number>();
  for (const p of percentiles) {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
    const rank = (n - 1) * (p / 100);
    const below = Math.floor(rank);
    const t = rank - below;
    const a = valueAtRank(h, n, below);
    const b = valueAtRank(h, n, Math.min(below + 1, n - 1));
    const diff = b - a;
    byP.set(p, clamp(t < 0.5 ? a + diff * t : b - diff * (1 - t)));
  }
  const mid = n >> 1;
  const median = n % 2 === 1 ? valueAtRank(h, n, mid) : (valueAtRank(h, n, mid - 1) + valueAtRank(h, n, mid)) / 2;
  return {
    mean: (h.sum + h.sumCompensation) / n,
    median: clamp(median),
    std: Math.sqrt(Math.max(0, h.m2) / n),
    percentiles: byP,
    count: n,
    min: h.min,
    max: h.max,
    exact: false,
    relativeError: HISTOGRAM_RELATIVE_ERROR,
  };
}


/** fromJSON: validate every field, each error as `where: field: message`. */
function parseSamplesJson(json: unknown, where: string): { exactCap: number; count: number; content: Float64Array | Histogram } {
  const fail = (field: string, message: string): never => {
    throw new Error(`${where}: ${field}: ${message} (was this file written by this kneepoint version? re-run or re-merge the shard)`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, `expected an object, got ${describeJson(v)}`);
  const count = (v: unknown, field: string): number =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, `expected an integer ≥ 0, got ${describeJson(v)}`);
  const finite = (v: unknown, field: string): number =>
    typeof v === "number" && Number.isFinite(v) ? v : fail(field, `expected a finite number, got ${describeJson(v)}`);

  const doc = obj(json, "samples");
  if (doc.version !== SAMPLES_JSON_VERSION) fail("version", `expected ${SAMPLES_JSON_VERSION}, got ${describeJson(doc.version)}`);
  const exactCap = count(doc.exactCap, "exactCap");
  const n = count(doc.count, "count");
  if ((doc.values === undefined) === (doc.histogram === undefined)) fail("values", "expected exactly one of values and histogram");
  if (doc.values !== undefined) {
    if (typeof doc.values !== "string") fail("values", `expected a base64 string, got ${describeJson(doc.values)}`);
    const values = base64ToFloat64(doc.values as string) ?? fail("values", "not base64 of a whole number of float64s");
    if (values.length !== n) fail("values", `holds ${values.length} values, count says ${n}`);
    if (values.length > exactCap) fail("values", `holds ${values.length} values, more than exactCap ${exactCap}`);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) fail(`values[${i}]`, `not finite: ${values[i]}`);
    return { exactCap, count: n, content: values };
  }
  const hj = obj(doc.histogram, "histogram");
  if (hj.subBucketBits !== SUB_BUCKET_BITS) fail("histogram.subBucketBits", `expected ${SUB_BUCKET_BITS}, got ${describeJson(hj.subBucketBits)}`);
  const h = emptyHistogram();
  h.zero = count(hj.zero, "histogram.zero");
  for (const side of ["positive", "negative"] as const) {
    const field = `histogram.${side}`;
    const raw = hj[side];
    if (!Array.isArray(raw) || raw.length % 2 !== 0) fail(field, `expected an array of [key step, count] pairs, got ${describeJson(raw)}`);
    const pairs = raw as unknown[];
    let key = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      key += count(pairs[i], `${field}[${i}]`);
      if ((i > 0 && pairs[i] === 0) || key < MIN_NORMAL_KEY || key >= 2047 << SUB_BUCKET_BITS) fail(`${field}[${i}]`, `bucket key ${key} out of order or range`);
      const c = count(pairs[i + 1], `${field}[${i + 1}]`);
      if (c === 0) fail(`${field}[${i + 1}]`, "a listed bucket must count at least 1");
      h[side].add(key, c);
    }
  }
  const total = h.zero + h.positive.total + h.negative.total;
  if (total !== n) fail("histogram", `buckets count ${total} values, count says ${n}`);
  if (n === 0) fail("histogram", "an empty Samples is written exact (values), never as a histogram");
  h.min = finite(hj.min, "histogram.min");
  h.max = finite(hj.max, "histogram.max");
  if (h.min > h.max) fail("histogram.min", `min ${h.min} > max ${h.max}`);
  h.sum = finite(hj.sum, "histogram.sum");
  h.sumCompensation = finite(hj.sumCompensation, "histogram.sumCompensation");
  h.mean = finite(hj.mean, "histogram.mean");
  h.m2 = finite(hj.m2, "histogram.m2");
  if (h.m2 < 0) fail("histogram.m2", `must be ≥ 0, got ${h.m2}`);
  return { exactCap, count: n, content: h };
}

function describeJson(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
