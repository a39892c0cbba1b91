/**
 * Hub datasets and a Hub tokenizer, kneepoint against the real inference-perf 0.7.0: both are pointed at the Hub
 * stand-in (fixture-hub.ts) with HF_ENDPOINT, each with a fresh HF_HOME and HF_TOKEN (the ShareGPT repo is gated
 * here), and send their requests to a recording simulator; the bodies they send must be the same multiset —
 * the same prompts and messages, the same max_tokens, for the same records in the same cycle. Covered: shareGPT
 * without data.path (completion with length filters, chat), cnn_dailymail from the Hub's parquet files
 * (completion, filters), billsum_conversations (chat) and infinity_instruct (completion, filter) from local files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { runToolInDir } from "./run-tool-in-dir.ts";
import { loadLocalTokenizer } from "../../src/tokenizer/local-tokenizer.ts";
import { FIXTURES, startFixtureHub, TINY_TOKENIZER, TOKENIZER_REPO } from "./fixture-hub.ts";
import type { RunningHub } from "./hub-server.ts";
import { startRecordingTarget, type Body } from "./recording-target.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const TOKEN = "hf_parity_token";

const CASES: Record<string, { api: "completion" | "chat"; data: string }> = {
  "shareGPT from the Hub, completion, filters": { api: "completion", data: "{type: shareGPT, input_distribution: {min: 3, max: 13, mean: 5}, output_distribution: {min: 2, max: 21, mean: 5}}" },
  "shareGPT from the Hub, chat": { api: "chat", data: "{type: shareGPT}" },
  "cnn_dailymail from the Hub (parquet), completion, filters": { api: "completion", data: "{type: cnn_dailymail, input_distribution: {min: 7, max: 20, mean: 10}, output_distribution: {min: 2, max: 12, mean: 5}}" },
  "billsum_conversations from data.path, chat": { api: "chat", data: `{type: billsum_conversations, path: ${join(FIXTURES, "billsum.json")}}` },
  "infinity_instruct from data.path (JSON Lines), completion, filter": { api: "completion", data: `{type: infinity_instruct, path: ${join(FIXTURES, "infinity.json")}, output_distribution: {min: 1, max: 6, mean: 3}}` },
};

function config(c: { api: string; data: string }, target: string, reports: string): string {
  return `
api: {type: ${c.api}, streaming: false}
data: ${c.data}
load: {type: constant, stages: [{rate: 10, duration: 1}]}
server: {type: vllm, model_name: ${MODEL}, base_url: ${target}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER_REPO}}
report: {request_lifecycle: {summary: true, per_stage: false, per_request: false}}
storage: {local_storage: {path: ${reports}}}
`;
}

/** The HF_HOME each inference-perf run used (transformers cached the Hub tokenizer there). */
const peerHomes: string[] = [];

async function bodiesFrom(tool: "inference-perf" | "kneepoint", c: { api: string; data: string }, hub: RunningHub): Promise<Body[]> {
  const target = await startRecordingTarget();
  const dir = mkdtempSync(join(tmpdir(), `kp-hub-parity-${tool}-`));
  mkdirSync(join(dir, "reports"));
  writeFileSync(join(dir, "config.yaml"), config(c, target.url, join(dir, "reports")));
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf"), HF_TOKEN: TOKEN };
  if (tool === "inference-perf") peerHomes.push(env.HF_HOME);
  try {
    const run = await runToolInDir(tool, dir, env);
    expect(run.stdout + run.stderr, `${tool} printed the token`).not.toContain(TOKEN);
  } finally {
    await target.close();
  }
  return target.bodies;
}

const sorted = (bodies: Body[]) => bodies.map((b) => JSON.stringify(b)).sort();
const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`Hub datasets: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST} through HF_ENDPOINT`, () => {
  let hub: RunningHub;
  const results = new Map<string, { ip: Body[]; kp: Body[] }>();
  beforeAll(async () => {
    hub = await startFixtureHub({ gatedToken: TOKEN });
    for (const [name, c] of Object.entries(CASES)) {
      const [ip, kp] = await Promise.all([bodiesFrom("inference-perf", c, hub), bodiesFrom("kneepoint", c, hub)]);
      results.set(name, { ip, kp });
    }
  }, 300_000);
  afterAll(() => hub?.close());

  for (const name of Object.keys(CASES)) {
    it(`${name}: the same request bodies`, () => {
      const { ip, kp } = results.get(name)!;
      expect(ip.length).toBeGreaterThanOrEqual(8);
      expect(sorted(kp)).toEqual(sorted(ip));
    });
  }

  it("shareGPT completion, by hand: records from the second on, then the first; max_tokens = the answer's words + BOS", () => {
    const { kp } = results.get("shareGPT from the Hub, completion, filters")!;
    // fixtures/sharegpt.json: r1 (5 → 3 words), r2 one turn, r3 empty prompt, r4 (12 → 20), r5 (system "s1 s2" → 6),
    // r6 (2 → 1: 1+1 = 2 output tokens), r7 (30 words: prompt 31 > 13, skipped), r0 (3 → 2). Prompt tokens = words + 1.
    const expected = [["w1 w2 w3 w4 w5", 4], ["w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", 21], ["s1 s2", 7], ["w1 w2", 2], ["w1 w2 w3", 3]];
    expect(kp.map((b) => [b.prompt, b.max_tokens])).toEqual(Array.from({ length: kp.length }, (_, i) => expected[i % expected.length]));
  });

  it("one cache for both: offline, kneepoint loads the tokenizer transformers downloaded into inference-perf's HF_HOME", async () => {
    const before = hub.requests.length;
    const tok = await loadLocalTokenizer(TOKENIZER_REPO, { HF_HOME: peerHomes[0]!, HF_HUB_OFFLINE: "1" });
    expect(await tok.encode("w1 w2 w3")).toEqual(await (await loadLocalTokenizer(TINY_TOKENIZER, {})).encode("w1 w2 w3"));
    expect(tok.source).toBe(`tokenizer.json (${TOKENIZER_REPO})`);
    expect(hub.requests.length).toBe(before);
  });

  it("both read the data and the tokenizer from HF_ENDPOINT with the token", () => {
    const paths = hub.requests.map((r) => r.path);
    expect(paths).toContain(`/${TOKENIZER_REPO}/resolve/main/tokenizer.json`);
    expect(paths.some((p) => p.startsWith("/datasets/abisee/cnn_dailymail/resolve/") && p.endsWith("3.0.0/train-00001-of-00002.parquet"))).toBe(true);
    const sharegpt = hub.requests.filter((r) => r.path.startsWith("/datasets/anon8231489123/"));
    expect(sharegpt.length).toBeGreaterThan(0);
    expect(sharegpt.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});
