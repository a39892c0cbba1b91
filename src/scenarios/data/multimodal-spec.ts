/**
 * What one request's media are, before any byte exists (0.7.0 datagen/multimodal_sampling.py and `_build_spec` /
 * `_sample_spec`), drawn in 0.7.0's order: images (count, then per image its resolution and insertion point), then
 * videos (count, then per video its profile and insertion point), then audio (count, then per clip its duration and
 * insertion point). A kind without `count` sends none. Defaults where the config gives none: 512×512 images and
 * videos, 10 frames, 1 s of audio, and an insertion point uniform in [0, 1). A weighted list picks item i with
 * probability weight_i / Σ weight (the first when the weights sum to ≤ 0). A Distribution (count, insertion point)
 * is drawn as every length is (sample-length.ts). `representation: webp` makes PNGs, as 0.7.0's `_encode_image` does
 * (it encodes JPEG for jpeg and PNG for anything else). Pure.
 */
import type { Rng } from "../../workload/rng.ts";
import { RESOLUTION_PRESETS, type InsertionPointConfig, type MultimodalConfig, type ResolutionConfig } from "../config/multimodal-schema.ts";
import { sampleLength } from "./sample-length.ts";

export interface ImageItem {
  width: number;
  height: number;
  encoding: "png" | "jpeg";
  insertionPoint: number;
}
/** A video sent as `frames` image parts at one insertion point (0.7.0 png_frames / jpeg_frames). */
export interface VideoItem {
  width: number;
  height: number;
  frames: number;
  frameEncoding: "png" | "jpeg";
  insertionPoint: number;
}
export interface AudioItem {
  durationS: number;
  insertionPoint: number;
}
export interface MediaSpec {
  images: ImageItem[];
  videos: VideoItem[];
  audios: AudioItem[];
}

export const DEFAULT_IMAGE_WH = [512, 512] as const;
export const DEFAULT_VIDEO_FRAMES = 10;
export const DEFAULT_AUDIO_SECONDS = 1.0;

export function resolutionWh(r: ResolutionConfig): readonly [number, number] {
  return typeof r === "string" ? RESOLUTION_PRESETS[r] : [r.width, r.height];
}

function chooseIndex(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, w) => a + w, 0);
  if (total <= 0) return 0;
  const u = rng.next() * total;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

function pick<T extends { weight: number }>(list: readonly T[], rng: Rng): T {
  return list[chooseIndex(list.map((x) => x.weight), rng)]!;
}

export function sampleInsertionPoint(p: InsertionPointConfig, rng: Rng): number {
  if (p === null) return rng.next();
  return typeof p === "number" ? p : sampleLength(p, rng);
}

export function sampleMediaSpec(cfg: MultimodalConfig, rng: Rng): MediaSpec {
  const spec: MediaSpec = { images: [], videos: [], audios: [] };
  const { image, video, audio } = cfg;
  if (image?.count) {
    const n = sampleLength(image.count, rng);
    for (let k = 0; k < n; k++) {
      const r = image.resolutions;
      const [width, height] = r === null ? DEFAULT_IMAGE_WH : Array.isArray(r) ? resolutionWh(pick(r, rng).resolution) : resolutionWh(r);
      spec.images.push({ width, height, encoding: image.representation === "jpeg" ? "jpeg" : "png", insertionPoint: sampleInsertionPoint(image.insertion_point, rng) });
    }
  }
  if (video?.count) {
    const n = sampleLength(video.count, rng);
    for (let k = 0; k < n; k++) {
      const p = video.profiles;
      const profile = p === null ? { resolution: { width: DEFAULT_IMAGE_WH[0], height: DEFAULT_IMAGE_WH[1] }, frames: DEFAULT_VIDEO_FRAMES } : Array.isArray(p) ? pick(p, rng).profile : p;
      const [width, height] = resolutionWh(profile.resolution);
      const insertionPoint = sampleInsertionPoint(video.insertion_point, rng);
      spec.videos.push({ width, height, frames: profile.frames, frameEncoding: video.representation === "jpeg_frames" ? "jpeg" : "png", insertionPoint });
    }
  }
  if (audio?.count) {
    const n = sampleLength(audio.count, rng);
    for (let k = 0; k < n; k++) {
      const d = audio.durations;
      const durationS = d === null ? DEFAULT_AUDIO_SECONDS : Array.isArray(d) ? pick(d, rng).duration : d;
      spec.audios.push({ durationS, insertionPoint: sampleInsertionPoint(audio.insertion_point, rng) });
    }
  }
  return spec;
}

/** "images 2 (1920×1080 ×0.8, 3840×2160 ×0.2), insertion 0" style summary for --dry-run. */
export function describeMultimodal(cfg: MultimodalConfig): string {
  const parts: string[] = [];
  const ip = (p: InsertionPointConfig) => (p === null ? "uniform" : typeof p === "number" ? String(p) : `${p.type}[${p.min}, ${p.max}]`);
  const count = (d: { type: string; mean: number; min: number; max: number }) => (d.min === d.max ? String(d.min) : `${d.type}(mean ${d.mean}) in [${d.min}, ${d.max}]`);
  if (cfg.image?.count) parts.push(`images ${count(cfg.image.count)} per request (${cfg.image.representation}, insertion ${ip(cfg.image.insertion_point)})`);
  if (cfg.video?.count) parts.push(`videos ${count(cfg.video.count)} per request (${cfg.video.representation}, insertion ${ip(cfg.video.insertion_point)})`);
  if (cfg.audio?.count) parts.push(`audio clips ${count(cfg.audio.count)} per request (wav, insertion ${ip(cfg.audio.insertion_point)})`);
  return parts.length > 0 ? parts.join(", ") : "no media (no count set)";
}
