/**
 * The Hub stand-in (hub-server.ts) holding what the tests serve: the two datasets inference-perf 0.7.0 streams
 * from the Hub (ShareGPT's file, cnn_dailymail's 3.0.0 parquet files and dataset card), in their real repo ids and
 * paths, plus the tiny test tokenizer as a model repo (transformers reads config.json first, so an empty one is
 * there). Small files of fixtures/ (made by fixtures/make-fixtures.py). The datasets' LFS files redirect to a
 * CDN on another port, as the Hub's do.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHubServer, type HubRepoSpec, type RunningHub } from "./hub-server.ts";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
export const TINY_TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer/", import.meta.url));
export const TOKENIZER_REPO = "kp-test/tiny-tokenizer";
export const SHAREGPT_REPO = "anon8231489123/ShareGPT_Vicuna_unfiltered";
export const SHAREGPT_FILE = "ShareGPT_V3_unfiltered_cleaned_split.json";
export const CNN_REPO = "abisee/cnn_dailymail";

function cnnFiles(): Record<string, Buffer> {
  const files: Record<string, Buffer> = { "README.md": readFileSync(join(FIXTURES, "cnn_dailymail", "README.md")) };
  for (const version of ["1.0.0", "3.0.0"]) {
    for (const f of readdirSync(join(FIXTURES, "cnn_dailymail", version))) files[`${version}/${f}`] = readFileSync(join(FIXTURES, "cnn_dailymail", version, f));
  }
  return files;
}

export function fixtureRepos(opts: { gatedToken?: string } = {}): HubRepoSpec[] {
  const cnn = cnnFiles();
  return [
    { type: "dataset", id: SHAREGPT_REPO, files: { [SHAREGPT_FILE]: readFileSync(join(FIXTURES, "sharegpt.json")), ".gitattributes": "*.json filter=lfs diff=lfs merge=lfs -text\n" }, lfs: [SHAREGPT_FILE], lfsRedirect: true, ...(opts.gatedToken ? { gatedToken: opts.gatedToken } : {}) },
    { type: "dataset", id: CNN_REPO, files: cnn, lfs: Object.keys(cnn).filter((f) => f.endsWith(".parquet")), lfsRedirect: true },
    {
      type: "model",
      id: TOKENIZER_REPO,
      files: { "config.json": "{}\n", "tokenizer.json": readFileSync(join(TINY_TOKENIZER, "tokenizer.json")), "tokenizer_config.json": readFileSync(join(TINY_TOKENIZER, "tokenizer_config.json")) },
    },
  ];
}

export function startFixtureHub(opts: { gatedToken?: string } = {}): Promise<RunningHub> {
  return startHubServer(fixtureRepos(opts));
}

/**
 * Writes the fixture datasets into a Hugging Face cache (huggingface_hub's layout: refs/main → a snapshot holding
 * the files), so a run with HF_HUB_OFFLINE=1 finds ShareGPT and cnn_dailymail without a Hub.
 */
export function seedHubCache(cacheDir: string): void {
  for (const spec of fixtureRepos()) if (spec.type === "dataset") seedRepoInCache(cacheDir, spec);
}

/** One dataset repo written into a Hugging Face cache (refs/main → a snapshot holding its files). */
export function seedRepoInCache(cacheDir: string, spec: HubRepoSpec): void {
  const folder = join(cacheDir, `datasets--${spec.id.replaceAll("/", "--")}`);
  const snapshot = join(folder, "snapshots", "0".repeat(40));
  mkdirSync(join(folder, "refs"), { recursive: true });
  writeFileSync(join(folder, "refs", "main"), "0".repeat(40));
  for (const [path, content] of Object.entries(spec.files)) {
    mkdirSync(dirname(join(snapshot, path)), { recursive: true });
    writeFileSync(join(snapshot, path), content);
  }
}
