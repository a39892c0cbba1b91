/**
 * Multimodal requests, kneepoint against the real inference-perf 0.7.0: both run the same config (tokenizer from the
 * Hub stand-in) against a recording simulator; the bodies must have the same shape — one user message whose content
 * parts are the same kinds in the same order, images of the same type and dimensions (PNGs inflating to the same
 * pixel bytes) with encoded sizes within the slack below (each image is a random solid colour),
 * byte-identical WAVs, the same max_tokens — and the reports the same media keys and numbers (counts, pixels,
 * aspect ratios, seconds exactly; bytes within the slack below).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { runToolInDir } from "../hub/run-tool-in-dir.ts";
import { startFixtureHub, TOKENIZER_REPO } from "../hub/fixture-hub.ts";
import type { RunningHub } from "../hub/hub-server.ts";
import { startRecordingTarget, type Body } from "../hub/recording-target.ts";
import { imageSize } from "../../src/media/media-headers.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { formatShapeDifference } from "../parity/shape-diff.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const fixed = (n: number) => `{min: ${n}, max: ${n}, mean: ${n}}`;

const CASES: Record<string, string> = {
  "synthetic: 2 JPEG images first, a 0.5 s clip last": `{type: synthetic, input_distribution: ${fixed(20)}, output_distribution: ${fixed(5)}, multimodal: {image: {count: ${fixed(2)}, insertion_point: 0.0, resolutions: {width: 64, height: 48}, representation: jpeg}, audio: {count: ${fixed(1)}, insertion_point: 1.0, durations: 0.5}}}`,
  "synthetic: PNG images mid-text, a 3-frame PNG video last": `{type: synthetic, input_distribution: ${fixed(30)}, output_distribution: ${fixed(5)}, multimodal: {image: {count: ${fixed(2)}, insertion_point: 0.5, resolutions: [{resolution: {width: 40, height: 30}, weight: 1.0}]}, video: {count: ${fixed(1)}, insertion_point: 1.0, profiles: {resolution: {width: 32, height: 32}, frames: 3}, representation: png_frames}}}`,
  "shared_prefix: one image per group before the prefix": `{type: shared_prefix, shared_prefix: {num_groups: 2, num_prompts_per_group: 2, system_prompt_len: 12, question_len: 6, output_len: 7, multimodal: {image: {count: ${fixed(1)}, insertion_point: 0.0, resolutions: {width: 56, height: 28}}}}}`,
};

function config(data: string, target: string, reports: string): string {
  return `
api: {type: chat, streaming: false}
data: ${data}
load: {type: constant, stages: [{rate: 6, duration: 1}]}
server: {type: vllm, model_name: ${MODEL}, base_url: ${target}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER_REPO}}
report: {request_lifecycle: {summary: true, per_stage: false, per_request: true}}
storage: {local_storage: {path: ${reports}}}
`;
}

interface Run {
  reports: string;
  bodies: Body[];
  summary: Record<string, unknown>;
  perRequest: Array<{ info: { request_metrics: Record<string, unknown> } }>;
}

async function runTool(tool: "inference-perf" | "kneepoint", data: string, hub: RunningHub): Promise<Run> {
  const target = await startRecordingTarget();
  const dir = mkdtempSync(join(tmpdir(), `kp-mm-parity-${tool}-`));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  writeFileSync(join(dir, "config.yaml"), config(data, target.url, reports));
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf") };
  try {
    await runToolInDir(tool, dir, env);
  } finally {
    await target.close();
  }
  const find = (name: string) => {
    const walk = (d: string): string | undefined => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) {
          const hit = walk(join(d, e.name));
          if (hit) return hit;
        } else if (e.name === name) return join(d, e.name);
      }
      return undefined;
    };
    const path = walk(reports);
    if (!path) throw new Error(`${tool} wrote no ${name} under ${reports}`);
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  };
  return { reports, bodies: target.bodies, summary: find("summary_lifecycle_metrics.json") as Record<string, unknown>, perRequest: find("per_request_lifecycle_metrics.json") as Run["perRequest"] };
}

/** A body's shape: max_tokens and per content part its kind, and for media the type, dimensions, byte size. */
function shape(b: Body): { maxTokens: unknown; parts: Array<Record<string, unknown>> } {
  const messages = b.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  expect(messages.length).toBe(1);
  expect(messages[0]!.role).toBe("user");
  return {
    maxTokens: b.max_tokens,
    parts: messages[0]!.content.map((p) => {
      if (p.type === "image_url") {
        const url = (p.image_url as { url: string }).url;
        const [head, b64] = url.split(",", 2) as [string, string];
        const bytes = Buffer.from(b64, "base64");
        // a PNG's pixels inflate to h·(1 + 3w) bytes in both; its deflated size depends on the colour (below)
        const raw = head === "data:image/png;base64" ? inflateSync(bytes.subarray(41, 41 + bytes.readUInt32BE(33))).length : undefined;
        return { type: p.type, head, ...imageSize(bytes), raw, bytes: bytes.length };
      }
      if (p.type === "input_audio") return { type: p.type, audio: p.input_audio };
      return { type: p.type, empty: (p.text as string).length === 0 };
    }),
  };
}

