import { describe, expect, it } from "vitest";
import { wekaTraceReplaySchema } from "../config/weka-replay-schema.ts";
import { InvalidWekaTraceError, isSubagent, parseWekaTrace } from "./weka-trace-format.ts";

const trace = {
  id: "t1",
  models: ["claude"],
  block_size: 4,
  extra_key: "ignored",
  requests: [
    { t: 0, type: "n", model: "claude", in: 10, out: 3, hash_ids: [1, 2] },
    { t: 1.5, type: "s", model: "claude", in: 14, out: 2, hash_ids: [1, 2, 3], api_time: 0.25, ttft: 0.1 },
    { t: 2, type: "subagent", agent_id: "a", subagent_type: "Explore", requests: [{ t: 0.5, type: "n", model: "claude", in: 5, out: 1 }] },
  ],
};

describe("parseWekaTrace", () => {
  it("reads the three request kinds with 0.7.0's defaults (in/out aliases, hash_ids [], tool/system tokens 0)", () => {
    const t = parseWekaTrace(trace);
    expect(t.tool_tokens).toBe(0);
    expect(t.system_tokens).toBe(0);
    expect(t.requests.map((r) => r.type)).toEqual(["n", "s", "subagent"]);
    const [n, s, sa] = t.requests;
    expect(n).toMatchObject({ in: 10, out: 3, hash_ids: [1, 2], api_time: null, think_time: null });
    expect(s).toMatchObject({ api_time: 0.25, ttft: 0.1 });
    expect(isSubagent(sa!)).toBe(true);
    if (isSubagent(sa!)) expect(sa.requests[0]).toMatchObject({ in: 5, out: 1, hash_ids: [] });
    expect(t).not.toHaveProperty("extra_key");
  });

  it("names the first bad field", () => {
    const bad = { ...trace, requests: [{ ...trace.requests[0], in: "ten" }] };
    expect(() => parseWekaTrace(bad)).toThrow(InvalidWekaTraceError);
    expect(() => parseWekaTrace(bad)).toThrow(/^requests\[0\]\.in: /);
    expect(() => parseWekaTrace({ ...trace, requests: [{ t: 0, type: "x" }] })).toThrow(/^requests\[0\]\.type: /);
    expect(() => parseWekaTrace({ models: [], block_size: 4, requests: [] })).toThrow(/^id: /);
  });
});

describe("data.weka_trace_replay schema", () => {
  it("has 0.7.0's defaults", () => {
    const c = wekaTraceReplaySchema.parse({ trace_directory: "/x" });
    expect(c).toMatchObject({
      trace_idle_gap_cap_seconds: 60,
      ignore_trace_delays: false,
      use_think_time_only: false,
      default_block_size: 64,
      num_dataset_entries: 100,
      datagen_workers: null,
      max_wait_ms: 15000,
      predecessor_wait_timeout_sec: 3600,
      default_max_tokens: 1000,
      skip_invalid_files: false,
      duplicate_sessions_target: null,
    });
  });

  it("refuses no source, two sources, unknown keys and a bad static model, naming the field", () => {
    const issues = (v: unknown) => {
      const r = wekaTraceReplaySchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues({})).toEqual(["trace_files: set one trace source: trace_directory, trace_files or hf_dataset_path"]);
    expect(issues({ trace_directory: "/x", hf_dataset_path: "a/b" })).toEqual(["trace_files: set only one trace source: trace_directory, trace_files or hf_dataset_path"]);
    expect(issues({ trace_directory: "/x", trace_idle_gap: 1 })[0]).toMatch(/trace_idle_gap/);
    expect(issues({ trace_directory: "/x", use_static_model: true })).toEqual(["static_model_name: is required when use_static_model is true"]);
    expect(issues({ hf_dataset_path: { revision: "main" } })[0]).toMatch(/^hf_dataset_path: as a mapping needs path/);
    expect(issues({ trace_directory: "/x", default_block_size: 0 })[0]).toMatch(/^default_block_size: /);
  });
});
