/**
 * config.yaml's `multimodal` and `visionarena` blocks as 0.7.0's `model_dump(mode="json")` writes them: every field,
 * floats as floats (weight 1.0, insertion_point 0.0, duration 1.0), distributions as the rest of the file writes them.
 */
import type { Scalar } from "yaml";
import type { Distribution } from "./distribution-schema.ts";
import type { InsertionPointConfig, MultimodalConfig, VisionArenaConfig } from "./multimodal-schema.ts";
import { pyFloat } from "./effective-config-yaml.ts";

type DumpDistribution = (d: Distribution | null) => unknown;

const insertion = (p: InsertionPointConfig, dist: DumpDistribution): unknown => (p === null ? null : typeof p === "number" ? pyFloat(p) : dist(p));
const weighted = <T extends { weight: number }>(list: T[], rest: (x: T) => Record<string, unknown>) => list.map((x) => ({ ...rest(x), weight: pyFloat(x.weight) }));

export function multimodalDump(mm: MultimodalConfig | null, dist: DumpDistribution): unknown {
  if (mm === null) return null;
  const { image, video, audio } = mm;
  return {
    image: image && {
      count: dist(image.count),
      insertion_point: insertion(image.insertion_point, dist),
      resolutions: Array.isArray(image.resolutions) ? weighted(image.resolutions, (r) => ({ resolution: r.resolution })) : image.resolutions,
      representation: image.representation,
    },
    video: video && {
      count: dist(video.count),
      insertion_point: insertion(video.insertion_point, dist),
      profiles: Array.isArray(video.profiles) ? weighted(video.profiles, (p) => ({ profile: p.profile })) : video.profiles,
      representation: video.representation,
    },
    audio: audio && {
      count: dist(audio.count),
      insertion_point: insertion(audio.insertion_point, dist),
      durations: audio.durations === null ? null : Array.isArray(audio.durations) ? weighted(audio.durations, (d) => ({ duration: pyFloat(d.duration) as Scalar<number> })) : pyFloat(audio.durations),
    },
  };
}

export function visionArenaDump(va: VisionArenaConfig | null, dist: DumpDistribution): unknown {
  return va && { ...va, insertion_point: insertion(va.insertion_point, dist) };
}