/**
 * Encoded sizes of two random solid colours differ: a JPEG's by the few bits of its DC codes (the bytes are Pillow's
 * for the same colour), a small PNG's by deflate finding other matches (Node's zlib is Chromium's fork; measured up
 * to 16 % on one small image, 0 on 1080p and 4K: media-bytes-peer.test.ts), so sizes are compared within 25 %.
 */
const slack = (b: number) => Math.max(4, 0.25 * b);
function expectSameShape(kp: ReturnType<typeof shape>, ip: ReturnType<typeof shape>): void {
  expect(kp.maxTokens).toBe(ip.maxTokens);
  expect(kp.parts.length).toBe(ip.parts.length);
  kp.parts.forEach((p, k) => {
    const q = ip.parts[k]!;
    const { bytes: a, ...restKp } = p as { bytes?: number };
    const { bytes: b, ...restIp } = q as { bytes?: number };
    expect(restKp).toEqual(restIp);
    if (a !== undefined) expect(Math.abs(a - b!)).toBeLessThanOrEqual(slack(b!));
  });
}

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`multimodal requests: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  let hub: RunningHub;
  const results = new Map<string, { ip: Run; kp: Run }>();
  beforeAll(async () => {
    hub = await startFixtureHub({});
    await Promise.all(
      Object.entries(CASES).map(async ([name, data]) => {
        const [ip, kp] = await Promise.all([runTool("inference-perf", data, hub), runTool("kneepoint", data, hub)]);
        results.set(name, { ip, kp });
      }),
    );
  }, 240_000);
  afterAll(() => hub?.close());

  for (const name of Object.keys(CASES)) {
    it(`${name}: the same body shapes`, () => {
      const { ip, kp } = results.get(name)!;
      expect(kp.bodies.length).toBe(ip.bodies.length);
      expect(ip.bodies.length).toBe(6);
      // Each tool's requests all have one shape here (fixed counts and insertion points); compare every pair.
      const ipShapes = ip.bodies.map(shape);
      for (const b of kp.bodies) expectSameShape(shape(b), ipShapes[0]!);
      for (const s of ipShapes) expectSameShape(s, ipShapes[0]!);
    });

    it(`${name}: the same report files, every document the same shape (key paths, order, number types)`, () => {
      const { ip, kp } = results.get(name)!;
      const f = compareReportDirs(readReportDir(ip.reports), readReportDir(kp.reports));
      expect(f.files.missing, "files only inference-perf wrote").toEqual([]);
      expect(f.files.extraMatchingGlobs, "kneepoint files under inference-perf names").toEqual([]);
      expect(f.shapes.flatMap((d) => d.findings.map((x) => `${d.document}: ${formatShapeDifference(x)}`))).toEqual([]);
      expect(f.counts.flatMap((d) => d.findings)).toEqual([]);
    });

    it(`${name}: the same media numbers in the reports`, () => {
      const { ip, kp } = results.get(name)!;
      const ok = (r: Run) => r.summary.successes as Record<string, Record<string, Record<string, number> | null>>;
      for (const kind of ["image", "video", "audio"] as const) {
        const a = ok(kp)[kind]!;
        const b = ok(ip)[kind]!;
        expect(Object.keys(a)).toEqual(Object.keys(b));
        for (const key of Object.keys(a)) {
          if (b[key] === null) expect(a[key], `${kind}.${key}`).toBeNull();
          else if (key === "bytes") expect(Math.abs(a[key]!.mean! - b[key]!.mean!), `${kind}.bytes`).toBeLessThanOrEqual(slack(b[key]!.mean!));
          else expect(a[key], `${kind}.${key}`).toEqual(b[key]);
        }
      }
      const media = (r: Run) =>
        r.perRequest.map((e) => {
          const { text: _text, ...rest } = e.info.request_metrics;
          return JSON.stringify(rest, (k, v: unknown) => (k === "bytes" ? "n" : v));
        });
      expect(media(kp).sort()).toEqual(media(ip).sort());
    });
  }
});
