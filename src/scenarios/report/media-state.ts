/**
 * The media half of a lifecycle state (0.7.0 reportgen/base.py `summarize_requests`): per success its image, video
 * and audio counts, and per instance 0.7.0's Image {pixels, bytes, aspect_ratio}, Video {frames, pixels, bytes,
 * aspect_ratio}, Audio {seconds, bytes}. A state gets one only in a run whose requests carry media (multimodal data);
 * a success folded without one (or a state merged from one without) counts as 0 of each. In the report:
 *   {images,videos,audios}_per_sec = Σ counts / benchmark_time_seconds;
 *   image.count etc. = the distribution of counts over every success; the instance fields over every instance.
 * Mergeable (samples append) and JSON-able for shards. Pure.
 */
import { z } from "zod";
import { Samples } from "../../metrics/samples.ts";
import type { RequestMedia } from "../data/multimodal-content.ts";
import type { Dist } from "./lifecycle-report.ts";
import { summarizeSamples, summarizeZeros } from "./summarize-distribution.ts";

const FIELDS = ["imageCount", "imagePixels", "imageBytes", "imageAspect", "videoCount", "videoFrames", "videoPixels", "videoBytes", "videoAspect", "audioCount", "audioSeconds", "audioBytes"] as const;
type Field = (typeof FIELDS)[number];
export type MediaState = Record<Field, Samples>;

export function createMediaState(exactCap?: number): MediaState {
  return Object.fromEntries(FIELDS.map((f) => [f, new Samples(exactCap !== undefined ? { exactCap } : {})])) as MediaState;
}

export function addRequestMedia(s: MediaState, m: RequestMedia): void {
  s.imageCount.add(m.images.length);
  for (const i of m.images) (s.imagePixels.add(i.pixels), s.imageBytes.add(i.bytes), s.imageAspect.add(i.aspect_ratio));
  s.videoCount.add(m.videos.length);
  for (const v of m.videos) (s.videoFrames.add(v.frames), s.videoPixels.add(v.pixels), s.videoBytes.add(v.bytes), s.videoAspect.add(v.aspect_ratio));
  s.audioCount.add(m.audios.length);
  for (const a of m.audios) (s.audioSeconds.add(a.seconds), s.audioBytes.add(a.bytes));
}

/** The states' media, with `successes[k] − (media k's count)` zero counts for each part folded without media. */
export function mergeMediaStates(parts: ReadonlyArray<{ media?: MediaState | undefined; count: number }>, exactCap?: number): MediaState | undefined {
  if (parts.every((p) => p.media === undefined)) return undefined;
  const out = createMediaState(exactCap);
  for (const p of parts) {
    if (p.media !== undefined) for (const f of FIELDS) out[f].merge(p.media[f]);
    const missing = p.count - (p.media?.imageCount.count ?? 0);
    for (let k = 0; k < missing; k++) (out.imageCount.add(0), out.videoCount.add(0), out.audioCount.add(0));
  }
  return out;
}

function sumOf(s: Samples): number {
  const v = s.values();
  if (v !== null) return v.reduce((a, x) => a + x, 0);
  const d = s.describe([]);
  return d.mean * d.count;
}

export interface MediaReport {
  throughput: { images_per_sec: number; videos_per_sec: number; audios_per_sec: number };
  image: { count: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  video: { count: Dist; frames: Dist; pixels: Dist; bytes: Dist; aspect_ratio: Dist };
  audio: { count: Dist; seconds: Dist; bytes: Dist };
}

/** The report's media keys for `successes` successes (a text-only run: zero counts, null instance stats). */
export function mediaReportOf(media: MediaState | undefined, successes: number, perSecond: (x: number) => number, percentiles: readonly number[]): MediaReport {
  const dist = (s: Samples) => summarizeSamples(s, percentiles);
  if (media === undefined) {
    const zeros = () => summarizeZeros(successes, percentiles);
    return {
      throughput: { images_per_sec: perSecond(0), videos_per_sec: perSecond(0), audios_per_sec: perSecond(0) },
      image: { count: zeros(), pixels: null, bytes: null, aspect_ratio: null },
      video: { count: zeros(), frames: null, pixels: null, bytes: null, aspect_ratio: null },
      audio: { count: zeros(), seconds: null, bytes: null },
    };
  }
  const padded = (s: Samples) => {
    const out = new Samples({ exactCap: s.exactCap });
    out.merge(s);
    for (let k = s.count; k < successes; k++) out.add(0);
    return out;
  };
  const [ic, vc, ac] = [padded(media.imageCount), padded(media.videoCount), padded(media.audioCount)];
  return {
    throughput: { images_per_sec: perSecond(sumOf(ic)), videos_per_sec: perSecond(sumOf(vc)), audios_per_sec: perSecond(sumOf(ac)) },
    image: { count: dist(ic), pixels: dist(media.imagePixels), bytes: dist(media.imageBytes), aspect_ratio: dist(media.imageAspect) },
    video: { count: dist(vc), frames: dist(media.videoFrames), pixels: dist(media.videoPixels), bytes: dist(media.videoBytes), aspect_ratio: dist(media.videoAspect) },
    audio: { count: dist(ac), seconds: dist(media.audioSeconds), bytes: dist(media.audioBytes) },
  };
}

/** 0.7.0's per-request `request_metrics.image` / `video` / `audio`: null for a kind the request did not carry. */
export function perRequestMediaOf(m: RequestMedia | undefined): { image: unknown; video: unknown; audio: unknown } {
  const of = <T>(xs: readonly T[] | undefined) => (xs && xs.length > 0 ? { count: xs.length, instances: xs } : null);
  return { image: of(m?.images), video: of(m?.videos), audio: of(m?.audios) };
}

export const mediaStateJsonSchema = z.record(z.string(), z.unknown()).optional();

export function mediaStateToJson(m: MediaState | undefined): Record<string, unknown> | undefined {
  return m && Object.fromEntries(FIELDS.map((f) => [f, m[f].toJSON()]));
}

export function mediaStateFromJson(j: Record<string, unknown> | undefined, where: string): MediaState | undefined {
  if (j === undefined) return undefined;
  return Object.fromEntries(FIELDS.map((f) => [f, Samples.fromJSON(j[f], `${where}.${f}`)])) as MediaState;
}
