/**
 * The media bytes against the ones 0.7.0 makes (its mediagen/synthesis.py, run in its own venv): for random colours
 * and sizes, the JPEG is byte-identical to Pillow's quality-75 output, the WAV to Python's `wave`, and the PNG
 * has the same header and, for most cases, the same size as `zlib.compress(raw, level=1)`: Node's zlib is Chromium's
 * fork, whose level-1 matcher differs from CPython's zlib now and then (measured on these 40: 1080p and 4K equal,
 * most equal, a few small ones 1–2 % apart, one 569×116 at 1,215 vs 1,447 bytes, 16 %).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { silentWav, solidPng } from "../../src/scenarios/data/multimodal-media.ts";
import { solidJpeg } from "../../src/scenarios/data/multimodal-jpeg.ts";
import { createRng } from "../../src/workload/rng.ts";

const rng = createRng(20261204);
const CASES = Array.from({ length: 40 }, (_, i) => ({
  w: i < 4 ? [1, 16, 1920, 3840][i]! : 1 + rng.int(0, 700),
  h: i < 4 ? [1, 16, 1080, 2160][i]! : 1 + rng.int(0, 500),
  rgb: [rng.int(0, 256), rng.int(0, 256), rng.int(0, 256)] as [number, number, number],
}));
const DURATIONS = [0.00001, 0.5, 1, 2.25];

const SCRIPT = `
import json, sys, numpy as np
from inference_perf.mediagen import synthesis as s
class Fixed:  # the colour the case names, through 0.7.0's own functions
    def __init__(self, rgb): self.rgb = rgb
    def integers(self, lo, hi, size=None): return np.array(self.rgb)
out = sys.argv[1]
for i, c in enumerate(json.load(open(out + "/cases.json"))):
    open(f"{out}/{i}.jpg", "wb").write(s.generate_jpeg_bytes(c["w"], c["h"], Fixed(c["rgb"])))
    open(f"{out}/{i}.png", "wb").write(s.generate_png_bytes(c["w"], c["h"], Fixed(c["rgb"])))
for i, d in enumerate(${JSON.stringify(DURATIONS)}):
    open(f"{out}/{i}.wav", "wb").write(s.generate_wav_bytes(d))
`;

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`media bytes: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}'s mediagen`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kp-media-bytes-"));
    writeFileSync(join(dir, "cases.json"), JSON.stringify(CASES));
    writeFileSync(join(dir, "gen.py"), SCRIPT);
    const run = await runChild(peerBin(INFERENCE_PERF_NEWEST, "python"), [join(dir, "gen.py"), dir], { cwd: dir, env: process.env, timeoutMs: 60_000 });
    if (run.code !== 0) throw new Error(`mediagen failed (exit ${run.code}):\n${tail(run.stderr + run.stdout)}`);
  }, 90_000);

  it("JPEG: byte-identical to Pillow's for 40 colours and sizes", () => {
    CASES.forEach((c, i) => expect(solidJpeg(c.w, c.h, c.rgb).equals(readFileSync(join(dir, `${i}.jpg`))), `${c.w}×${c.h} ${c.rgb.join(",")}`).toBe(true));
  });

  it("PNG: the same header; the size equal for most and for 1080p and 4K, within 20 % for every case (measured max 16 %)", () => {
    const rel = CASES.map((c, i) => {
      const ours = solidPng(c.w, c.h, c.rgb);
      const theirs = readFileSync(join(dir, `${i}.png`));
      expect(ours.subarray(0, 33).equals(theirs.subarray(0, 33)), `IHDR ${c.w}×${c.h}`).toBe(true);
      const r = Math.abs(ours.length - theirs.length) / theirs.length;
      if (process.env.KP_DEBUG_PNG) console.log("PNGDIFF", c.w, c.h, c.rgb.join(","), ours.length, theirs.length, r.toFixed(4));
      return r;
    });
    expect(Math.max(...rel)).toBeLessThanOrEqual(0.2);
    expect(rel.filter((r) => r === 0).length).toBeGreaterThanOrEqual(CASES.length / 2);
    expect(rel.slice(2, 4)).toEqual([0, 0]); // 1920×1080 and 4K: the same bytes count
  });

  it("WAV: byte-identical", () => {
    DURATIONS.forEach((d, i) => expect(silentWav(d).equals(readFileSync(join(dir, `${i}.wav`))), `${d} s`).toBe(true));
  });
});
