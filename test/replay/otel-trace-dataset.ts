/**
 * A small OTel trace dataset in a Hugging Face dataset repo's layout, built from the two fixture traces
 * (test/fixtures/otel-traces/): a README without `configs`, data/train.jsonl (the train split: the fan-in trace with
 * session_id and source_id, the chain trace with neither) and data/test.jsonl (the test split: one more trace, which
 * a train-split run must not replay). Served by the Hub stand-in (otel-hub-parity.test.ts) or written into a cache
 * (release-examples.test.ts, for otel/configs/simple/hf_dataset_example.yml).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HubRepoSpec } from "../hub/hub-server.ts";

const TRACES = fileURLToPath(new URL("../fixtures/otel-traces/", import.meta.url));

export const fixtureTrace = (f: string) => JSON.parse(readFileSync(join(TRACES, f), "utf8")) as Record<string, unknown>;
const jsonl = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

export function otelTraceDatasetRepo(id: string, gatedToken?: string): HubRepoSpec {
  const train = jsonl(
    { session_id: "fan_in", source_id: "otel/fan_in_dependencies.json", benchmark: "gsm8k", ...fixtureTrace("fan_in_dependencies.json") },
    { benchmark: "swe", ...fixtureTrace("kneepoint_chain.json") },
  );
  const test = jsonl({ session_id: "test_only", source_id: "otel/test.json", benchmark: "gsm8k", ...fixtureTrace("kneepoint_chain.json") });
  return { type: "dataset", id, files: { "README.md": "# OTel traces for kneepoint's tests\n", "data/train.jsonl": train, "data/test.jsonl": test }, ...(gatedToken ? { gatedToken } : {}) };
}

/**
 * The same train records as a parquet dataset, written by `datasets` itself (the Python of the real inference-perf
 * given: load the JSON Lines, `to_parquet`, as `push_to_hub` stores a split): data/train-00000-of-00001.parquet.
 */
export function otelTraceParquetRepo(id: string, python: string): HubRepoSpec {
  const dir = mkdtempSync(join(tmpdir(), "kp-otel-parquet-"));
  writeFileSync(join(dir, "train.jsonl"), otelTraceDatasetRepo(id).files["data/train.jsonl"]!);
  const script = `import datasets, sys\ndatasets.load_dataset("json", data_files=sys.argv[1], split="train", cache_dir=sys.argv[3]).to_parquet(sys.argv[2])`;
  execFileSync(python, ["-c", script, join(dir, "train.jsonl"), join(dir, "train.parquet"), join(dir, "cache")], { stdio: "pipe", env: { ...process.env, HF_DATASETS_OFFLINE: "1" } });
  return { type: "dataset", id, files: { "data/train-00000-of-00001.parquet": readFileSync(join(dir, "train.parquet")) }, lfs: ["data/train-00000-of-00001.parquet"] };
}
