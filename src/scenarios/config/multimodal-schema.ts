/**
 * inference-perf 0.7.0's multimodal blocks (inference_perf/config/datagen/multimodal.py, visionarena.py):
 * `data.multimodal` and `data.shared_prefix.multimodal` (SyntheticMultimodalDatagenConfig: image, video, audio),
 * and `data.visionarena` (VisionArenaConfig). Defaults are 0.7.0's; the sampling defaults that live in its
 * datagen (512×512 images and videos, 10 frames, 1 s audio) are in src/scenarios/data/multimodal-spec.ts.
 */
import { z } from "zod";
import { distributionSchema } from "./distribution-schema.ts";

/** ResolutionPreset → (width, height) (multimodal_sampling.py `_PRESET_TO_WH`). */
export const RESOLUTION_PRESETS = { "4k": [3840, 2160], "1080p": [1920, 1080], "720p": [1280, 720], "360p": [640, 360] } as const;

const presetSchema = z.enum(Object.keys(RESOLUTION_PRESETS) as [keyof typeof RESOLUTION_PRESETS, ...(keyof typeof RESOLUTION_PRESETS)[]], {
  message: `must be one of ${Object.keys(RESOLUTION_PRESETS).join(", ")} or {height, width}`,
});
const resolutionSchema = z.union([presetSchema, z.strictObject({ height: z.number().int().positive(), width: z.number().int().positive() })]);
const weight = z.number().default(1.0);

/** A float in [0, 1] (0 = before the text, 1 = after it), or a Distribution sampled per item (ints in [min, max]). */
const insertionPointSchema = z
  .union([z.number().min(0).max(1), distributionSchema])
  .nullable()
  .superRefine((v, ctx) => {
    if (v !== null && typeof v === "object" && (v.min < 0 || v.max > 1)) {
      ctx.addIssue({ code: "custom", message: `a Distribution insertion_point must lie in [0, 1] (min ${v.min}, max ${v.max}); 0.7.0 refuses the request otherwise` });
    }
  });

const mediaFields = {
  /** Items per request; none (null) sends none of this kind. */
  count: distributionSchema.nullable().default(null),
  /** null: uniform in [0, 1) per item. */
  insertion_point: insertionPointSchema.default(null),
};

export const imageDatagenSchema = z.strictObject({
  ...mediaFields,
  resolutions: z.union([resolutionSchema, z.array(z.strictObject({ resolution: resolutionSchema, weight }))]).nullable().default(null),
  representation: z.enum(["png", "jpeg", "webp"]).default("png"),
});

const videoProfileSchema = z.strictObject({ resolution: resolutionSchema, frames: z.number().int().positive() });

export const videoDatagenSchema = z.strictObject({
  ...mediaFields,
  profiles: z.union([videoProfileSchema, z.array(z.strictObject({ profile: videoProfileSchema, weight }))]).nullable().default(null),
  representation: z.enum(["mp4", "png_frames", "jpeg_frames"]).default("mp4"),
});

export const audioDatagenSchema = z.strictObject({
  ...mediaFields,
  durations: z.union([z.number().positive(), z.array(z.strictObject({ duration: z.number().positive(), weight }))]).nullable().default(null),
});

export const multimodalSchema = z.strictObject({
  image: imageDatagenSchema.nullable().default(null),
  video: videoDatagenSchema.nullable().default(null),
  audio: audioDatagenSchema.nullable().default(null),
});

export const visionArenaSchema = z.strictObject({
  hf_dataset_name: z.string().min(1).default("lmarena-ai/VisionArena-Chat"),
  hf_split: z.string().min(1).default("train"),
  /** A data_files glob forwarded to load_dataset (matched against the dataset's parquet files here). */
  hf_data_files: z.string().min(1).nullable().default(null),
  num_rows: z.number().int().positive().default(1000),
  max_images_per_request: z.number().int().positive().default(1),
  insertion_point: insertionPointSchema.default(0.0),
});

export type MultimodalConfig = z.infer<typeof multimodalSchema>;
export type ImageDatagenConfig = z.infer<typeof imageDatagenSchema>;
export type VideoDatagenConfig = z.infer<typeof videoDatagenSchema>;
export type AudioDatagenConfig = z.infer<typeof audioDatagenSchema>;
export type VisionArenaConfig = z.infer<typeof visionArenaSchema>;
export type ResolutionConfig = z.infer<typeof resolutionSchema>;
export type InsertionPointConfig = z.infer<typeof insertionPointSchema>;

type Issue = (path: Array<string | number>, message: string) => void;

/** Cross-field rules of the multimodal and visionarena blocks, as 0.7.0's generators enforce them at start. */
export function checkMultimodalConfig(
  cfg: { api: { type: string }; data: { type: string; multimodal: MultimodalConfig | null; visionarena: VisionArenaConfig | null; input_distribution: unknown; output_distribution: unknown; shared_prefix: { multimodal: MultimodalConfig | null; enable_multi_turn_chat: boolean } | null } },
  issue: Issue,
): void {
  const { data } = cfg;
  const prefixMm = data.shared_prefix?.multimodal ?? null;
  if (data.multimodal !== null && data.type !== "synthetic" && data.type !== "shared_prefix") {
    issue(["data", "multimodal"], `is read only by data.type synthetic and shared_prefix (inference-perf 0.7.0 ignores it with data.type ${data.type}); remove it or change data.type`);
  }
  const multimodal = (data.type === "synthetic" && data.multimodal !== null) || (data.type === "shared_prefix" && (data.multimodal !== null || prefixMm !== null));
  if (multimodal && cfg.api.type !== "chat") {
    issue(["api", "type"], `must be chat for multimodal requests (inference-perf 0.7.0 sends images, video and audio as chat content parts only); set api.type chat`);
  }
  if (data.type === "shared_prefix" && multimodal && data.shared_prefix?.enable_multi_turn_chat) {
    issue(["data", "shared_prefix", "enable_multi_turn_chat"], "cannot be combined with multimodal (inference-perf 0.7.0 raises 'Multimodal multi-turn shared prefix is not supported yet'); set it to false");
  }
  for (const [path, mm] of [[["data", "multimodal"], data.multimodal], [["data", "shared_prefix", "multimodal"], prefixMm]] as const) {
    if (mm?.video && mm.video.count !== null && mm.video.representation === "mp4") {
      issue([...path, "video", "representation"], "mp4 needs an H.264 encoder, which kneepoint does not ship (0.7.0 uses PyAV); use png_frames or jpeg_frames");
    }
  }
  if (data.type === "visionarena") {
    if (data.visionarena === null) issue(["data", "visionarena"], "is required for data.type visionarena (inference-perf 0.7.0 refuses the run without it)");
    if (cfg.api.type !== "chat") issue(["api", "type"], "must be chat for data.type visionarena (its requests carry images); set api.type chat");
    for (const key of ["input_distribution", "output_distribution"] as const) {
      if (data[key] !== null) issue(["data", key], "is not supported by data.type visionarena (0.7.0: 'IO distribution not supported for this data generator'); remove it");
    }
    if (data.shared_prefix !== null) issue(["data", "shared_prefix"], "is not supported by data.type visionarena; remove it");
  } else if (data.visionarena !== null) {
    issue(["data", "visionarena"], `is read only by data.type visionarena; remove it or set data.type visionarena`);
  }
}
