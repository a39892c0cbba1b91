/**
 * data.type visionarena, kneepoint against the real inference-perf 0.7.0: both stream a tiny stand-in of
 * lmarena-ai/VisionArena-Chat (fixtures/visionarena, made by make-visionarena.py) from the Hub stand-in through
 * HF_ENDPOINT and send to a recording simulator; the request bodies must be the same multiset, byte for byte (the
 * same prompts, the same image bytes passed through, the same order of parts, max_tokens). By hand, the pool of
 * num_rows 3 is: row 0 (PNG 40×30), row 1 (its first image only, a JPEG 64×48), row 6 (WEBP 33×17, in the second
 * file); rows 2–5 are skipped (no user turn, a blank one, a GIF, no image) and row 7 is past num_rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { runToolInDir } from "../hub/run-tool-in-dir.ts";
import { fixtureRepos, TOKENIZER_REPO } from "../hub/fixture-hub.ts";
import { startHubServer, type RunningHub } from "../hub/hub-server.ts";
import { startRecordingTarget, type Body } from "../hub/recording-target.ts";
import { imageSize } from "../../src/media/media-headers.ts";

const VA = fileURLToPath(new URL("./fixtures/visionarena/", import.meta.url));
const REPO = "lmarena-ai/VisionArena-Chat";

function visionArenaRepo() {
  const files: Record<string, Buffer> = { "README.md": readFileSync(join(VA, "README.md")) };
  for (const f of readdirSync(join(VA, "data"))) files[`data/${f}`] = readFileSync(join(VA, "data", f));
  return { type: "dataset" as const, id: REPO, files, lfs: Object.keys(files).filter((f) => f.endsWith(".parquet")), lfsRedirect: true };
}

function config(target: string, reports: string): string {
  return `
api: {type: chat, streaming: false}
data: {type: visionarena, visionarena: {num_rows: 3}}
load: {type: constant, stages: [{rate: 8, duration: 1}]}
server: {type: vllm, model_name: meta-llama/Llama-3.1-8B-Instruct, base_url: ${target}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER_REPO}}
report: {request_lifecycle: {summary: true, per_stage: false, per_request: false}}
storage: {local_storage: {path: ${reports}}}
`;
}

async function bodiesFrom(tool: "inference-perf" | "kneepoint", hub: RunningHub): Promise<{ bodies: Body[]; summary: Record<string, Record<string, unknown>> }> {
  const target = await startRecordingTarget();
  const dir = mkdtempSync(join(tmpdir(), `kp-va-parity-${tool}-`));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  writeFileSync(join(dir, "config.yaml"), config(target.url, reports));
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf") };
  try {
    await runToolInDir(tool, dir, env);
  } finally {
    await target.close();
  }
  return { bodies: target.bodies, summary: JSON.parse(readFileSync(join(reports, "summary_lifecycle_metrics.json"), "utf8")) as Record<string, Record<string, unknown>> };
}

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`visionarena: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST} through HF_ENDPOINT`, () => {
  let hub: RunningHub;
  let ip: Awaited<ReturnType<typeof bodiesFrom>>;
  let kp: Awaited<ReturnType<typeof bodiesFrom>>;
  beforeAll(async () => {
    hub = await startHubServer([...fixtureRepos(), visionArenaRepo()]);
    [ip, kp] = await Promise.all([bodiesFrom("inference-perf", hub), bodiesFrom("kneepoint", hub)]);
  }, 240_000);
  afterAll(() => hub?.close());

  it("the same request bodies, byte for byte", () => {
    expect(ip.bodies.length).toBe(8);
    const sorted = (bodies: Body[]) => bodies.map((b) => JSON.stringify(b)).sort();
    expect(sorted(kp.bodies)).toEqual(sorted(ip.bodies));
  });

  it("by hand: the pool is rows 0, 1 and 6, each its image before its prompt, max_tokens 30", () => {
    const seen = kp.bodies.map((b) => {
      const [image, text] = (b.messages as Array<{ content: Array<{ type: string; text?: string; image_url?: { url: string } }> }>)[0]!.content;
      const [head, b64] = image!.image_url!.url.split(",", 2) as [string, string];
      return [head, imageSize(Buffer.from(b64, "base64")), text!.text, b.max_tokens];
    });
    const pool = [
      ["data:image/png;base64", { width: 40, height: 30 }, "w1 w2 w3 what is this", 30],
      ["data:image/jpeg;base64", { width: 64, height: 48 }, "w6 w7", 30],
      ["data:image/webp;base64", { width: 33, height: 17 }, "w14 w15 w16 webp", 30],
    ];
    expect(seen).toEqual(Array.from({ length: 8 }, (_, i) => pool[i % 3]));
  });

  it("the same image numbers in the summary (counts, pixels, bytes, aspect ratios; means to the last bits: numpy sums pairwise)", () => {
    const close = (a: unknown, b: unknown, path: string): void => {
      if (typeof b === "number") return void expect(Math.abs((a as number) - b), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
      if (b === null || typeof b !== "object") return void expect(a, path).toEqual(b);
      expect(Object.keys(a as object), path).toEqual(Object.keys(b));
      for (const k of Object.keys(b)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    };
    for (const kind of ["image", "video", "audio"]) close(kp.summary.successes![kind], ip.summary.successes![kind], kind);
    const rate = (s: typeof kp.summary) => s.successes!.throughput as { images_per_sec: number; requests_per_sec: number };
    // images_per_sec = images / benchmark time: one image per request in both runs
    expect(rate(kp.summary).images_per_sec / rate(kp.summary).requests_per_sec).toBeCloseTo(1, 12);
    expect(rate(ip.summary).images_per_sec / rate(ip.summary).requests_per_sec).toBeCloseTo(1, 12);
  });
});
