/**
 * Chat content parts that carry media, counted as vLLM counts them for Qwen2-VL (images) and Qwen2-Audio (audio):
 * vLLM expands each item into placeholder tokens that are part of the prompt, so they are in `usage.prompt_tokens`
 * and `vllm:prompt_tokens` (vllm/model_executor/models/qwen2_vl.py `get_num_image_tokens`, qwen2_audio.py).
 *
 *  - image (`image_url` with a data: URL of a PNG, JPEG or WEBP; inference-perf's frames videos are images too):
 *    Qwen2-VL's `smart_resize` with factor 28 (patch 14 × merge 2) and Qwen2-VL-7B-Instruct's
 *    preprocessor_config.json bounds, min_pixels 3,136 and max_pixels 12,845,056:
 *      h' = round(h/28)·28, w' = round(w/28)·28 (Python's round, half to even);
 *      if h'·w' > max: β = √(h·w/max), h' = ⌊h/β/28⌋·28, w' = ⌊w/β/28⌋·28;
 *      if h'·w' < min: β = √(min/(h·w)), h' = ⌈h·β/28⌉·28, w' = ⌈w·β/28⌉·28;
 *    tokens = (h'/28)·(w'/28) `<|image_pad|>` + 2 (`<|vision_start|>`, `<|vision_end|>`). E.g. 1920×1080 → 69·39 + 2 = 2,693.
 *  - audio (`input_audio` with base64 WAV): Qwen2-Audio's Whisper features, 100 mel frames per second of 16 kHz
 *    audio (n = ⌊samples/160⌋, at most 3,000: 30 s), then two stride-2 reductions: ((n − 1)//2 + 1 − 2)//2 + 1
 *    `<|AUDIO|>` + 2 (`<|audio_bos|>`, `<|audio_eos|>`): 25 per second, 1 s → 27.
 *  - `video_url` (an MP4) is refused: the simulator does not decode video (send frames: png_frames / jpeg_frames).
 * The placeholder ids are drawn from a hash of the item's bytes, so the prefix cache tells two images apart as
 * vLLM's multimodal hash does, and the same image hits.
 */
import { createHash } from "node:crypto";
import { ORDINARY_TOKENS } from "./vocabulary.ts";
import { imageSize, wavSamples } from "../media/media-headers.ts";

export const QWEN2_VL_FACTOR = 28;
export const QWEN2_VL_MIN_PIXELS = 3_136;
export const QWEN2_VL_MAX_PIXELS = 12_845_056;

const pyRound = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Qwen2-VL's image placeholder count for a width × height image (without vision_start / vision_end). */
export function qwen2VlImagePads(width: number, height: number): number {
  const f = QWEN2_VL_FACTOR;
  let h = Math.max(f, pyRound(height / f) * f);
  let w = Math.max(f, pyRound(width / f) * f);
  if (h * w > QWEN2_VL_MAX_PIXELS) {
    const beta = Math.sqrt((height * width) / QWEN2_VL_MAX_PIXELS);
    h = Math.max(f, Math.floor(height / beta / f) * f);
    w = Math.max(f, Math.floor(width / beta / f) * f);
  } else if (h * w < QWEN2_VL_MIN_PIXELS) {
    const beta = Math.sqrt(QWEN2_VL_MIN_PIXELS / (height * width));
    h = Math.ceil((height * beta) / f) * f;
    w = Math.ceil((width * beta) / f) * f;
  }
  return (h / f) * (w / f);
}

/** Qwen2-Audio's audio placeholder count for `samples` samples at 16 kHz. */
export function qwen2AudioPads(samples: number): number {
  const mel = Math.min(3000, Math.floor(samples / 160));
  const afterConv = ((mel - 1) >> 1) + 1;
  return ((afterConv - 2) >> 1) + 1;
}

/** `n` placeholder ids drawn from the item's bytes (ordinary tokens, so they hash like text in the prefix cache). */
function placeholderIds(bytes: Buffer, n: number): number[] {
  const digest = createHash("sha256").update(bytes).digest();
  let a = digest.readUInt32LE(0);
  const ids = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    ids[k] = a % ORDINARY_TOKENS;
  }
  return ids;
}

function dataUrlBytes(url: unknown, where: string): Buffer | string {
  if (typeof url !== "string") return `${where} must be a string`;
  const m = /^data:[^;,]*;base64,/.exec(url);
  if (!m) return `${where}: the simulator reads only base64 data: URLs (it fetches nothing)`;
  return Buffer.from(url.slice(m[0].length), "base64");
}

/** The prompt ids of one media content part, or an error message; null when `part` is not a media part. */
export function mediaPartIds(part: { type?: unknown } & Record<string, unknown>, where: string): number[] | string | null {
  if (part.type === "image_url") {
    const bytes = dataUrlBytes((part.image_url as { url?: unknown } | undefined)?.url, `${where}.image_url.url`);
    if (typeof bytes === "string") return bytes;
    const size = imageSize(bytes);
    if (size === null) return `${where}: not a PNG, JPEG or WEBP image`;
    return [0, ...placeholderIds(bytes, qwen2VlImagePads(size.width, size.height)), 1];
  }
  if (part.type === "input_audio") {
    const a = part.input_audio as { data?: unknown; format?: unknown } | undefined;
    if (a?.format !== "wav") return `${where}.input_audio.format: the simulator reads wav audio only`;
    const bytes = typeof a.data === "string" ? Buffer.from(a.data, "base64") : null;
    const samples = bytes && wavSamples(bytes);
    if (!bytes || samples === null) return `${where}.input_audio.data: not a base64 PCM WAV`;
    return [2, ...placeholderIds(bytes, qwen2AudioPads(samples)), 3];
  }
  if (part.type === "video_url") return `${where}: the simulator does not decode video_url (MP4); send video as frames (png_frames or jpeg_frames)`;
  return null;
}
