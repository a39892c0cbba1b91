/**
 * Media bytes as inference-perf 0.7.0 synthesizes them (inference_perf/mediagen/synthesis.py):
 *  - PNG: one random solid RGB colour, 8-bit RGB, filter byte 0 on every row, the rows deflated at zlib level 1, in
 *    one IDAT chunk. Node's zlib is Chromium's fork, whose level-1 matcher sometimes finds other matches than
 *    CPython's zlib: the same size for 1080p and 4K and for most sizes, a few small images 1–2 % apart, one of 40
 *    measured 16 % (test/multimodal/media-bytes-peer.test.ts). The pixels and headers are the same.
 *  - JPEG: Pillow's quality-75 baseline JPEG of a solid colour (multimodal-jpeg.ts).
 *  - WAV: silent 16-bit mono PCM at 16 kHz, max(1, round(duration·16000)) samples (Python's `wave` header).
 * Each image is its own colour, drawn from the caller's rng.
 */
import { deflateSync } from "node:zlib";
import type { Rng } from "../../workload/rng.ts";
import { solidJpeg } from "./multimodal-jpeg.ts";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: readonly Buffer[]): number {
  let c = 0xffffffff;
  for (const b of parts) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([head.subarray(4), data]), 0);
  return Buffer.concat([head, data, crc]);
}

export type Rgb = readonly [number, number, number];

/** 0.7.0 `rng.integers(0, 256, size=3)`: one colour per image. */
export function randomColor(rng: Rng): Rgb {
  return [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)];
}

export function solidPng(width: number, height: number, [r, g, b]: Rgb): Buffer {
  if (width <= 0 || height <= 0) throw new Error(`PNG dimensions must be positive, got ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rowLen = 1 + 3 * width;
  const row = Buffer.alloc(rowLen);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + 3 * x);
  const raw = Buffer.alloc(rowLen * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * rowLen);
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(raw, { level: 1 })), pngChunk("IEND", Buffer.alloc(0))]);
}

export const AUDIO_SAMPLE_RATE = 16_000;

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function silentWav(durationS: number): Buffer {
  const samples = Math.max(1, pyRound(durationS * AUDIO_SAMPLE_RATE));
  const dataLen = samples * 2;
  const b = Buffer.alloc(44 + dataLen);
  b.write("RIFF", 0, "latin1");
  b.writeUInt32LE(36 + dataLen, 4);
  b.write("WAVEfmt ", 8, "latin1");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(AUDIO_SAMPLE_RATE, 24);
  b.writeUInt32LE(AUDIO_SAMPLE_RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "latin1");
  b.writeUInt32LE(dataLen, 40);
  return b;
}

export type ImageEncoding = "png" | "jpeg";

export function solidImage(width: number, height: number, encoding: ImageEncoding, color: Rgb): Buffer {
  return encoding === "jpeg" ? solidJpeg(width, height, color) : solidPng(width, height, color);
}
