/**
 * The growable storage and the JSON codec under the mergeable samples (samples.ts) and the step state's timeline
 * and intervals (concurrency.ts): counts of consecutive integer keys, an append-only float64 list in chunks, and
 * float64 arrays as base64 of their little-endian bytes.
 */
const FIRST_CHUNK = 1024;
const MAX_CHUNK = 65_536;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Counts of a run of consecutive integer keys, grown on demand (also concurrency.ts's 1 ms cells). */
export class DenseCounts {
  counts = new Float64Array(0);
  offset = 0;
  total = 0;

  /** `margin`: keys allocated either side of the first key. */
  constructor(private readonly margin: number) {}

  add(key: number, n: number): void {
    const i = key - this.offset;
    if (i >= 0 && i < this.counts.length) this.counts[i] = (this.counts[i] as number) + n;
    else this.growAndAdd(key, n);
    this.total += n;
  }

  private growAndAdd(key: number, n: number): void {
    const oldEnd = this.offset + this.counts.length;
    // Grow by at least the current length (or one power of two), so filling a range costs O(range) copies.
    const margin = Math.max(this.margin, this.counts.length);
    const start = this.counts.length === 0 ? key - this.margin : Math.min(this.offset, key - margin);
    const end = this.counts.length === 0 ? key + this.margin : Math.max(oldEnd, key + margin);
    const lo = start;
    const grown = new Float64Array(end - lo);
    if (this.counts.length > 0) grown.set(this.counts, this.offset - lo);
    this.counts = grown;
    this.offset = lo;
    this.counts[key - lo] = (this.counts[key - lo] as number) + n;
  }

  /** Keys with a count, ascending, and their counts. */
  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i] as number;
      if (c !== 0) yield [this.offset + i, c];
    }
  }
}

/** An append-only list of float64s in chunks (no copy on growth, at most one partly filled chunk of slack). */
export class Float64Chunks {
  #chunks: Float64Array[] = [];
  #buf = new Float64Array(0);
  #pos = 0;
  length = 0;

  push(x: number): void {
    if (this.#pos === this.#buf.length) this.#nextChunk();
    this.#buf[this.#pos++] = x;
    this.length++;
  }

  /** Appends `values` (kept, not copied: the caller gives it up). */
  append(values: Float64Array): void {
    if (values.length === 0) return;
    this.#seal();
    this.#chunks.push(values);
    this.length += values.length;
  }

  /** Every value, in order, in one new array. */
  toArray(): Float64Array {
    const out = new Float64Array(this.length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(this.#buf.subarray(0, this.#pos), at);
    return out;
  }

  #seal(): void {
    if (this.#pos > 0) this.#chunks.push(this.#buf.subarray(0, this.#pos));
    this.#buf = new Float64Array(0);
    this.#pos = 0;
  }

  #nextChunk(): void {
    const size = this.#buf.length === 0 ? FIRST_CHUNK : Math.min(this.#buf.length * 2, MAX_CHUNK);
    this.#seal();
    this.#buf = new Float64Array(size);
  }
}

export function float64ToBase64(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN) return Buffer.from(bytes).toString("base64");
  const le = Buffer.alloc(values.byteLength);
  values.forEach((v, i) => le.writeDoubleLE(v, i * 8));
  return le.toString("base64");
}

export function base64ToFloat64(text: string): Float64Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 8 !== 0) return null;
  const out = new Float64Array(bytes.length / 8);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

/** [key, count] pairs (keys ascending) as [first key, count, key step, count, …]: compact in JSON. */
export function deltaPairs(pairs: Iterable<readonly [number, number]>): number[] {
  const out: number[] = [];
  let previous = 0;
  for (const [key, c] of pairs) {
    out.push(key - previous, c);
    previous = key;
  }
  return out;
}
