/**
 * A baseline JPEG of one solid colour, byte for byte what inference-perf 0.7.0 sends for `representation: jpeg`
 * (mediagen/synthesis.py: Pillow `Image.new("RGB", size, colour).save(buf, "JPEG", quality=75)`, i.e. libjpeg(-turbo)
 * with its defaults). Only a solid colour is needed, so the encoder is only this:
 *  - headers as libjpeg writes them: JFIF APP0 (1.01, aspect 1:1), the two quality-75 quantization tables, SOF0
 *    (3 components, Y sampled 2×2, Cb and Cr 1×1: 4:2:0), the four standard Huffman tables (ITU T.81 K.3), SOS;
 *  - colour: libjpeg's fixed-point RGB→YCbCr (jccolor.c), which a 2×2 average of equal samples leaves unchanged;
 *  - each 8×8 block is constant, so its DCT has only a DC term: libjpeg's islow DCT gives 64·(v − 128) exactly, and
 *    its quantizer rounds 64·|c| / (8q) half up (jcdctmgr.c): DC = sign(c)·⌊(8|c| + q/2) / q⌋ with the q of entry 0;
 *  - entropy: per MCU (16×16 pixels: four Y blocks, one Cb, one Cr) each block's DC difference from the previous
 *    block of its component (category code + magnitude bits), then end-of-block; 0xFF bytes stuffed with 0x00, the
 *    last byte padded with 1 bits, EOI.
 * test/parity/multimodal-jpeg.test.ts checks it against Pillow's bytes.
 */
import type { Rgb } from "./multimodal-media.ts";

// SOI, APP0 JFIF, DQT ×2 (quality 75), SOF0 (size patched in), DHT ×4 (standard tables), SOS: libjpeg's headers.
const HEADER_HEX =
  "ffd8ffe000104a46494600010100000100010000" +
  "ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432" +
  "ffdb0043010909090c0b0c180d0d1832211c213232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232" +
  "ffc00011080010001003012200021101031101" +
  "ffc4001f0000010501010101010100000000000000000102030405060708090a0b" +
  "ffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa" +
  "ffc4001f0100030101010101010101010000000000000102030405060708090a0b" +
  "ffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa" +
  "ffda000c03010002110311003f00";
const HEADER = Buffer.from(HEADER_HEX, "hex");
const SOF_OFFSET = HEADER_HEX.indexOf("ffc00011") / 2;
const Q_LUMA_DC = 8;
const Q_CHROMA_DC = 9;

/** Huffman codes of the DC categories 0..11 ([code, length]) from the standard tables' BITS/HUFFVAL. */
function dcCodes(bits: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (let k = 0; k < (bits[len - 1] ?? 0); k++) out.push([code++, len]);
    code <<= 1;
  }
  return out;
}
const LUMA_DC = dcCodes([0, 1, 5, 1, 1, 1, 1, 1, 1]);
const CHROMA_DC = dcCodes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
const LUMA_EOB: [number, number] = [0b1010, 4];
const CHROMA_EOB: [number, number] = [0b00, 2];

const FIX = (x: number) => Math.round(x * 65536);
const ONE_HALF = 1 << 15;
const CBCR_OFFSET = 128 << 16;

/** libjpeg's RGB→YCbCr (jccolor.c, 16-bit fixed point). */
export function libjpegYcc([r, g, b]: Rgb): [number, number, number] {
  const y = (FIX(0.299) * r + FIX(0.587) * g + FIX(0.114) * b + ONE_HALF) >> 16;
  const cb = (-FIX(0.16874) * r - FIX(0.33126) * g + FIX(0.5) * b + CBCR_OFFSET + ONE_HALF - 1) >> 16;
  const cr = (FIX(0.5) * r - FIX(0.41869) * g - FIX(0.08131) * b + CBCR_OFFSET + ONE_HALF - 1) >> 16;
  return [y, cb, cr];
}

function quantizedDc(v: number, q: number): number {
  const c = v - 128;
  const m = Math.floor((8 * Math.abs(c) + (q >> 1)) / q);
  return c < 0 ? -m : m;
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >>> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  finish(): number[] {
    while (this.n !== 0) this.put(1, 1);
    return this.bytes;
  }
}

/** One block's DC difference and end-of-block. */
function putBlock(w: BitWriter, diff: number, dc: Array<[number, number]>, eob: [number, number]): void {
  const mag = Math.abs(diff);
  const cat = mag === 0 ? 0 : 32 - Math.clz32(mag);
  const [code, len] = dc[cat]!;
  w.put(code, len);
  if (cat > 0) w.put(diff < 0 ? (diff - 1) & ((1 << cat) - 1) : diff, cat);
  w.put(eob[0], eob[1]);
}

export function solidJpeg(width: number, height: number, color: Rgb): Buffer {
  if (width <= 0 || height <= 0) throw new Error(`JPEG dimensions must be positive, got ${width}x${height}`);
  const [y, cb, cr] = libjpegYcc(color);
  const dc = [quantizedDc(y, Q_LUMA_DC), quantizedDc(cb, Q_CHROMA_DC), quantizedDc(cr, Q_CHROMA_DC)] as const;
  const mcus = Math.ceil(width / 16) * Math.ceil(height / 16);
  // Every MCU after the first is the same bit pattern (differences 0); the first carries the DC values.
  const w = new BitWriter();
  for (let m = 0; m < mcus; m++) {
    const first = m === 0;
    for (let k = 0; k < 4; k++) putBlock(w, first && k === 0 ? dc[0] : 0, LUMA_DC, LUMA_EOB);
    putBlock(w, first ? dc[1] : 0, CHROMA_DC, CHROMA_EOB);
    putBlock(w, first ? dc[2] : 0, CHROMA_DC, CHROMA_EOB);
  }
  const header = Buffer.from(HEADER);
  header.writeUInt16BE(height, SOF_OFFSET + 5);
  header.writeUInt16BE(width, SOF_OFFSET + 7);
  return Buffer.concat([header, Buffer.from(w.finish()), Buffer.from([0xff, 0xd9])]);
}
