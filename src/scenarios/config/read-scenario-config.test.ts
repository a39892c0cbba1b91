import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseScenarioConfig, parseScenarioConfigWithWarnings } from "./read-scenario-config.ts";
import { effectiveConfigYaml } from "./effective-config-yaml.ts";
import { formatTimestamp, substituteTimestamp } from "./storage-timestamp.ts";
import { editDistance, nearestKey } from "./nearest-key.ts";
import { UsageError } from "../../errors.ts";

const NOW = new Date(2025, 0, 2, 3, 4, 5);
const OPTS = { now: NOW, cpuCount: 3 };
const parse = (doc: unknown, sets: string[] = []) => parseScenarioConfig(doc, sets, "test.yml", OPTS);
const parseWithWarnings = (doc: unknown) => parseScenarioConfigWithWarnings(doc, [], "test.yml", OPTS);

/** Seed 000's ConfigMap (AI on EKS, inference-perf v0.2.0), verbatim. */
const SEED_BASELINE = parseYaml(`
api:
  type: chat
  streaming: true
data:
  type: synthetic
  input_distribution: {mean: 512, std_dev: 0, min: 512, max: 512}
  output_distribution: {mean: 128, std_dev: 0, min: 128, max: 128}
load:
  type: constant
  stages:
    - rate: 1
      duration: 300
  num_workers: 4
server:
  type: vllm
  model_name: mistral-7b
  base_url: http://mistral-vllm.vllm-benchmark:8000
  ignore_eos: true
tokenizer:
  pretrained_model_name_or_path: mistralai/Mistral-7B-Instruct-v0.3
storage:
  simple_storage_service:
    bucket_name: "inference-perf-results"
    path: "baseline-test/{timestamp}"
`);

