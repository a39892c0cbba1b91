/**
 * kneepoint's reader of OTel trace datasets on the Hub (hf_dataset_path; the bodies are compared with inference-perf
 * 0.7.0 in otel-hub-parity.test.ts), against the Hub stand-in: the split's files from the dataset card's `configs`,
 * from data_dir / data_files, or from the default layout; records with missing columns null; offline from the cache
 * the first read filled; and the failures named: a gated repo without a token, a split with no file, a broken parquet
 * file, a split mixing formats, a CSV dataset, a record without spans.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHubSettings } from "../../src/hub/hub-settings.ts";
import { hubTraceDataset, readHubTraceRecords } from "../../src/scenarios/replay/otel-hub-traces.ts";
import { startHubServer, type RunningHub } from "../hub/hub-server.ts";
import { otelTraceDatasetRepo } from "./otel-trace-dataset.ts";

const TOKEN = "hf_trace_reader_token";
const jsonl = (...r: unknown[]) => r.map((x) => JSON.stringify(x)).join("\n") + "\n";
const CARD = `---
configs:
- config_name: default
  data_files:
  - split: train
    path: traces/main-*.jsonl
- config_name: small
  data_files: traces/small.jsonl
---
# traces
`;

let hub: RunningHub;
beforeAll(async () => {
  hub = await startHubServer([
    otelTraceDatasetRepo("kp/gated-traces", TOKEN),
    { type: "dataset", id: "kp/carded", files: { "README.md": CARD, "traces/main-1.jsonl": jsonl({ session_id: "b", spans: [] }), "traces/main-0.jsonl": jsonl({ session_id: "a", spans: [], extra: 1 }), "traces/small.jsonl": jsonl({ session_id: "s", spans: [] }), "traces/other.jsonl": jsonl({ session_id: "x", spans: [] }) } },
    { type: "dataset", id: "kp/parquet", files: { "data/train-00000-of-00001.parquet": Buffer.from("PAR1") } },
    { type: "dataset", id: "kp/mixed", files: { "a.parquet": Buffer.from("PAR1"), "b.jsonl": jsonl({ spans: [] }) } },
    { type: "dataset", id: "kp/csv", files: { "traces.csv": "a,b\n" } },
    { type: "dataset", id: "kp/nospans", files: { "train.jsonl": jsonl({ session_id: "n" }) } },
  ]);
});
afterAll(() => hub.close());

const access = (home: string, extra: Record<string, string> = {}) => ({ settings: readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: home, ...extra }) });
const ids = (records: Array<Record<string, unknown>>) => records.map((r) => r.session_id);

describe("hf_dataset_path against a Hub", () => {
  it("the dataset card's configs name the split's files (path order); name picks another config", async () => {
    const home = mkdtempSync(join(tmpdir(), "kp-trace-hf-"));
    const main = await readHubTraceRecords(hubTraceDataset("kp/carded"), access(home));
    expect(ids(main)).toEqual(["a", "b"]);
    // a column missing from a record is null there, as in the dataset's table
    expect(main[1]).toEqual({ session_id: "b", spans: [], extra: null });
    expect(ids(await readHubTraceRecords(hubTraceDataset({ path: "kp/carded", name: "small" }), access(home)))).toEqual(["s"]);
    await expect(readHubTraceRecords(hubTraceDataset({ path: "kp/carded", name: "nope" }), access(home))).rejects.toThrow(/hf_dataset_path\.name: kp\/carded has no config nope in its README/);
    await expect(readHubTraceRecords(hubTraceDataset({ path: "kp/carded", split: "test" }), access(home))).rejects.toThrow(/kp\/carded has no file for split test \(the README's config default\)/);
  });

  it("data_files and data_dir narrow the files", async () => {
    const home = mkdtempSync(join(tmpdir(), "kp-trace-hf-"));
    expect(ids(await readHubTraceRecords(hubTraceDataset({ path: "kp/carded", data_files: "traces/other.jsonl" }), access(home)))).toEqual(["x"]);
    expect(ids(await readHubTraceRecords(hubTraceDataset({ path: "kp/carded", data_dir: "traces", data_files: ["small.jsonl", "main-1.jsonl"] }), access(home)))).toEqual(["b", "s"]);
  });

  it("a gated repo: the token is sent; without it the failure names the file and HF_TOKEN; then offline from the cache", async () => {
    const home = mkdtempSync(join(tmpdir(), "kp-trace-hf-"));
    const denied = await readHubTraceRecords(hubTraceDataset("kp/gated-traces"), access(home)).then(() => null, (e: Error & { hint?: string }) => `${e.message} | ${e.hint}`);
    expect(denied).toMatch(/cannot download README\.md of dataset kp\/gated-traces .*401 \(GatedRepo\) \| .*set HF_TOKEN/);
    const records = await readHubTraceRecords(hubTraceDataset("kp/gated-traces"), access(home, { HF_TOKEN: TOKEN }));
    expect(records.map((r) => [r.session_id, r.source_id, r.benchmark])).toEqual([["fan_in", "otel/fan_in_dependencies.json", "gsm8k"], [null, null, "swe"]]);
    const before = hub.requests.length;
    const offline = await readHubTraceRecords(hubTraceDataset("kp/gated-traces"), access(home, { HF_HUB_OFFLINE: "1" }));
    expect(offline).toEqual(records);
    expect(hub.requests.length).toBe(before);
  });

  it("refuses what it cannot read, by name", async () => {
    const home = mkdtempSync(join(tmpdir(), "kp-trace-hf-"));
    await expect(readHubTraceRecords(hubTraceDataset("kp/parquet"), access(home))).rejects.toThrow(/train-00000-of-00001\.parquet is not a parquet file/);
    await expect(readHubTraceRecords(hubTraceDataset("kp/mixed"), access(home))).rejects.toThrow(/kp\/mixed: the split train mixes parquet and JSON files/);
    await expect(readHubTraceRecords(hubTraceDataset("kp/csv"), access(home))).rejects.toThrow(/kneepoint reads trace datasets stored as JSON, JSON Lines or parquet; traces\.csv is not/);
    await expect(readHubTraceRecords(hubTraceDataset("kp/nospans"), access(home))).rejects.toThrow(/dataset 'kp\/nospans' is missing the required 'spans' field/);
    await expect(readHubTraceRecords(hubTraceDataset("kp/absent"), access(home))).rejects.toThrow(/kp\/absent/);
  });
});
