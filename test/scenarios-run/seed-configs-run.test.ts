/**
 * The seeds' own configs (AI on EKS docs pages, inference-perf v0.2.0; fixtures/seed-*.yml, verbatim) run by
 * `kneepoint run` against the simulator. Only what points them at this machine is set: the stage duration
 * (time), server.base_url (the simulator, serving the seed's model name) and the S3 endpoint (a local
 * S3-compatible server holding the seed's bucket). The seeds' Hugging Face tokenizers come from a local
 * stand-in of the Hub at HF_ENDPOINT, serving a small tokenizer.json (no network here).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { runScenarioCommand } from "../../src/cli/run-scenario.ts";
import { S3RVER_CREDENTIALS, startS3rver } from "../scenarios-report/start-s3rver.ts";
import { startHubServer, type RunningHub } from "../hub/hub-server.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const TOKENIZER_DIR = fileURLToPath(new URL("../fixtures/tiny-tokenizer/", import.meta.url));
const BUCKET = "inference-perf-results";

let mistral: SimProcess;
let qwen: SimProcess;
let s3: { url: string; close(): Promise<void> };
let hub: RunningHub;
let hubUrl = "";
const hubRequests: string[] = [];
const tokenizerFiles = () => ({ "tokenizer.json": readFileSync(join(TOKENIZER_DIR, "tokenizer.json")), "tokenizer_config.json": readFileSync(join(TOKENIZER_DIR, "tokenizer_config.json")) });

beforeAll(async () => {
  [mistral, qwen, s3] = await Promise.all([
    startSimProcess(["--ttft-ms", "5", "--itl-ms", "1", "--served-model-name", "mistral-7b"]),
    startSimProcess(["--ttft-ms", "5", "--itl-ms", "1", "--served-model-name", "qwen3-8b"]),
    startS3rver([BUCKET]),
  ]);
  hub = await startHubServer(["mistralai/Mistral-7B-Instruct-v0.3", "Qwen/Qwen3-8B"].map((id) => ({ type: "model" as const, id, files: tokenizerFiles() })));
  hubUrl = hub.url;
});
afterAll(async () => {
  await Promise.all([mistral?.stop(), qwen?.stop(), s3?.close(), hub?.close()]);
});

function capture() {
  let text = "";
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text };
}

async function runSeed(name: string, sim: SimProcess, durationS: number) {
  const out = mkdtempSync(join(tmpdir(), "kp-seed-"));
  const stdout = capture();
  const stderr = capture();
  const env = { HF_ENDPOINT: hubUrl, KNEEPOINT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kp-seed-tok-")) };
  const result = await runScenarioCommand(
    {
      config: fixture(name),
      sets: [`load.stages[0].duration=${durationS}`, `server.base_url=${sim.url}`, `storage.simple_storage_service.endpoint_url=${s3.url}`],
      dryRun: false,
      output: out,
      // The server time series as by default (the simulator's /metrics, scraped); charts are another test's.
      serverMetrics: true,
      charts: false,
      writerDeps: { s3Deps: { clientConfig: { credentials: S3RVER_CREDENTIALS } } },
    },
    { stdout: stdout.stream, stderr: stderr.stream, isTty: false, color: false, env },
  );
  return { out, result, stdout: stdout.text(), stderr: stderr.text() };
}

async function bucketKeys(prefix: string): Promise<string[]> {
  const client = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  client.destroy();
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

const REPORTS = [
  "config.yaml",
  "inference-perf.partial.stage_0.yaml",
  "kneepoint_run.json",
  "server_metrics_timeseries.json",
  "stage_0_lifecycle_metrics.json",
  "summary_lifecycle_metrics.json",
  "validation.json",
];

describe("the seeds' inference-perf configs, unmodified but for time and addresses", () => {
  it("seed 000 (chat + synthetic, mistral-7b, S3 path with {timestamp}): local reports and the same files in the bucket", async () => {
    const { out, stderr, result } = await runSeed("seed-000-baseline.yml", mistral, 3);
    expect(readdirSync(out).sort()).toEqual(REPORTS);
    const summary = JSON.parse(readFileSync(join(out, "summary_lifecycle_metrics.json"), "utf8"));
    expect(summary.successes.count).toBe(3);
    expect(summary.successes.output_tokens.total).toBe(3 * 128);
    expect(stderr).toContain("tokenizer: tokenizer.json (mistralai/Mistral-7B-Instruct-v0.3)");
    hubRequests.push(...hub.requests.map((r) => r.path));
    expect(hubRequests).toContain("/mistralai/Mistral-7B-Instruct-v0.3/resolve/main/tokenizer.json");
    const keys = await bucketKeys("baseline-test/");
    const stamped = keys.filter((k) => /^baseline-test\/\d{8}-\d{6}\//.test(k));
    expect(stamped.map((k) => k.split("/")[2]).sort()).toEqual(REPORTS);
    expect(result.files.filter((f) => f.startsWith("s3://"))).toHaveLength(REPORTS.length);
  }, 60_000);

  it("seed 001 (completion, qwen3-8b, fixed S3 path)", async () => {
    const { out } = await runSeed("seed-001-baseline.yml", qwen, 2);
    expect(readdirSync(out).sort()).toEqual(REPORTS);
    expect(await bucketKeys("baseline-test/results/")).toEqual(REPORTS.map((f) => `baseline-test/results/${f}`).sort());
  }, 60_000);

  it("seed 002 (production: chat, Poisson 15 QPS, 1024±512 → 512±256)", async () => {
    const { out } = await runSeed("seed-002-production.yml", mistral, 2);
    const stage = JSON.parse(readFileSync(join(out, "stage_0_lifecycle_metrics.json"), "utf8"));
    expect(stage.load_summary.requested_rate).toBe(15);
    expect(stage.failures.count).toBe(0);
    expect(stage.successes.output_tokens.min).toBeGreaterThanOrEqual(50);
    expect(stage.successes.output_tokens.max).toBeLessThanOrEqual(2048);
    expect((await bucketKeys("production-sim/")).length).toBe(REPORTS.length);
  }, 60_000);
});
