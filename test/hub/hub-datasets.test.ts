/**
 * kneepoint's Hub datasets on their own (the bodies are compared with inference-perf 0.7.0 in hub-parity.test.ts):
 * `kneepoint run --dry-run` (nothing is sent to a target; the data is read) through HF_ENDPOINT — the first run
 * downloads, HF_HUB_OFFLINE then runs from the cache, a gated repo without HF_TOKEN fails naming the file —, and
 * the readers' edge cases: JSON lists streamed across read boundaries, ShareGPT turns stored as strings, the
 * APIs and paths each type accepts, a parquet codec kneepoint cannot decode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBodyWriter } from "../../src/scenarios/data/body-writer.ts";
import { createHubDatasetSource, type HubDatasetOptions } from "../../src/scenarios/data/hub-dataset-source.ts";
import { readJsonRecords, readParquetRecords } from "../../src/scenarios/data/hub-records.ts";
import { readHubSettings } from "../../src/hub/hub-settings.ts";
import { loadLocalTokenizer } from "../../src/tokenizer/local-tokenizer.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { FIXTURES, fixtureRepos, SHAREGPT_FILE, SHAREGPT_REPO, startFixtureHub, TINY_TOKENIZER, TOKENIZER_REPO } from "./fixture-hub.ts";
import { startHubServer, type RunningHub } from "./hub-server.ts";

const TOKEN = "hf_datasets_token";
let hub: RunningHub;
beforeAll(async () => {
  hub = await startFixtureHub({ gatedToken: TOKEN });
});
afterAll(() => hub.close());

function dryRunConfig(data: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kp-hub-dry-"));
  writeFileSync(join(dir, "config.yaml"), `
api: {type: completion}
data: ${data}
load: {type: constant, stages: [{rate: 2, duration: 2}]}
server: {type: vllm, model_name: m, base_url: http://127.0.0.1:9}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER_REPO}}
`);
  return join(dir, "config.yaml");
}

describe("kneepoint run --dry-run with Hub datasets", () => {
  it("shareGPT without data.path: a token without access fails by name (exit 3); with one, downloads once; offline, runs from the cache", async () => {
    const config = dryRunConfig("{type: shareGPT}");
    const env = { HF_ENDPOINT: hub.url, HF_HOME: mkdtempSync(join(tmpdir(), "kp-hub-home-")) };
    const noToken = await runKneepoint(["run", "-c", config, "--dry-run"], { env: { ...env, HF_TOKEN: "hf_not_this_one" } });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toMatch(/cannot download ShareGPT_V3_unfiltered_cleaned_split\.json of dataset anon8231489123\/ShareGPT_Vicuna_unfiltered .* answered 401 \(GatedRepo\)/);
    expect(noToken.stderr).toContain("HF_TOKEN is set but this token has no access");
    expect(noToken.stdout + noToken.stderr).not.toContain("hf_not_this_one");

    const ok = await runKneepoint(["run", "-c", config, "--dry-run"], { env: { ...env, HF_TOKEN: TOKEN } });
    expect(ok.code, ok.stderr).toBe(0);
    // r1, r4, r5, r6, r7, r0 are usable for completion (r2 has one turn, r3 an empty prompt); 4 requests fill the pool at r6.
    expect(ok.stdout).toContain("shareGPT: 4 prompts from anon8231489123/ShareGPT_Vicuna_unfiltered/ShareGPT_V3_unfiltered_cleaned_split.json (Hugging Face Hub)");
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN);

    const before = hub.requests.length;
    const offline = await runKneepoint(["run", "-c", config, "--dry-run"], { env: { ...env, HF_HUB_OFFLINE: "1" } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain("shareGPT: 4 prompts from");
    expect(hub.requests.length).toBe(before);
  }, 60_000);

  it("cnn_dailymail: the card's 3.0.0 train files, downloaded as needed, then offline from the cache", async () => {
    const start = hub.requests.length;
    const config = dryRunConfig("{type: cnn_dailymail}");
    const env = { HF_ENDPOINT: hub.url, HF_HOME: mkdtempSync(join(tmpdir(), "kp-hub-home-")) };
    const online = await runKneepoint(["run", "-c", config, "--dry-run"], { env });
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toContain("cnn_dailymail: 4 prompts from abisee/cnn_dailymail 3.0.0 train (Hugging Face Hub)");
    // 4 requests: rows 1–3 of the first file and row 0 of the second; the validation and 1.0.0 files are not read.
    const sent = hub.requests.slice(start);
    const resolved = sent.filter((r) => r.method === "HEAD" && r.path.includes("/datasets/abisee/cnn_dailymail/resolve/")).map((r) => r.path.split("/").slice(-2).join("/"));
    expect(resolved).toEqual(["main/README.md", "3.0.0/train-00000-of-00002.parquet", "3.0.0/train-00001-of-00002.parquet"]);
    expect(sent.filter((r) => r.method === "GET" && r.path.startsWith("cdn:"))).toHaveLength(2); // the parquet files, from the CDN
    const offline = await runKneepoint(["run", "-c", config, "--dry-run"], { env: { ...env, HF_HUB_OFFLINE: "1" } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain("cnn_dailymail: 4 prompts from");
  }, 60_000);
});

describe("a long Hub download", () => {
  it("tells its progress on stderr, naming the file and the repo", async () => {
    // ~6 MB of ShareGPT records: over the 5 MB from which a download is reported.
    const record = (i: number) => ({ id: `r${i}`, conversations: [{ from: "human", value: "w1 ".repeat(300) }, { from: "gpt", value: `w${i % 9 + 1}` }] });
    const big = Buffer.from(JSON.stringify(Array.from({ length: 6500 }, (_, i) => record(i))));
    expect(big.length).toBeGreaterThan(5_000_000);
    const bigHub = await startHubServer([{ type: "dataset", id: SHAREGPT_REPO, files: { [SHAREGPT_FILE]: big }, lfs: [SHAREGPT_FILE] }, ...fixtureRepos().filter((r) => r.type === "model")]);
    try {
      const run = await runKneepoint(["run", "-c", dryRunConfig("{type: shareGPT}"), "--dry-run"], { env: { HF_ENDPOINT: bigHub.url, HF_HOME: mkdtempSync(join(tmpdir(), "kp-hub-home-")) } });
      expect(run.code, run.stderr).toBe(0);
      const mb = (big.length / 1e6).toFixed(1);
      expect(run.stderr).toContain(`downloading ${SHAREGPT_FILE} (dataset ${SHAREGPT_REPO}): 0.0 MB of ${mb} MB (0%)`);
      expect(run.stderr).toContain(`downloaded ${SHAREGPT_FILE} (dataset ${SHAREGPT_REPO}): ${mb} MB`);
    } finally {
      await bigHub.close();
    }
  }, 60_000);
});

describe("Hub dataset sources", () => {
  const body = createBodyWriter({ api: "completion", model: "m", ignoreEos: false, streaming: false, responseFormat: null, addSpecialTokens: null });
  const access = { settings: readHubSettings({ HF_HUB_OFFLINE: "1", HF_HOME: mkdtempSync(join(tmpdir(), "kp-hub-none-")) }) };
  const source = async (o: Partial<HubDatasetOptions> & Pick<HubDatasetOptions, "type">) =>
    createHubDatasetSource({ path: null, api: "completion", input: null, output: null, poolLimit: 100, ...o }, await loadLocalTokenizer(TINY_TOKENIZER, {}), body, access);
  const requests = (s: Awaited<ReturnType<typeof source>>, n: number) => Array.from({ length: n }, (_, i) => JSON.parse(s.request(i).body) as { prompt: string; max_tokens: number });

  it("streams a JSON list across read boundaries: brackets, commas and escaped quotes inside strings, a 1.5 MB record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-hub-json-"));
    const records = [{ a: "x ] } , \\\" [ {", b: [1, { c: "é😀" }] }, { big: "w ".repeat(750_000) }, { last: null }];
    writeFileSync(join(dir, "list.json"), JSON.stringify(records, null, 2));
    const got: unknown[] = [];
    for await (const r of readJsonRecords(join(dir, "list.json"))) got.push(r);
    expect(got).toEqual(records);
    writeFileSync(join(dir, "cut.json"), JSON.stringify(records).slice(0, 100));
    await expect(async () => {
      for await (const _ of readJsonRecords(join(dir, "cut.json"))) void _;
    }).rejects.toThrow(/JSON list is not closed/);
  });

  it("ShareGPT turns stored as JSON strings (inference-perf issue 429) read as objects", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-hub-sg-"));
    const turn = (from: string, value: string) => JSON.stringify({ from, value });
    writeFileSync(join(dir, "sg.json"), JSON.stringify([{ conversations: [] }, { conversations: [turn("human", "w1 w2 w3"), turn("gpt", "w1")] }]));
    const s = await source({ type: "shareGPT", path: join(dir, "sg.json") });
    // prompt 3 words + BOS; max_tokens = 1 word + BOS (CustomTokenizer.count_tokens adds special tokens).
    expect(requests(s, 2)).toEqual([expect.objectContaining({ prompt: "w1 w2 w3", max_tokens: 2 }), expect.objectContaining({ prompt: "w1 w2 w3", max_tokens: 2 })]);
    expect(s.request(0).plannedPromptTokens).toBe(4);
  });

  it("a data.path directory: its .json files in name order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-hub-dir-"));
    mkdirSync(join(dir, "d"));
    const conv = (p: string) => ({ conversations: [{ from: "user", value: p }, { from: "assistant", value: "w1" }] });
    writeFileSync(join(dir, "d", "b.json"), JSON.stringify([conv("w1 w2 w3")]));
    writeFileSync(join(dir, "d", "a.json"), [conv("w1"), conv("w1 w2")].map((c) => JSON.stringify(c)).join("\n"));
    writeFileSync(join(dir, "d", "c.txt"), "ignored");
    const s = await source({ type: "billsum_conversations", path: join(dir, "d") });
    expect(requests(s, 3).map((r) => r.prompt)).toEqual(["w1 w2", "w1 w2 w3", "w1"]);
  });

  it("refuses by name what 0.7.0 refuses: cnn_dailymail over chat, billsum/infinity without data.path, a non-.json file", async () => {
    await expect(source({ type: "cnn_dailymail", api: "chat" })).rejects.toThrow("data.type cnn_dailymail supports api.type completion only (as in inference-perf)");
    await expect(source({ type: "billsum_conversations" })).rejects.toThrow("data.type billsum_conversations needs data.path (inference-perf 0.7.0 has no Hub default for it)");
    await expect(source({ type: "infinity_instruct" })).rejects.toThrow(/infinity_instruct needs data\.path/);
    await expect(source({ type: "infinity_instruct", path: join(FIXTURES, "make-fixtures.py") })).rejects.toThrow(/make-fixtures\.py is not a \.json file/);
  });

  it("infinity_instruct: a file with fewer usable records than requests is cycled, with a warning", async () => {
    const s = await source({ type: "infinity_instruct", path: join(FIXTURES, "infinity.json"), output: { type: "normal", min: 1, max: 6, mean: 3, std_dev: 0, total_count: null, variance: null, skew: 0 } as never });
    expect(s.warnings).toEqual([`data.path ${join(FIXTURES, "infinity.json")} has 20 usable records for 100 requests: kneepoint cycles them, where inference-perf 0.7.0 stops with an error at the end of an infinity_instruct file`]);
    // records 1, 4, 5, …: shape 1 ("s1 s2" + "\n" + 5 words → 4 words + BOS) and shape 0 (3 words → 2 + BOS)
    expect(requests(s, 2)).toEqual([expect.objectContaining({ prompt: "s1 s2\nw1 w2 w3 w4 w5", max_tokens: 5 }), expect.objectContaining({ prompt: "w1 w2 w3", max_tokens: 3 })]);
  });

  it("a parquet codec kneepoint cannot decode is refused by name", async () => {
    await expect(async () => {
      for await (const _ of readParquetRecords(join(FIXTURES, "zstd.parquet"), ["article"])) void _;
    }).rejects.toThrow(/zstd\.parquet: parquet unsupported compression codec: ZSTD/);
    const rows: unknown[] = [];
    for await (const r of readParquetRecords(join(FIXTURES, "cnn_dailymail", "3.0.0", "train-00001-of-00002.parquet"), ["article", "highlights"])) rows.push(r);
    const words = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(" ");
    expect(rows).toEqual([{ article: words("a", 15), highlights: words("h", 5) }, { article: words("a", 7), highlights: "h1" }]);
  });
});
