/** The media keys of the lifecycle reports: hand-computed, and the same whether folded at once, merged from parts, or read back from JSON. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addRequestMedia, createMediaState, mediaReportOf, mediaStateFromJson, mediaStateToJson, mergeMediaStates, perRequestMediaOf } from "./media-state.ts";
import type { RequestMedia } from "../data/multimodal-content.ts";

const P = [50];
const img = (w: number, h: number, bytes: number) => ({ pixels: w * h, bytes, aspect_ratio: w / h });
const requests: RequestMedia[] = [
  { images: [img(4, 2, 100), img(2, 2, 60)], videos: [], audios: [{ bytes: 44, seconds: 0.5 }] },
  { images: [], videos: [{ ...img(8, 8, 300), frames: 3 }], audios: [] },
  { images: [img(6, 3, 80)], videos: [], audios: [] },
];

describe("media state", () => {
  it("by hand: 3 successes over 2 s plus 1 folded without media", () => {
    const s = createMediaState();
    for (const r of requests) addRequestMedia(s, r);
    const rep = mediaReportOf(s, 4, (x) => x / 2, P);
    expect(rep.throughput).toEqual({ images_per_sec: 1.5, videos_per_sec: 0.5, audios_per_sec: 0.5 });
    // image counts over the 4 successes: 2, 0, 1 and the padded 0 → mean 0.75, median 0.5
    expect(rep.image.count).toEqual({ mean: 0.75, min: 0, max: 2, median: 0.5 });
    expect(rep.image.pixels).toEqual({ mean: (8 + 4 + 18) / 3, min: 4, max: 18, median: 8 });
    expect(rep.image.aspect_ratio!.max).toBe(2);
    expect(rep.video.frames).toEqual({ mean: 3, min: 3, max: 3, median: 3 });
    expect(rep.audio.seconds).toEqual({ mean: 0.5, min: 0.5, max: 0.5, median: 0.5 });
  });

  it("merged parts and a JSON round trip give the same report as one fold", () => {
    const whole = createMediaState();
    for (const r of requests) addRequestMedia(whole, r);
    const a = createMediaState();
    addRequestMedia(a, requests[0]!);
    const b = createMediaState();
    for (const r of requests.slice(1)) addRequestMedia(b, r);
    const back = mediaStateFromJson(JSON.parse(JSON.stringify(mediaStateToJson(b))) as Record<string, unknown>, "b")!;
    // a part with one success folded without media counts 0 of each for it
    const merged = mergeMediaStates([{ media: a, count: 1 }, { media: back, count: 2 }, { media: undefined, count: 1 }])!;
    expect(mediaReportOf(merged, 4, (x) => x, P)).toEqual(mediaReportOf(whole, 4, (x) => x, P));
    expect(mergeMediaStates([{ media: undefined, count: 3 }])).toBeUndefined();
  });

  it("a text-only report: zero counts, null instance stats; per request null for a kind not carried", () => {
    expect(mediaReportOf(undefined, 2, (x) => x, P).image).toEqual({ count: { mean: 0, min: 0, max: 0, median: 0 }, pixels: null, bytes: null, aspect_ratio: null });
    expect(perRequestMediaOf(requests[1])).toEqual({ image: null, video: { count: 1, instances: [{ ...img(8, 8, 300), frames: 3 }] }, audio: null });
  });

  it("property: any split of the requests into parts, merged, reports what one fold reports; counts stay in [min, max]", () => {
    const inst = fc.record({ w: fc.integer({ min: 1, max: 4000 }), h: fc.integer({ min: 1, max: 3000 }), bytes: fc.integer({ min: 1, max: 1e6 }) });
    const media = fc.record({
      images: fc.array(inst.map((x) => img(x.w, x.h, x.bytes)), { maxLength: 3 }),
      videos: fc.array(fc.record({ x: inst, frames: fc.integer({ min: 1, max: 30 }) }).map(({ x, frames }) => ({ ...img(x.w, x.h, x.bytes), frames })), { maxLength: 2 }),
      audios: fc.array(fc.record({ bytes: fc.integer({ min: 44, max: 1e6 }), seconds: fc.double({ min: 0.01, max: 60, noNaN: true }) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.array(media, { minLength: 1, maxLength: 20 }), fc.nat(), (rs, cut) => {
        const k = cut % (rs.length + 1);
        const whole = createMediaState();
        rs.forEach((r) => addRequestMedia(whole, r));
        const a = createMediaState();
        const b = createMediaState();
        rs.slice(0, k).forEach((r) => addRequestMedia(a, r));
        rs.slice(k).forEach((r) => addRequestMedia(b, r));
        const merged = mergeMediaStates([{ media: a, count: k }, { media: b, count: rs.length - k }])!;
        const pct = [10, 50, 90];
        expect(mediaReportOf(merged, rs.length, (x) => x, pct)).toEqual(mediaReportOf(whole, rs.length, (x) => x, pct));
        const c = mediaReportOf(whole, rs.length, (x) => x, pct).image.count!;
        for (const key of ["p10", "median", "p90", "mean"]) expect(c[key]! >= c.min && c[key]! <= c.max).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
