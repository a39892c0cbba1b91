/**
 * data.synthetic_agentic through the whole config parser: 0.7.0's defaults, and each rule refused with the field named.
 * The projected peak of max_model_len is hand-computed from 0.7.0's formula (config/datagen/replay.py).
 */
import { describe, expect, it } from "vitest";
import { parseScenarioConfig } from "./read-scenario-config.ts";
import { UsageError } from "../../errors.ts";

const base = (block: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  api: { type: "chat" },
  data: { type: "synthetic_agentic", synthetic_agentic: { num_sessions: 2, input_tokens_per_turn: { type: "fixed", mean: 200 }, output_tokens_per_turn: { type: "fixed", mean: 80 }, ...block } },
  load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 1 }] },
  server: { type: "vllm", model_name: "m", base_url: "http://127.0.0.1:1" },
  ...extra,
});
const parse = (doc: unknown) => parseScenarioConfig(doc, [], "test.yml", { now: new Date(2025, 0, 1), cpuCount: 2 });
function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error("expected a UsageError");
}

describe("data.synthetic_agentic", () => {
  it("takes 0.7.0's defaults", () => {
    const a = parse(base({})).data.synthetic_agentic!;
    expect(a).toMatchObject({ seed: 42, shared_system_prompt_len: 1000, fanout_probability: 0, max_depth: 2, max_events_per_session: 64, override_tool_call_max_tokens: false, tool_loop_depth: null, context_compaction: null, max_wait_ms: 15000 });
    expect(a.turns_per_session).toMatchObject({ type: "fixed", mean: 1, min: 10, max: 1024 });
    expect(a.theme_mix).toEqual({ generic: { weight: 0.25 }, db2_latency_incident: { weight: 0.25 }, research_rag: { weight: 0.25 }, code_change_task: { weight: 0.25 } });
  });

  it.each([
    [{ num_sessions: 0 }, /data\.synthetic_agentic\.num_sessions/],
    [{ input_tokens_per_turn: undefined }, /data\.synthetic_agentic\.input_tokens_per_turn/],
    [{ fanout_probability: 1.5 }, /data\.synthetic_agentic\.fanout_probability/],
    [{ theme_mix: { generic: 0 } }, /data\.synthetic_agentic\.theme_mix: weights must sum to a positive value/],
    [{ theme_mix: { kitchen: 1 } }, /data\.synthetic_agentic\.theme_mix\.kitchen: is not a built-in theme: use generic, db2_latency_incident, research_rag, code_change_task/],
    [{ tool_loop_depth: { type: "lognormal", mean: 0, std_dev: 1, min: 0, max: 4 } }, /data\.synthetic_agentic\.tool_loop_depth\.mean: must be > 0 for a lognormal distribution/],
    [{ inject_random_session_id: true }, /data\.synthetic_agentic\.inject_random_session_id: is pinned to false/],
    [{ include_errors: false }, /data\.synthetic_agentic\.include_errors: is pinned to true/],
    [{ bad_tool_call_handling: "use_recorded" }, /data\.synthetic_agentic\.bad_tool_call_handling use_recorded is not supported yet/],
    // 0.7.0's projection: head 1000 + catalog 8 (fallback) × 380 + 1 turn × (200 + 2 × (80 + 1 × 80)) + 80 = 4640
    [{ max_model_len: 4639 }, /data\.synthetic_agentic\.max_model_len: \(4639\) is too small .*~4640 tokens/],
  ])("refuses %j naming the field", (block, message) => {
    expect(usageMessage(() => parse(base(block)))).toMatch(message);
  });

  it("accepts max_model_len at the projected peak (4640), and both theme_mix forms", () => {
    expect(parse(base({ max_model_len: 4640, theme_mix: { generic: 1, research_rag: { weight: 2 } } })).data.synthetic_agentic!.max_model_len).toBe(4640);
  });

  it("needs load.type trace_session_replay, an api other than completion, and the block itself", () => {
    expect(usageMessage(() => parse(base({}, { load: { type: "constant", stages: [{ rate: 1, duration: 1 }] } })))).toMatch(/load\.type: data\.type synthetic_agentic requires load\.type trace_session_replay/);
    expect(usageMessage(() => parse(base({}, { api: { type: "completion" } })))).toMatch(/api\.type: data\.type synthetic_agentic replays chat conversations/);
    expect(parse(base({}, { api: { type: "anthropic_messages" } })).api.type).toBe("anthropic_messages");
    const doc = base({});
    (doc.data as Record<string, unknown>).synthetic_agentic = null;
    expect(usageMessage(() => parse(doc))).toMatch(/data\.synthetic_agentic: is required for data\.type synthetic_agentic/);
  });
});
