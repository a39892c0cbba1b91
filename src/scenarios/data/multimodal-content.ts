/**
 * A request's media turned into chat content parts and woven into its text, as 0.7.0's apis/chat.py
 * (`_materialize_multimodal_content`, `assemble_content`, `_build_user_content`) does:
 *  - an image is `{"type":"image_url","image_url":{"url":"data:image/png;base64,…"}}` (jpeg: image/jpeg);
 *  - a frames video is `frames` such image parts at the video's insertion point;
 *  - an audio clip is `{"type":"input_audio","input_audio":{"data":"<base64 WAV>","format":"wav"}}`;
 *  - items (images, then videos, then audio) are stably sorted by insertion point p, clamped to [0, 1]; each goes
 *    at character ⌊p · len(text)⌋ (Python's len: code points), the text between them as text parts, a text part
 *    only when non-empty; no media gives one text part;
 *  - a shared prefix's content comes first, then the payload's: when both meet at text parts the two texts are
 *    joined with one space, else a `{"type":"text","text":" "}` part goes between them.
 * The report's per-request media (`RequestMedia`) are 0.7.0's Image / Video / Audio records: pixels = w·h,
 * bytes = the encoded bytes (a frames video: all its frames), aspect_ratio = w / h, frames, seconds.
 */
import type { Rng } from "../../workload/rng.ts";
import { randomColor, silentWav, solidImage } from "./multimodal-media.ts";
import type { MediaSpec } from "./multimodal-spec.ts";

export type ContentPart = Record<string, unknown> & { type: string };

export interface ImageStat {
  pixels: number;
  bytes: number;
  aspect_ratio: number;
}
export interface VideoStat extends ImageStat {
  frames: number;
}
export interface AudioStat {
  bytes: number;
  seconds: number;
}
/** The media one request carried, as 0.7.0 records them (RequestMetrics.image / video / audio). */
export interface RequestMedia {
  images: ImageStat[];
  videos: VideoStat[];
  audios: AudioStat[];
}

export const emptyMedia = (): RequestMedia => ({ images: [], videos: [], audios: [] });

const aspect = (w: number, h: number) => (h > 0 ? w / h : 0);

export function imagePart(mime: string, bytes: Buffer): ContentPart {
  return { type: "image_url", image_url: { url: `data:${mime};base64,${bytes.toString("base64")}` } };
}

export function imageStat(width: number, height: number, bytes: number): ImageStat {
  return { pixels: width * height, bytes, aspect_ratio: aspect(width, height) };
}

type Placed = [ContentPart, number];

/** 0.7.0 `assemble_content`. */
export function assembleContent(text: string, items: Placed[]): ContentPart[] {
  if (items.length === 0) return [{ type: "text", text }];
  const sorted = items.map((it, k) => [it, k] as const).sort((a, b) => a[0][1] - b[0][1] || a[1] - b[1]).map(([it]) => it);
  // Python indexes code points; JS strings are UTF-16, so split only when a surrogate pair is there.
  const chars: string[] | string = /[\uD800-\uDFFF]/.test(text) ? Array.from(text) : text;
  const slice = (a: number, b?: number) => (typeof chars === "string" ? chars.slice(a, b) : chars.slice(a, b).join(""));
  const content: ContentPart[] = [];
  let last = 0;
  for (const [part, point] of sorted) {
    const idx = Math.floor(Math.max(0, Math.min(1, point)) * chars.length);
    if (idx > last) {
      content.push({ type: "text", text: slice(last, idx) });
      last = idx;
    }
    content.push(part);
  }
  if (last < chars.length) content.push({ type: "text", text: slice(last) });
  return content;
}

/** The bytes and parts of a sampled spec woven into `text`; `rng` draws each image's (each frame's) colour. */
export function materializeMedia(text: string, spec: MediaSpec, rng: Rng): { content: ContentPart[]; media: RequestMedia } {
  const items: Placed[] = [];
  const media = emptyMedia();
  for (const im of spec.images) {
    const bytes = solidImage(im.width, im.height, im.encoding, randomColor(rng));
    items.push([imagePart(`image/${im.encoding}`, bytes), im.insertionPoint]);
    media.images.push(imageStat(im.width, im.height, bytes.length));
  }
  for (const v of spec.videos) {
    let total = 0;
    for (let f = 0; f < v.frames; f++) {
      const bytes = solidImage(v.width, v.height, v.frameEncoding, randomColor(rng));
      items.push([imagePart(`image/${v.frameEncoding}`, bytes), v.insertionPoint]);
      total += bytes.length;
    }
    media.videos.push({ ...imageStat(v.width, v.height, total), frames: v.frames });
  }
  for (const a of spec.audios) {
    const wav = silentWav(a.durationS);
    items.push([{ type: "input_audio", input_audio: { data: wav.toString("base64"), format: "wav" } }, a.insertionPoint]);
    media.audios.push({ bytes: wav.length, seconds: a.durationS });
  }
  return { content: assembleContent(text, items), media };
}

/** 0.7.0 `_build_user_content`'s join of the prefix's content and the payload's. */
export function joinPrefixContent(prefix: ContentPart[], payload: ContentPart[]): ContentPart[] {
  if (prefix.length === 0 || payload.length === 0) return [...prefix, ...payload];
  const a = prefix[prefix.length - 1]!;
  const b = payload[0]!;
  if (a.type === "text" && b.type === "text") return [...prefix.slice(0, -1), { ...a, text: `${String(a.text)} ${String(b.text)}` }, ...payload.slice(1)];
  return [...prefix, { type: "text", text: " " }, ...payload];
}

export function mergeMedia(a: RequestMedia, b: RequestMedia): RequestMedia {
  return { images: [...a.images, ...b.images], videos: [...a.videos, ...b.videos], audios: [...a.audios, ...b.audios] };
}
