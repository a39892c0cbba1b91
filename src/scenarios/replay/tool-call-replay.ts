/**
 * The tool-call rules of inference-perf 0.7.0's session replay, as pure functions (for replaying OTel traces whose
 * calls carry tool calls; the live side — capture, substitution, id rewrite — is session-replay-stage.ts and
 * session-messages.ts, shared with synthetic_agentic).
 * Sources, all in inference_perf 0.7.0:
 *  - toolCallRequestFields: datagen/replay/replay_graph_session_datagen.py `to_request_body` (tool_choice_mode
 *    force_recorded / as_recorded, ignore_eos forced off, override_tool_call_max_tokens);
 *  - toolsBody / cleanToolSchema: apis/chat.py `to_request_body` and `_clean_schema`;
 *  - wireMessage: apis/chat.py `ChatMessage.to_dict` (key order: role, tool_call_id, tool_calls, content);
 *  - otelToolRequest: the graph call's ToolRequest (what replay-body.ts adds to the body).
 */
import { pyJsonDumps } from "./agentic/py-format.ts";
import type { GraphCall, ToolRequest } from "./replay-graph.ts";

export interface WireToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

/** A chat message as 0.7.0 keeps it (a JSON object; content may be null or absent beside tool calls). */
export interface ToolAwareMessage {
  role: string;
  content?: string | null;
  tool_calls?: WireToolCall[] | null;
  tool_call_id?: string | null;
}

/** `ChatMessage.to_dict`: role, tool_call_id, then tool_calls with content only when set, or content ("" for none). */
export function wireMessage(m: ToolAwareMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role };
  if (m.tool_call_id != null) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls != null) {
    out.tool_calls = m.tool_calls;
    if (m.content != null) out.content = m.content;
  } else {
    out.content = m.content ?? "";
  }
  return out;
}

export interface ToolCallTurn {
  /** The recorded output was a tool call. */
  expectedOutputIsToolCall: boolean;
  /** The recorded calls' function names (null when the output was text). */
  expectedToolNames: readonly string[] | null;
  /** The call's gen_ai.tool.definitions as recorded (flat `{type, name, …}` or nested `{type, function}`). */
  toolDefinitions: ReadonlyArray<Record<string, unknown>> | null;
}

/** What a turn with tools changes in the body (null tool_choice: none is sent). */
export function toolCallRequestFields(
  turn: ToolCallTurn,
  base: { maxTokens: number; ignoreEos: boolean },
  options: { overrideToolCallMaxTokens: boolean; toolChoiceMode: "force_recorded" | "as_recorded" },
): { maxTokens: number; ignoreEos: boolean; toolChoice: unknown } {
  const defs = turn.toolDefinitions ?? [];
  if (defs.length === 0) return { ...base, toolChoice: null };
  if (!turn.expectedOutputIsToolCall) {
    // a text turn that advertises tools: "none" keeps the model from calling one; it must be able to stop
    return { maxTokens: base.maxTokens, ignoreEos: false, toolChoice: options.toolChoiceMode === "force_recorded" ? "none" : null };
  }
  const maxTokens = options.overrideToolCallMaxTokens ? Math.max(base.maxTokens * 4, 4096) : base.maxTokens;
  if (options.toolChoiceMode === "as_recorded") return { maxTokens, ignoreEos: false, toolChoice: null };
  const names = turn.expectedToolNames ?? [];
  // 0.7.0 reads the top-level "name" only: a nested {type, function: {name}} definition names nothing here
  const available = new Set(defs.map((t) => t.name).filter((n): n is string => typeof n === "string"));
  const toolChoice = names.length === 1 && available.has(names[0]!) ? { type: "function", function: { name: names[0]! } } : "required";
  return { maxTokens, ignoreEos: false, toolChoice };
}

const SCHEMA_KEYS = new Set(["type", "description", "enum", "properties", "required", "items", "anyOf", "oneOf", "allOf", "$ref", "const", "additionalProperties"]);

/** `_clean_schema`: the keys vLLM accepts; a `type` everywhere (string when missing, anyOf/oneOf dropped); objects get properties. */
export function cleanToolSchema(value: unknown, propertiesMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => cleanToolSchema(v));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (propertiesMap) return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, cleanToolSchema(v)]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!SCHEMA_KEYS.has(k)) continue;
    out[k] = cleanToolSchema(k === "additionalProperties" && typeof v !== "boolean" ? false : v, k === "properties");
  }
  if (!("type" in out)) {
    delete out.anyOf;
    delete out.oneOf;
    out.type = "string";
  } else {
    delete out.anyOf;
    delete out.oneOf;
  }
  if (out.type === "object" && !("properties" in out)) out.properties = {};
  return out;
}

/** The body's `tools` from recorded definitions (OpenAI nested format; description null when absent). */
export function toolsBody(defs: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return defs.map((t) => {
    const fn = (typeof t.function === "object" && t.function !== null ? t.function : t) as Record<string, unknown>;
    const type = "function" in t ? (t.type ?? "function") : t.type;
    return { type, function: { name: fn.name, description: fn.description ?? null, parameters: cleanToolSchema(fn.parameters ?? null) } };
  });
}

/**
 * The tools part of an OTel call's body (the graph's ToolRequest), from the span's tool definitions: none when it
 * advertised no tools. A recorded tool-call turn forces the recorded tool (or "required"); a text turn sends "none".
 */
export function otelToolRequest(call: GraphCall, options: { overrideToolCallMaxTokens: boolean; toolChoiceMode: "force_recorded" | "as_recorded" }): ToolRequest | undefined {
  const defs = call.toolDefinitions ?? [];
  if (defs.length === 0) return undefined;
  const isToolCall = call.expectedOutputIsToolCall === true;
  const names = call.expectedOutputToolNames ?? null;
  const fields = toolCallRequestFields({ expectedOutputIsToolCall: isToolCall, expectedToolNames: names, toolDefinitions: defs }, { maxTokens: 0, ignoreEos: false }, options);
  return {
    tools: toolsBody(defs),
    toolChoice: fields.toolChoice,
    toolsText: pyJsonDumps(defs, false),
    overrideMaxTokens: isToolCall && options.overrideToolCallMaxTokens,
    forcedToolNames: isToolCall ? [...(names ?? [])] : null,
  };
}
