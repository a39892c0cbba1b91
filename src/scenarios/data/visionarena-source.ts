/**
 * 0.7.0's `visionarena` data (datagen/dataset/visionarena_datagen.py): the Hugging Face dataset
 * lmarena-ai/VisionArena-Chat (data.visionarena.hf_dataset_name), split hf_split, streamed file by file until
 * num_rows usable rows are in a pool; request i sends pool[i mod size], cycling:
 *  - the prompt is the first user turn's content that is a non-blank string (a turn is a one-element list of
 *    {role, content}, or the message itself);
 *  - the row's images, cut to the first max_images_per_request, keep those whose bytes are a JPEG, PNG or WEBP
 *    (sent verbatim as data:image/jpeg|png|webp URLs, at their own size; anything else is skipped, not re-encoded);
 *  - a row without a prompt or without a kept image is skipped;
 *  - each image goes at its insertion point (default 0.0: before the text; a Distribution is drawn per image) as
 *    multimodal-content.ts weaves them; one user message; max_tokens 0.7.0's client default, 30.
 * Files: the dataset card's `configs` data_files for the split (config `default`), or hf_data_files (a glob over
 * the repo's files); without either, the repo's parquet files named `<split>-…` or under a `<split>/` folder.
 * Parquet only (the Hub's format for this dataset), read with hyparquet, loaded only when this type runs.
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../../errors.ts";
import { downloadHubFile } from "../../hub/hub-download.ts";
import type { HubRepo } from "../../hub/hub-cache.ts";
import { listRepoFiles } from "../../hub/hub-tree.ts";
import type { VisionArenaConfig } from "../config/multimodal-schema.ts";
import { createRng, deriveSeed } from "../../workload/rng.ts";
import type { BodyWriter } from "./body-writer.ts";
import { globToRegExp, splitPatterns, type HubAccess } from "./hub-dataset-files.ts";
import { assembleContent, imagePart, imageStat, type RequestMedia } from "./multimodal-content.ts";
import { sampleInsertionPoint } from "./multimodal-spec.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { imageSize } from "../../media/media-headers.ts";

interface PoolImage {
  mime: string;
  bytes: Buffer;
  width: number;
  height: number;
}
export interface VisionArenaRow {
  prompt: string;
  images: PoolImage[];
}

/** 0.7.0 `_extract_prompt`. */
export function firstUserPrompt(conversation: unknown): string | null {
  if (!Array.isArray(conversation)) return null;
  for (const turn of conversation) {
    for (const m of Array.isArray(turn) ? turn : [turn]) {
      const msg = m as { role?: unknown; content?: unknown } | null;
      if (msg && typeof msg === "object" && msg.role === "user" && typeof msg.content === "string" && msg.content.trim() !== "") return msg.content;
    }
  }
  return null;
}

function wireFormat(b: Buffer): string | null {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") return "image/webp";
  return null;
}

/** 0.7.0 `_row_to_entry`: null for a row it skips. */
export function visionArenaRow(row: Record<string, unknown>, maxImages: number): VisionArenaRow | null {
  const prompt = firstUserPrompt(row.conversation);
  if (prompt === null || !Array.isArray(row.images)) return null;
  const images: PoolImage[] = [];
  for (const img of row.images.slice(0, maxImages)) {
    const raw = (img as { bytes?: unknown } | null)?.bytes;
    if (!(raw instanceof Uint8Array)) continue;
    const bytes = Buffer.from(raw);
    const mime = wireFormat(bytes);
    const size = mime === null ? null : imageSize(bytes);
    if (mime !== null && size !== null) images.push({ mime, bytes, ...size });
  }
  return images.length > 0 ? { prompt, images } : null;
}

async function datasetFiles(cfg: VisionArenaConfig, access: HubAccess): Promise<{ repo: HubRepo; commit: string; files: string[] }> {
  const repo: HubRepo = { type: "dataset", id: cfg.hf_dataset_name };
  const readme = await downloadHubFile({ repo, file: "README.md" }, access);
  const all = (await listRepoFiles(repo, readme.commit, "", access.settings)).filter((f) => f.endsWith(".parquet"));
  const patterns = cfg.hf_data_files !== null ? [cfg.hf_data_files] : splitPatterns(await readFile(readme.path, "utf8"), "default", cfg.hf_split);
  const split = new RegExp(`(^|/)${cfg.hf_split.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([-._/])`);
  const matchers = patterns.map(globToRegExp);
  const files = all.filter((f) => (patterns.length > 0 ? matchers.some((m) => m.test(f)) : split.test(f))).sort();
  if (files.length === 0) {
    throw new UsageError(`data.visionarena: ${cfg.hf_dataset_name} has no parquet file for split ${cfg.hf_split}${patterns.length ? ` (data files ${patterns.join(", ")})` : ""}`, "check hf_dataset_name, hf_split and hf_data_files");
  }
  return { repo, commit: readme.commit, files };
}

/** The pool: the first num_rows usable rows, reading only as many files (and row groups) as that takes. */
export async function readVisionArenaPool(cfg: VisionArenaConfig, access: HubAccess): Promise<VisionArenaRow[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import("hyparquet");
  const { repo, commit, files } = await datasetFiles(cfg, access);
  const pool: VisionArenaRow[] = [];
  for (const name of files) {
    const path = (await downloadHubFile({ repo, revision: commit, file: name }, access)).path;
    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    let rowStart = 0;
    for (const group of meta.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = (await parquetReadObjects({ file, metadata: meta, columns: ["conversation", "images"], rowStart, rowEnd, utf8: false })) as Record<string, unknown>[];
      for (const row of rows) {
        const entry = visionArenaRow(row, cfg.max_images_per_request);
        if (entry !== null) pool.push(entry);
        if (pool.length >= cfg.num_rows) return pool;
      }
      rowStart = rowEnd;
    }
  }
  return pool;
}

/** `promptTokens[k]`: the client-side count of row k's prompt (0.7.0 counts the text parts only, with special tokens). */
export function createVisionArenaSource(cfg: VisionArenaConfig, pool: readonly VisionArenaRow[], promptTokens: readonly number[], body: BodyWriter, seed: number): ScenarioRequestSource {
  if (pool.length === 0) {
    throw new UsageError(`data.visionarena: no usable row in ${cfg.hf_dataset_name} split ${cfg.hf_split}: each needs a user-turn prompt and a JPEG, PNG or WEBP image`, "check hf_dataset_name and hf_split");
  }
  return {
    warnings: [],
    request(i) {
      const k = i % pool.length;
      const row = pool[k]!;
      const rng = createRng(deriveSeed(seed, 0x76, i));
      const media: RequestMedia = { images: [], videos: [], audios: [] };
      const items = row.images.map((im) => {
        media.images.push(imageStat(im.width, im.height, im.bytes.length));
        return [imagePart(im.mime, im.bytes), sampleInsertionPoint(cfg.insertion_point, rng)] as [ReturnType<typeof imagePart>, number];
      });
      const content = assembleContent(row.prompt, items);
      return { body: body.forMessagesJson(JSON.stringify([{ role: "user", content }]), null), plannedPromptTokens: promptTokens[k] ?? 0, plannedOutputTokens: null, media };
    },
    describe: () => `visionarena: ${pool.length} rows of ${cfg.hf_dataset_name} (split ${cfg.hf_split}, up to ${cfg.max_images_per_request} image(s) per request), cycled; max_tokens 30`,
  };
}