const MINIMAL = { data: { type: "mock" }, load: { stages: [{ rate: 1, duration: 30 }] }, server: { base_url: "http://127.0.0.1:8000" } };

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("reading an inference-perf config", () => {
  it("applies inference-perf's defaults under what the file says", () => {
    const cfg = parse(MINIMAL);
    expect(cfg.api).toMatchObject({ type: "completion", streaming: false, headers: null });
    expect(cfg.load).toMatchObject({ type: "constant", interval: 1, num_workers: 3, worker_max_concurrency: 100, worker_max_tcp_connections: 2500, base_seed: NOW.getTime(), sweep: null });
    expect(cfg.server).toMatchObject({ type: "vllm", model_name: null, ignore_eos: true, api_key: null });
    expect(cfg.report.request_lifecycle.percentiles).toEqual([0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9]);
    expect(cfg.report.request_lifecycle).toMatchObject({ summary: true, per_stage: true, per_request: false });
    expect(cfg.report.prometheus).toEqual({ summary: true, per_stage: false });
    expect(cfg.storage?.local_storage.path).toBe("reports-20250102-030405");
    expect(cfg.metrics).toBeNull();
  });

  it("accepts the seed's v0.2.0 config unmodified and keeps local storage beside S3, as inference-perf's deep merge does", () => {
    const cfg = parse(SEED_BASELINE);
    expect(cfg.api).toMatchObject({ type: "chat", streaming: true });
    expect(cfg.data.input_distribution).toMatchObject({ mean: 512, std_dev: 0, min: 512, max: 512, type: "normal" });
    expect(cfg.load.num_workers).toBe(4);
    expect(cfg.storage?.simple_storage_service).toMatchObject({ bucket_name: "inference-perf-results", path: "baseline-test/20250102-030405" });
    expect(cfg.storage?.local_storage.path).toBe("reports-20250102-030405");
  });

  it("runs past a key neither release knows, with a warning naming its full path and the nearest valid key", () => {
    const warned = (doc: object) => parseWithWarnings(doc).warnings.join("\n");
    const stages = [{ rate: 1, duration: 1 }];
    expect(warned({ ...MINIMAL, load: { stages, stage: stages } })).toMatch(/test\.yml: load\.stage is not a key; did you mean load\.stages\? \(ignored, as inference-perf 0\.2\.0 ignores it; 0\.7\.0 refuses it\)/);
    expect(warned({ ...MINIMAL, sever: {} })).toMatch(/sever is not a key; did you mean server\?/);
    expect(warned({ ...MINIMAL, load: { stages: [{ rate: 1, duration: 1, rtae: 1 }] } })).toMatch(/load\.stages\[0\]\.rtae is not a key; did you mean load\.stages\[0\]\.rate\?/);
    // A key that exists elsewhere in the schema is pointed to.
    expect(warned({ ...MINIMAL, load: { ...MINIMAL.load, model_name: "m" } })).toMatch(/load\.model_name is not a key; did you mean server\.model_name\?/);
    // No plausible match: the valid keys are listed.
    expect(warned({ ...MINIMAL, api: { zzzzzzzz: 1 } })).toMatch(/api\.zzzzzzzz is not a key; valid keys of api: type, streaming/);
    // v0.2.0's own examples write std: it is ignored there (std_dev keeps its default 200), and here.
    const std = parseWithWarnings({ ...MINIMAL, data: { type: "random", input_distribution: { min: 1, max: 900, mean: 500, std: 10 }, output_distribution: { min: 1, max: 20, mean: 10 } } });
    expect(std.warnings.join("\n")).toMatch(/data\.input_distribution\.std is not a key; did you mean data\.input_distribution\.std_dev\?/);
    expect(std.config.data.input_distribution?.std_dev).toBe(200);
    // The key a release refuses is still refused, and an unknown key in a --set is an error (it is kneepoint's flag).
    expect(usageMessage(() => parse({ ...MINIMAL, load: { stage: [{ rate: 1, duration: 1 }] } }))).toMatch(/load\.stages: set at least one stage/);
    expect(usageMessage(() => parse(MINIMAL, ["load.stage[0].duration=30"]))).toMatch(/load\.stage is not a key/);
  });

  it("accepts the values both releases accept (research/inference-perf-parity.md item 6) and says what it does with them", () => {
    const sp = (len: object) => parse({ ...MINIMAL, data: { type: "shared_prefix", shared_prefix: { question_len: len } } }).data.shared_prefix?.question_len;
    expect(parse({ ...MINIMAL, report: { request_lifecycle: { percentiles: [0, 50, 100] } } }).report.request_lifecycle.percentiles).toEqual([0, 50, 100]);
    expect(usageMessage(() => parse({ ...MINIMAL, report: { request_lifecycle: { percentiles: [101] } } }))).toMatch(/percentiles must be within \[0, 100\]/);
    expect(sp({ type: "normal", mean: 5000, min: 10, max: 100 })).toMatchObject({ mean: 5000 }); // clipped to [min, max] when sampled
    expect(sp({ type: "lognormal", mean: -3, min: 10, max: 100 })).toMatchObject({ mean: -3 });
    const goodput = parseWithWarnings({ ...MINIMAL, report: { goodput: { constraints: { ttft: 0.5, e2e: 2 } } } });
    expect(goodput.config.report.goodput?.constraints).toEqual({ ttft: 0.5, e2e: 2 });
    expect(goodput.warnings.join("\n")).toMatch(/report\.goodput\.constraints\.e2e is not read/);
    const dist = { min: 1, max: 20, mean: 10, total_count: -5 };
    expect(parse({ ...MINIMAL, data: { type: "random", input_distribution: dist, output_distribution: dist } }).data.input_distribution?.total_count).toBe(-5);
    const negative = parseWithWarnings({ ...MINIMAL, load: { ...MINIMAL.load, interval: -2, request_timeout: 0 } });
    expect(negative.config.load.interval).toBe(-2);
    expect(negative.warnings.join("\n")).toMatch(/load\.interval -2: no pause between stages[\s\S]*load\.request_timeout 0: requests have no timeout/);
    // Refused by kneepoint although both schemas take them, because both releases fail on them before or while sending.
    expect(usageMessage(() => parse({ ...MINIMAL, server: { base_url: "localhost:8000" } }))).toMatch(/server\.base_url: must be an http:\/\/ or https:\/\/ URL/);
    expect(parse({ ...MINIMAL, load: { ...MINIMAL.load, request_retries: 2 } }).load).toMatchObject({ request_retries: 2, request_retry_backoff_sec: 0.5 });
  });

  it("applies --set overrides before validation: a path into a list keeps the item's other keys, values are YAML", () => {
    const cfg = parse(SEED_BASELINE, ["load.stages[0].duration=30", "api.streaming=false", "server.model_name=sim-model"]);
    expect(cfg.load.stages).toMatchObject([{ rate: 1, duration: 30, num_requests: null, concurrency_level: null }]);
    expect(cfg.api.streaming).toBe(false);
    expect(cfg.server.model_name).toBe("sim-model");
    const listed = parse(MINIMAL, ["load.stages=[{rate: 2, duration: 5}, {rate: 4, duration: 5}]", "load.stages[2]={rate: 8, duration: 5}"]);
    expect(listed.load.stages.map((s) => s.rate)).toEqual([2, 4, 8]);
    expect(parse(MINIMAL, ["load.sweep={type: linear}", "load.sweep.num_stages=3"]).load.sweep).toMatchObject({ type: "linear", num_stages: 3, num_requests: 2000 });
  });

  it("names the --set an error came from", () => {
    expect(usageMessage(() => parse(SEED_BASELINE, ["load.stage[0].duration=30"]))).toMatch(/--set load\.stage\[0\]\.duration=30: load\.stage is not a key; did you mean load\.stages\?/);
    expect(usageMessage(() => parse(SEED_BASELINE, ["load.stages[0].rate=-1"]))).toMatch(/--set load\.stages\[0\]\.rate=-1: load\.stages\[0\]\.rate: rate must be > 0/);
    expect(usageMessage(() => parse(SEED_BASELINE, ["load.stages[3].rate=1"]))).toMatch(/--set load\.stages\[3\]\.rate=1: load\.stages has 1 item\(s\)/);
    expect(usageMessage(() => parse(SEED_BASELINE, ["metrics={type: prometheus, prometheus: {google_managed: true}}"]))).toMatch(/--set metrics=.*: metrics\.prometheus\.google_managed is not supported yet/);
    expect(usageMessage(() => parse(SEED_BASELINE, ["load.stages"]))).toMatch(/expected key\.path=value/);
    expect(usageMessage(() => parse(SEED_BASELINE, ["load..stages=1"]))).toMatch(/cannot read the key path/);
  });

  it.each([
    [{ data: { type: "synthetic_agentic", synthetic_agentic: { bad_tool_call_handling: "use_recorded" } } }, /data\.synthetic_agentic\.bad_tool_call_handling use_recorded is not supported yet/],
    [{ metrics: { type: "prometheus", prometheus: { google_managed: true } } }, /metrics\.prometheus\.google_managed is not supported yet/],
  ])("refuses an unsupported feature by name: %j", (extra, message) => {
    const doc = { ...MINIMAL, ...extra, data: { ...MINIMAL.data, ...(extra as { data?: object }).data } };
    expect(usageMessage(() => parse(doc))).toMatch(message);
  });

  it("checks the cross-field rules", () => {
    const dist = { mean: 100, std_dev: 10, min: 10, max: 200 };
    const synth = (extra: object) => ({ ...MINIMAL, data: { type: "synthetic", input_distribution: dist, output_distribution: dist, ...extra } });
    expect(usageMessage(() => parse(synth({ input_distribution: { min: 300, max: 200, mean: 250 } })))).toMatch(/data\.input_distribution\.min: min \(300\) cannot be greater than max \(200\)/);
    expect(usageMessage(() => parse(synth({ input_distribution: { ...dist, variance: 4 } })))).toMatch(/specify either std_dev or variance/);
    expect(usageMessage(() => parse(synth({ input_distribution: { min: 10, max: 20, mean: 50 } })))).toMatch(/mean \(50\) must lie within \[min 10, max 20\]/);
    expect(usageMessage(() => parse(synth({ output_distribution: null })))).toMatch(/data\.output_distribution: is required for data\.type synthetic/);
    expect(parse({ ...synth({}), api: { type: "chat" } }).api.type).toBe("chat"); // beyond inference-perf: one user message
    expect(usageMessage(() => parse({ ...MINIMAL, load: { stages: [] } }))).toMatch(/load\.stages: set at least one stage, or a sweep block/);
    expect(usageMessage(() => parse({ ...MINIMAL, load: { type: "concurrent", stages: [{ num_requests: 5, concurrency_level: 1 }], sweep: { type: "linear" } } }))).toMatch(/load\.sweep: cannot be used with load\.type concurrent/);
    expect(usageMessage(() => parse({ ...MINIMAL, load: { type: "concurrent", stages: [{ rate: 5, duration: 1 }] } }))).toMatch(/load\.stages\[0\]\.num_requests: is required for load\.type concurrent/);
    expect(usageMessage(() => parse({ ...MINIMAL, load: { stages: [{ rate: 1, duration: 1, concurrency_level: 4 }] } }))).toMatch(/concurrency_level: is only for load\.type concurrent/);
    expect(usageMessage(() => parse({ ...MINIMAL, server: { model_name: "m" } }))).toMatch(/server\.base_url/);
    expect(usageMessage(() => parse({ data: MINIMAL.data, load: MINIMAL.load }))).toMatch(/server: is required/);
    expect(usageMessage(() => parse({ ...MINIMAL, data: { type: "shared_prefix" } }))).toMatch(/data\.shared_prefix: is required/);
    const sessions = { type: "trace_session_replay", stages: [{ concurrent_sessions: 1 }] };
    expect(usageMessage(() => parse({ ...MINIMAL, api: { type: "chat" }, load: sessions, data: { type: "weka_trace_replay" } }))).toMatch(/data\.weka_trace_replay: is required for data\.type weka_trace_replay/);
    expect(usageMessage(() => parse({ ...MINIMAL, data: { type: "weka_trace_replay", weka_trace_replay: { trace_directory: "t" } } }))).toMatch(/load\.type: data\.type weka_trace_replay requires load\.type trace_session_replay/);
    expect(usageMessage(() => parse({ ...MINIMAL, api: { type: "chat" }, load: sessions, data: { type: "weka_trace_replay", weka_trace_replay: {} } }))).toMatch(/data\.weka_trace_replay\.trace_files: set one trace source/);
    expect(parse({ ...MINIMAL, api: { type: "chat" }, load: sessions, data: { type: "weka_trace_replay", weka_trace_replay: { hf_dataset_path: "a/b" } } }).data.weka_trace_replay?.num_dataset_entries).toBe(100);
    expect(usageMessage(() => parse({ ...MINIMAL, metrics: { type: "prometheus" } }))).toMatch(/metrics\.prometheus: is required/);
    expect(usageMessage(() => parse({ ...MINIMAL, load: { stages: [{ rate: 1, duration: 1.5 }] } }))).toMatch(/duration must be a whole number/);
  });

  it("reads api.response_format with inference-perf's defaults, strictly", () => {
    expect(parse({ ...MINIMAL, api: { response_format: { json_schema: { type: "object" } } } }).api.response_format).toEqual({ type: "json_schema", name: "structured_output", json_schema: { type: "object" } });
    expect(parse({ ...MINIMAL, api: { response_format: { type: "json_object" } } }).api.response_format).toEqual({ type: "json_object", name: "structured_output", json_schema: null });
    expect(usageMessage(() => parse({ ...MINIMAL, api: { response_format: { type: "xml" } } }))).toMatch(/api\.response_format\.type/);
    expect(parseWithWarnings({ ...MINIMAL, api: { response_format: { schema: {} } } }).warnings.join("\n")).toMatch(/api\.response_format\.schema is not a key/);
  });

  it("takes data.use_chat_template for data.type random on completions only, refusing the rest by name", () => {
    const random = { type: "random", input_distribution: { mean: 100, min: 50, max: 200 }, output_distribution: { mean: 10, min: 1, max: 20 }, use_chat_template: true };
    expect(parse({ ...MINIMAL, data: random }).data.use_chat_template).toBe(true);
    expect(usageMessage(() => parse({ ...MINIMAL, data: { ...random, type: "synthetic" } }))).toMatch(/data\.use_chat_template: is only supported by data\.type random/);
    expect(usageMessage(() => parse({ ...MINIMAL, api: { type: "chat" }, data: random }))).toMatch(/data\.use_chat_template: wraps completion prompts .* api\.type chat/);
  });

  it("takes variance in place of std_dev, and std_dev 0 with variance as inference-perf requires", () => {
    const dist = (d: object) => parse({ ...MINIMAL, data: { type: "random", input_distribution: d, output_distribution: { mean: 10, min: 1, max: 20 } } }).data.input_distribution;
    expect(dist({ mean: 100, min: 10, max: 200, variance: 25 })?.std_dev).toBe(5);
    expect(dist({ mean: 100, min: 10, max: 200, variance: 25, std_dev: 0 })?.std_dev).toBe(5);
    expect(dist({ mean: 100, min: 10, max: 200 })?.std_dev).toBe(200);
  });

  it("accepts shared_prefix counts under their names or their serialized aliases, and writes the aliases", () => {
    const viaAlias = parse({ ...MINIMAL, data: { type: "shared_prefix", shared_prefix: { num_unique_system_prompts: 83, num_users_per_system_prompt: 3 } } });
    expect(viaAlias.data.shared_prefix).toMatchObject({ num_groups: 83, num_prompts_per_group: 3, system_prompt_len: 100, question_len: 50, output_len: 50 });
    const yaml = parseYaml(effectiveConfigYaml(viaAlias)) as { data: { shared_prefix: Record<string, unknown> } };
    expect(yaml.data.shared_prefix).toMatchObject({ num_unique_system_prompts: 83, num_users_per_system_prompt: 3 });
    expect(yaml.data.shared_prefix).not.toHaveProperty("num_groups");
    expect(usageMessage(() => parse({ ...MINIMAL, data: { type: "shared_prefix", shared_prefix: { num_groups: 2, num_unique_system_prompts: 3 } } }))).toMatch(/disagree/);
  });

  it("writes an effective config that reads back to the same config, with secrets redacted", () => {
    const cfg = parse({ ...SEED_BASELINE, server: { ...SEED_BASELINE.server, api_key: "sk-secret-123" }, api: { type: "chat", headers: { Authorization: "Bearer abc", "x-team": "perf" } } });
    const text = effectiveConfigYaml(cfg);
    expect(text).not.toContain("sk-secret-123");
    expect(text).not.toContain("Bearer abc");
    expect(text).toContain("x-team: perf");
    const reread = parse(parseYaml(text));
    // inference-perf's main.py raises total_count to the largest stage's requests + 1 (300 s at 1 req/s here).
    const counted = { ...cfg.data, input_distribution: { ...cfg.data.input_distribution!, total_count: 301 }, output_distribution: { ...cfg.data.output_distribution!, total_count: 301 } };
    expect({ ...reread, server: { ...reread.server, api_key: null }, api: { ...reread.api, headers: null } }).toEqual({
      ...cfg,
      data: counted,
      server: { ...cfg.server, api_key: null },
      api: { ...cfg.api, headers: null },
    });
  });
});

describe("storage timestamps", () => {
  it("are %Y%m%d-%H%M%S of the local time", () => {
    expect(formatTimestamp(new Date(2025, 11, 31, 23, 59, 7))).toBe("20251231-235907");
    expect(substituteTimestamp("a/{timestamp}/b-{timestamp}", NOW)).toBe("a/20250102-030405/b-20250102-030405");
  });
});

describe("nearest key", () => {
  it("counts edits by hand-checked examples", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("rtae", "rate")).toBe(1); // one transposition
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("stage", "stages")).toBe(1);
  });
  it("suggests only plausible typos", () => {
    expect(nearestKey("stage", ["type", "interval", "stages", "sweep"])).toBe("stages");
    expect(nearestKey("Streaming", ["type", "streaming"])).toBe("streaming");
    expect(nearestKey("xyz", ["rate", "duration"])).toBeNull();
    expect(nearestKey("std", ["min", "max", "mean", "std_dev", "skew"])).toBe("std_dev"); // an abbreviation
    expect(nearestKey("st", ["std_dev"])).toBeNull();
  });
});
