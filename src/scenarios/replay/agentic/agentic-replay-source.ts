/**
 * The request source of `data.type: synthetic_agentic`: inference-perf 0.7.0's SyntheticAgenticDataGenerator as a
 * session corpus for `load.type: trace_session_replay`. Session i (in order, "synthN<i>") is the graph session-graph.ts
 * builds for it, turned into the replay graph the session stage sends (src/scenarios/load/session-replay-stage.ts):
 * messages with their tool calls, and per call the body's `tools` (0.7.0's cleaned schemas), `tool_choice` (the
 * forced tool, "required" for several, "none" on a text turn that advertises tools) and `ignore_eos: false` on every
 * call that advertises tools. A call is user-facing when its output is not a tool call (0.7.0 tag_user_facing_events
 * without spans).
 */
import { wireMessage } from "../replay-body.ts";
import type { BodyWriter } from "../../data/body-writer.ts";
import type { SyntheticAgenticConfig } from "../../config/synthetic-agentic-schema.ts";
import type { TokenizerPort } from "../../../tokenizer/tokenizer-port.ts";
import type { ScenarioRequest } from "../../types.ts";
import type { ReplaySessionSpec } from "../otel-trace-sessions.ts";
import type { GraphCall, GraphEvent, ReplayGraph, ReplayMessage, ToolRequest } from "../replay-graph.ts";
import { tokenCounter, type SessionReplaySource } from "../session-replay-source.ts";
import type { AgenticEvent, AgenticGraph } from "./agentic-graph.ts";
import type { AgenticTokenCounter } from "./filler.ts";
import { pyJsonDumps } from "./py-format.ts";
import { buildSessionGraph, pickTheme } from "./session-graph.ts";
import { cleanParameters } from "./tool-schema.ts";
import { anthropicAgenticBody } from "./agentic-anthropic-body.ts";

/**
 * 0.7.0 CustomTokenizer.count_tokens (special tokens counted, truncated at the tokenizer's model_max_length when it
 * has one) and the untruncated raw `encode` length the filler sizing uses.
 */
export function agenticTokenCounter(tok: TokenizerPort): AgenticTokenCounter {
  const count = tokenCounter(tok);
  const max = tok.modelMaxLength ?? null;
  return {
    countTokens: max === null ? count : async (text) => Math.min(await count(text), max),
    rawLength: async (text) => (text === "" ? 0 : (await tok.encode(text)).length),
  };
}

/** 0.7.0's tool_choice and the tools of a call's body (replay_graph_session_datagen.py to_request_body). */
function toolRequest(e: AgenticEvent, cfg: SyntheticAgenticConfig): ToolRequest | undefined {
  const mode = cfg.tool_choice_mode;
  if (e.toolDefinitions.length === 0) return undefined;
  const tools = e.toolDefinitions.map((t) => ({ type: t.type, function: { name: t.function.name, description: t.function.description, parameters: cleanParameters(t.function.parameters) } }));
  let toolChoice: unknown = null;
  if (mode === "force_recorded") {
    if (e.expectedOutputIsToolCall) {
      const names = e.expectedOutputToolNames ?? [];
      toolChoice = names.length === 1 && e.toolDefinitions.some((t) => t.name === names[0]) ? { type: "function", function: { name: names[0] } } : "required";
    } else toolChoice = "none";
  }
  return {
    tools,
    toolChoice,
    toolsText: pyJsonDumps(e.toolDefinitions, false),
    overrideMaxTokens: e.expectedOutputIsToolCall && cfg.override_tool_call_max_tokens,
    forcedToolNames: e.expectedOutputIsToolCall ? (e.expectedOutputToolNames ?? []) : null,
  };
}

function replayMessage(m: AgenticEvent["messages"][number]): ReplayMessage {
  if ("tool_calls" in m) return { role: m.role, content: "", tool_calls: m.tool_calls };
  if ("tool_call_id" in m) return { role: m.role, content: m.content, tool_call_id: m.tool_call_id };
  return { role: m.role, content: m.content };
}

