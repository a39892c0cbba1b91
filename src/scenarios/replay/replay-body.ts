/**
 * The chat body of a replayed call (OTel and Weka session replay), as inference-perf 0.7.0 sends it: the messages in
 * `ChatMessage.to_dict` form (role, tool_call_id, then tool_calls with content only when not empty, or content), then,
 * when the call advertises tools (GraphCall.toolRequest), ignore_eos false, max_tokens max(4 × max_tokens, 4096) on a
 * forced tool call under override_tool_call_max_tokens, tools and tool_choice (replay_graph_session_datagen.py
 * `to_request_body`). A call without tools is the body writer's body unchanged.
 */
import type { BodyWriter } from "../data/body-writer.ts";
import type { GraphCall, ReplayMessage } from "./replay-graph.ts";

/** A message as 0.7.0's ChatMessage.to_dict puts it on the wire: role, tool_call_id, then tool_calls (+ content) or content. */
export function wireMessage(m: ReplayMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role };
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls !== undefined) {
    out.tool_calls = m.tool_calls;
    if (m.content !== "") out.content = m.content;
  } else out.content = m.content;
  return out;
}

export function replayBody(body: BodyWriter, messages: readonly ReplayMessage[], maxTokens: number, call: GraphCall): string {
  const json = body.forMessagesJson(JSON.stringify(messages.map(wireMessage)), maxTokens);
  const tr = call.toolRequest;
  if (!tr) return json;
  const payload = JSON.parse(json) as Record<string, unknown>;
  payload.ignore_eos = false;
  if (tr.overrideMaxTokens) payload.max_tokens = Math.max((payload.max_tokens as number) * 4, 4096);
  payload.tools = tr.tools;
  if (tr.toolChoice !== null) payload.tool_choice = tr.toolChoice;
  return JSON.stringify(payload);
}
