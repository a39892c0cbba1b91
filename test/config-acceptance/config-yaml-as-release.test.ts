/**
 * kneepoint's config.yaml against the one inference-perf 0.7.0 writes for the same config: the release's
 * `Config.model_dump(mode="json", by_alias=True)` after main.py's mutations (release_config.py dump), compared as
 * parsed documents with their key order (JSON text of both). The values that depend on the machine and the clock
 * (load.num_workers, load.base_seed, the storage path) are set to the same values on both sides.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { effectiveConfigYaml } from "../../src/scenarios/config/effective-config-yaml.ts";
import { readScenarioConfig } from "../../src/scenarios/config/read-scenario-config.ts";
import { yamlAsPythonJson } from "../../src/scenarios/storage/yaml-as-python-json.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/inference-perf-examples/0.7.0/", import.meta.url));
const CHECKER = fileURLToPath(new URL("./release_config.py", import.meta.url));
const SAME = { load: { num_workers: 3, base_seed: 42 }, storage: { local_storage: { path: "reports/run" } } };
const SETS = ["load.num_workers=3", "load.base_seed=42", "storage.local_storage.path=reports/run"];

const dir = mkdtempSync(join(tmpdir(), "kp-config-yaml-"));
const written = (name: string, doc: object) => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
};
const SERVER = { type: "vllm", model_name: "m", base_url: "http://127.0.0.1:8000" };
const CASES: Array<[string, string]> = [
  ["examples/vllm/config-synthetic.yml (interval, two stages, total_count)", join(FIXTURES, "examples/vllm/config-synthetic.yml")],
  ["examples/vllm/config-random.yml", join(FIXTURES, "examples/vllm/config-random.yml")],
  ["examples/vllm/config-shared-prefix.yml (aliases)", join(FIXTURES, "examples/vllm/config-shared-prefix.yml")],
  ["examples/vllm/config-shared-prefix-multi-turn.yml (sessions)", join(FIXTURES, "examples/vllm/config-shared-prefix-multi-turn.yml")],
  ["workload-catalog/code-generation (conversation_replay, lognormal distributions)", join(FIXTURES, "workload-catalog/code-generation/inference-perf.yaml")],
  [
    "concurrent stages, per-stage Prometheus (the rewrite, the raised interval), goodput, buckets, lognormal, variance",
    written("concurrent", {
      api: { type: "chat", streaming: true, headers: { "x-team": "perf" } },
      data: {
        type: "random",
        input_distribution: { type: "lognormal", min: 10, max: 400, mean: 100, std_dev: 0, variance: 400, total_count: -3 },
        output_distribution: { min: 5, max: 50, mean: 20, std_dev: 4, total_count: 5000 },
      },
      load: { type: "concurrent", interval: 2, stages: [{ num_requests: 40, concurrency_level: 4 }, { num_requests: 80, concurrency_level: 8 }], request_timeout: 30 },
      metrics: { type: "prometheus", prometheus: { url: "http://prometheus:9090", scrape_interval: 5 } },
      report: { request_lifecycle: { percentiles: [0, 50, 99.9, 100] }, prometheus: { per_stage: true }, goodput: { constraints: { ttft: 0.5, request_latency: 3 } } },
      storage: { simple_storage_service: { bucket_name: "b", path: "p", endpoint_url: "http://minio:9000" }, google_cloud_storage: { bucket_name: "g", path: "gp", report_file_prefix: "x-" } },
      server: SERVER,
      tokenizer: { pretrained_model_name_or_path: "t", trust_remote_code: true },
    }),
  ],
  [
    "api.response_format (json_schema, name) and data.use_chat_template",
    written("structured", {
      api: { type: "completion", response_format: { name: "review", json_schema: { type: "object", properties: { a: { type: "string" } }, required: ["a"] } } },
      data: { type: "random", use_chat_template: true, input_distribution: { min: 40, max: 60, mean: 50, std_dev: 5 }, output_distribution: { min: 5, max: 9, mean: 7, std_dev: 1 } },
      load: { stages: [{ rate: 2, duration: 3 }] },
      server: SERVER,
    }),
  ],
  [
    "api.response_format json_object",
    written("json-object", { api: { type: "chat", response_format: { type: "json_object" } }, data: { type: "mock" }, load: { stages: [{ rate: 1, duration: 2 }] }, server: SERVER }),
  ],
  ["examples/otel/configs/per_case_config/fan_in_dependencies.yml (otel_trace_replay, a trace_session_replay stage)", join(FIXTURES, "examples/otel/configs/per_case_config/fan_in_dependencies.yml")],
  [
    "trace_session_replay stages with every key, otel_trace_replay with non-defaults",
    written("session-replay", {
      api: { type: "chat", streaming: true },
      data: { type: "otel_trace_replay", otel_trace_replay: { trace_directory: "traces", max_wait_ms: 500, predecessor_wait_timeout_sec: 30, duplicate_sessions_target: 4, include_errors: false } },
      load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 4, session_rate: 2, num_sessions: 3, timeout: 60 }, { concurrent_sessions: 0 }] },
      report: { session_lifecycle: { per_session: true } },
      server: SERVER,
    }),
  ],
  [
    "weka_trace_replay with non-defaults",
    written("weka-replay", {
      api: { type: "chat" },
      data: {
        type: "weka_trace_replay",
        corpus_file_path: "corpus.txt",
        weka_trace_replay: { trace_files: ["a.json", "b.json"], trace_idle_gap_cap_seconds: 30, ignore_trace_delays: true, default_block_size: 32, num_dataset_entries: 5, datagen_workers: 2, max_wait_ms: 500 },
      },
      load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 2 }] },
      server: SERVER,
    }),
  ],
  [
    "a sweep of poisson stages, shared_prefix with distributions",
    written("sweep", {
      data: { type: "shared_prefix", shared_prefix: { num_groups: 3, question_len: { type: "skew_normal", mean: 40, std_dev: 5, skew: 2, min: 10, max: 90 }, seed: 7 } },
      load: { type: "poisson", interval: -1, sweep: { type: "geometric", num_stages: 3 } },
      server: SERVER,
    }),
  ],
];

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)("config.yaml as inference-perf 0.7.0 writes it", () => {
  it.each(CASES)("%s", async (_name, file) => {
    const out = execFileSync(peerBin(INFERENCE_PERF_NEWEST, "python"), [CHECKER, "dump", file, JSON.stringify(SAME)], { encoding: "utf8" });
    const release = JSON.parse(out) as unknown;
    const text = effectiveConfigYaml(await readScenarioConfig(file, SETS));
    expect(JSON.stringify(parseYaml(text), null, 1)).toBe(JSON.stringify(release, null, 1));
    // Buckets: json.dumps of the same document, floats included (`1.0`).
    const dumped = execFileSync(peerBin(INFERENCE_PERF_NEWEST, "python"), ["-c", "import json,sys; print(json.dumps(json.loads(sys.argv[1])), end='')", out], { encoding: "utf8" });
    expect(yamlAsPythonJson(text)).toBe(dumped);
  });
});