export function toReplayGraph(g: AgenticGraph, cfg: SyntheticAgenticConfig): ReplayGraph {
  const events = g.events.map((e): GraphEvent => {
    const call: GraphCall = {
      callId: e.eventId,
      model: "",
      messages: e.messages.map(replayMessage),
      expectedOutput: e.expectedOutput,
      inputSegments: e.segments.map((s) => ({ ...s, tokenCount: 0 })),
      totalInputTokens: 0,
      expectedOutputTokens: e.expectedOutputTokens,
      attributes: {},
    };
    const tr = toolRequest(e, cfg);
    if (tr) call.toolRequest = tr;
    return { eventId: e.eventId, call, predecessorEventIds: e.predecessorEventIds, dependencyTypes: e.dependencyTypes, waitMs: e.waitMs, tStartMs: 0, tEndMs: 0, isUserFacing: !e.expectedOutputIsToolCall, isStructuredOutputCall: false };
  });
  return { events, sourceFile: g.sessionId };
}

/**
 * The body of one call: the writer's chat body, then ignore_eos false, tools and tool_choice where 0.7.0 sets them;
 * over anthropic_messages, agentic-anthropic-body.ts on the writer's model, max_tokens and stream.
 */
export function agenticBody(body: BodyWriter, messages: readonly ReplayMessage[], maxTokens: number, call: GraphCall, api: "chat" | "anthropic_messages" = "chat"): string {
  if (api === "anthropic_messages") return anthropicAgenticBody(JSON.parse(body.forMessagesJson("[]", maxTokens > 0 ? maxTokens : null)) as { model: unknown; max_tokens: unknown; stream: unknown }, messages, call);
  const json = body.forMessagesJson(JSON.stringify(messages.map(wireMessage)), maxTokens > 0 ? maxTokens : null);
  const tr = call.toolRequest;
  if (!tr) return json;
  const payload = JSON.parse(json) as Record<string, unknown>;
  payload.ignore_eos = false;
  if (tr.overrideMaxTokens) payload.max_tokens = Math.max((payload.max_tokens as number) * 4, 4096);
  payload.tools = tr.tools;
  if (tr.toolChoice !== null) payload.tool_choice = tr.toolChoice;
  return JSON.stringify(payload);
}

export async function createAgenticReplaySource(cfg: SyntheticAgenticConfig, body: BodyWriter, tok: TokenizerPort, api: "chat" | "anthropic_messages"): Promise<SessionReplaySource> {
  const counter = agenticTokenCounter(tok);
  const sessions: ReplaySessionSpec[] = [];
  let calls = 0;
  for (let i = 0; i < cfg.num_sessions; i++) {
    const g = await buildSessionGraph(cfg, pickTheme(cfg, i), counter, i);
    calls += g.events.length;
    sessions.push({ sessionId: g.sessionId, sourceId: g.sessionId, graph: g.events.length > 0 ? toReplayGraph(g, cfg) : null, randomString: null });
  }
  const sent = new Map<number, ScenarioRequest>();
  const warnings = tok.source.startsWith("approximate")
    ? [`data.synthetic_agentic sizes every turn with a tokenizer and none was found (${tok.source}): turn lengths and text differ from inference-perf 0.7.0's; set tokenizer.pretrained_model_name_or_path`]
    : [];
  return {
    request: (i) => {
      const r = sent.get(i);
      if (!r) throw new Error(`session replay request ${i} was never sent (a session source has no request list)`);
      return r;
    },
    describe: () => `synthetic_agentic: ${sessions.length} session(s), ${calls} LLM calls (seed ${cfg.seed})`,
    warnings,
    sessionReplay: {
      sessions,
      settings: { maxWaitMs: cfg.max_wait_ms, predecessorWaitTimeoutS: cfg.predecessor_wait_timeout_sec, disableOutputSubstitution: false, attributeToHeaderMap: null, attributeToLabelMap: null },
      bodyFor: (messages, maxTokens, call) => agenticBody(body, messages, maxTokens, call, api),
      countTokens: counter.countTokens,
      sent,
    },
  };
}
