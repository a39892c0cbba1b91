/**
 * The session data forms' config rules: the conversation_replay block's defaults (0.7.0's) and its output ceiling,
 * the api types 0.7.0 refuses for each form, the endpoint both forms send to, and --shard refused.
 */
import { describe, expect, it } from "vitest";
import { parseScenarioConfig } from "./read-scenario-config.ts";
import { hasSessions, refuseShardedSessions } from "./session-data-rules.ts";
import { clientOptionsFor } from "../plan/run-options.ts";
import { buildScenarioPlan } from "../plan/build-scenario-plan.ts";
import { UsageError } from "../../errors.ts";

const OPTS = { now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), cpuCount: 2 };
const doc = (api: object, data: object) => ({ api, data, load: { stages: [{ rate: 1, duration: 1 }] }, server: { base_url: "http://localhost:8000" } });
const parse = (d: unknown) => parseScenarioConfig(d, [], "test.yml", OPTS);
const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
};

describe("session data: config", () => {
  it("conversation_replay: 0.7.0's defaults; completion only; its block required", () => {
    const cfg = parse(doc({ type: "completion" }, { type: "conversation_replay", conversation_replay: {} }));
    expect(cfg.data.conversation_replay).toEqual({ seed: 42, num_conversations: 200, shared_system_prompt_len: 8359, dynamic_system_prompt_len: null, turns_per_conversation: null, input_tokens_per_turn: null, output_tokens_per_turn: null, tool_call_latency_sec: null, max_model_len: null });
    expect(message(() => parse(doc({ type: "chat" }, { type: "conversation_replay", conversation_replay: {} })))).toMatch(/api\.type: chat is not supported with data\.type conversation_replay .* set api\.type completion/);
    expect(message(() => parse(doc({ type: "completion" }, { type: "conversation_replay" })))).toMatch(/data\.conversation_replay: is required for data\.type conversation_replay/);
    expect(message(() => parse(doc({}, { type: "conversation_replay", conversation_replay: { max_model_len: 400, output_tokens_per_turn: { type: "fixed", mean: 200 } } })))).toMatch(/output_tokens_per_turn\.mean \(200\) leaves no room .* lower it below 200/);
  });

  it("multi-turn shared_prefix: completion or chat, both sent to /v1/completions; anthropic_messages refused", () => {
    const data = { type: "shared_prefix", shared_prefix: { enable_multi_turn_chat: true } };
    const cfg = parse(doc({ type: "chat" }, data));
    expect(hasSessions(cfg.data)).toBe(true);
    expect(clientOptionsFor(cfg, buildScenarioPlan(cfg)).endpoint).toBe("/v1/completions");
    const single = parse(doc({ type: "chat" }, { type: "shared_prefix", shared_prefix: {} }));
    expect(clientOptionsFor(single, buildScenarioPlan(single)).endpoint).toBe("/v1/chat/completions");
    expect(message(() => parse(doc({ type: "anthropic_messages" }, data)))).toMatch(/api\.type: anthropic_messages is not supported with data\.shared_prefix\.enable_multi_turn_chat/);
  });

  it("--shard refuses session data, not other data", () => {
    const cfg = parse(doc({}, { type: "conversation_replay", conversation_replay: {} }));
    expect(() => refuseShardedSessions(cfg.data, { index: 1, count: 2 })).toThrow(UsageError);
    expect(message(() => refuseShardedSessions(cfg.data, { index: 1, count: 2 }))).toMatch(/--shard 1\/2: data\.type conversation_replay cannot be sharded/);
    expect(() => refuseShardedSessions(cfg.data, { index: 1, count: 1 })).not.toThrow();
    expect(() => refuseShardedSessions({ type: "random", shared_prefix: null }, { index: 1, count: 2 })).not.toThrow();
  });
});
