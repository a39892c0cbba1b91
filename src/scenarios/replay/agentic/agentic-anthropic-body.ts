/**
 * A synthetic_agentic call over `api.type: anthropic_messages`, as inference-perf 0.7.0 sends it
 * (apis/anthropic_messages.py `build_anthropic_request_body`, SessionAnthropicMessagesAPIData.to_request_body):
 * `{model, messages, max_tokens, stream}`, then `system` (the system messages' text joined by a blank line), `tools`
 * (`{name, input_schema, description}`), and on a forced tool call `tool_choice` (`{type: tool, name}`, or
 * `{type: any}` for several). A tool result is a user message holding a `tool_result` block; an assistant tool call
 * is a list of `tool_use` blocks (after its text, if any). No tool_choice on text turns, no ignore_eos. Pure.
 */
import type { GraphCall, ReplayMessage } from "../replay-graph.ts";
import { cleanParameters } from "./tool-schema.ts";

/** 0.7.0 `_tool_input`: a call's JSON arguments as an object (`{value}` when not one, `{arguments}` when not JSON). */
function toolInput(args: unknown): unknown {
  if (args !== null && typeof args === "object" && !Array.isArray(args)) return args;
  if (typeof args === "string" && args !== "") {
    try {
      const parsed: unknown = JSON.parse(args);
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : { value: parsed };
    } catch {
      return { arguments: args };
    }
  }
  return {};
}

/** Python's falsiness of `function.get("parameters")`: None or an empty dict. */
const isEmpty = (v: unknown): boolean => v == null || (typeof v === "object" && Object.keys(v).length === 0);

function anthropicMessage(m: ReplayMessage): Record<string, unknown> {
  if (m.role === "tool") return { role: "user", content: [{ type: "tool_result", tool_use_id: m.tool_call_id ?? "", content: m.content }] };
  if (m.tool_calls && m.tool_calls.length > 0) {
    const blocks: unknown[] = m.content ? [{ type: "text", text: m.content }] : [];
    for (const call of m.tool_calls as Array<{ id?: string; function?: { name?: string; arguments?: unknown } }>) {
      blocks.push({ type: "tool_use", id: call.id ?? "", name: call.function?.name ?? "", input: toolInput(call.function?.arguments) });
    }
    return { role: "assistant", content: blocks };
  }
  return { role: m.role === "assistant" ? "assistant" : "user", content: m.content };
}

/** The body; `model`, `max_tokens` and `stream` as the run's Anthropic body writer sets them (`base`). */
export function anthropicAgenticBody(base: { model: unknown; max_tokens: unknown; stream: unknown }, messages: readonly ReplayMessage[], call: GraphCall): string {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
  const payload: Record<string, unknown> = { model: base.model, messages: messages.filter((m) => m.role !== "system").map(anthropicMessage), max_tokens: base.max_tokens, stream: base.stream };
  if (system) payload.system = system;
  const tr = call.toolRequest;
  if (!tr) return JSON.stringify(payload);
  const tools = tr.tools as Array<{ function: { name: string; description?: string | null; parameters?: unknown } }>;
  payload.tools = tools.map((t) => ({
    name: t.function.name,
    input_schema: cleanParameters(isEmpty(t.function.parameters) ? { type: "object", properties: {} } : t.function.parameters),
    ...(t.function.description != null ? { description: t.function.description } : {}),
  }));
  const names = tr.forcedToolNames;
  if (names !== null) {
    if (tr.overrideMaxTokens) payload.max_tokens = Math.max((payload.max_tokens as number) * 4, 4096);
    if (tr.toolChoice !== null) payload.tool_choice = names.length === 1 && tools.some((t) => t.function.name === names[0]) ? { type: "tool", name: names[0] } : { type: "any" };
  }
  return JSON.stringify(payload);
}
