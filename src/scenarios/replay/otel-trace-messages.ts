/**
 * A span's messages as inference-perf 0.7.0 reads them (datagen/replay/otel_trace_to_replay_graph.py
 * `extract_messages`, `_convert_content_and_tool_calls_to_parts`, `extract_output_message`, `_replay_message_to_dict`,
 * `_normalize_tool_call`; otel_trace_utils.py `reconstruct_llm_input`, `reconstruct_llm_output`,
 * `reconstruct_each_part_in_message_info`). Each message has two forms:
 *  - its text (`content`): what the graph matches and sizes; a tool call flattens to
 *    `<|tool_call|>name<|tool_args|>arguments<|end|>`, a tool result in parts to `<tool_result: id>\n…\n</tool_result>`;
 *  - its structure (`info`, absent on a plain `{role, content: string}` message), from which the wire form is rebuilt
 *    (`wireOf`: OpenAI `tool_calls` / `tool_call_id`, content flattened to a string).
 */
import { pyJsonDumps } from "./agentic/py-format.ts";
import type { ReplayMessage } from "./replay-graph.ts";

type Obj = Record<string, unknown>;

/** 0.7.0's ReplayMessage / ComplexReplayMessage: `content` is its text, `info` its structured form. */
export interface TraceMessage {
  role: string;
  content: string;
  info?: Obj;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** Python truthiness. */
const truthy = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isObj(v) ? Object.keys(v).length > 0 : Boolean(v));
/** Python str() of a scalar in an f-string (None, True/False). */
const pyStr = (v: unknown): string => (v === null || v === undefined ? "None" : typeof v === "boolean" ? (v ? "True" : "False") : typeof v === "string" ? v : typeof v === "number" ? String(v) : pyJsonDumps(v));

/** `_format_tool_call`: how a tool call reads as text. */
export function formatToolCall(tc: Obj): string {
  const name = "name" in tc ? pyStr(tc.name) : "unknown_tool";
  let args: unknown = truthy(tc.arguments) ? tc.arguments : "input" in tc ? tc.input : "{}";
  if (isObj(args)) args = pyJsonDumps(args);
  return `<|tool_call|>${name}<|tool_args|>${pyStr(args)}<|end|>`;
}

/** `_format_tool_result`. */
function formatToolResult(r: Obj): string {
  const id = truthy(r.tool_use_id) ? r.tool_use_id : "id" in r ? r.id : "unknown";
  const content = truthy(r.content) ? r.content : "result" in r ? r.result : "response" in r ? r.response : "";
  return `<tool_result: ${pyStr(id)}${truthy(r.is_error) ? " [ERROR]" : ""}>\n${pyStr(content)}\n</tool_result>`;
}

/** `_extract_tool_calls`: tool_calls (OpenAI or direct), parts of type tool_call, legacy function_call. */
function toolCallsOf(m: Obj): Obj[] {
  const out: Obj[] = [];
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isObj(tc)) continue;
      if (isObj(tc.function)) out.push({ id: tc.id ?? null, name: tc.function.name ?? null, arguments: tc.function.arguments ?? null });
      else if ("name" in tc) out.push(tc);
    }
  }
  if (Array.isArray(m.parts)) for (const p of m.parts) if (isObj(p) && p.type === "tool_call") out.push({ id: p.id ?? null, name: p.name ?? null, arguments: p.arguments ?? null });
  if (isObj(m.function_call)) out.push({ name: m.function_call.name ?? null, arguments: m.function_call.arguments ?? null });
  return out;
}

/** `_extract_content_from_parts` (kind "parts") and `_extract_content_from_list` (kind "list"). */
function partsText(parts: unknown[], kind: "parts" | "list"): string {
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p === "string") {
      if (kind === "list") out.push(p);
      continue;
    }
    if (!isObj(p)) continue;
    const type = p.type ?? "";
    if (type === "text") {
      if ("text" in p) out.push(pyStr(p.text));
      else if ("content" in p) out.push(pyStr(p.content));
    } else if (type === "tool_result" || type === "tool_call_response") out.push(formatToolResult(p));
    else if (type === "tool_use" || (kind === "parts" && type === "tool_call")) out.push(formatToolCall(p));
    else if (kind === "list" && "text" in p) out.push(pyStr(p.text));
    else if (kind === "list" && "content" in p) out.push(pyStr(p.content));
  }
  return out.join("\n");
}

/** `reconstruct_llm_input`: a message's text. */
export function inputText(m: Obj): string {
  const content = m.content;
  if (content === null || content === undefined) {
    if ("parts" in m) return Array.isArray(m.parts) ? partsText(m.parts, "parts") : "";
    if ("tool_calls" in m) return toolCallsOf(m).map(formatToolCall).join("\n");
    return "";
  }
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return partsText(content, "list");
  return "";
}

/** `_convert_content_and_tool_calls_to_parts`: content and tool_calls as one parts list. */
function toParts(m: Obj): Obj {
  const parts: unknown[] = [];
  if (truthy(m.content)) {
    if (typeof m.content === "string") parts.push({ type: "text", content: m.content });
    else if (Array.isArray(m.content)) parts.push(...m.content);
  }
  for (const tc of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
    if (!isObj(tc)) continue;
    if (isObj(tc.function)) parts.push({ type: "tool_call", id: tc.id ?? null, name: tc.function.name ?? null, arguments: tc.function.arguments ?? null });
    else if ("name" in tc) parts.push({ type: "tool_call", id: tc.id ?? null, name: tc.name ?? null, arguments: tc.arguments ?? null });
  }
  return { role: m.role ?? "assistant", parts };
}

/** `extract_messages`: a span's gen_ai.input.messages (developer read as system). */
export function traceMessagesOf(raw: unknown, where: string): TraceMessage[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((item, i) => {
    if (!isObj(item) || !("role" in item)) throw new Error(`${where}: message ${i} has no role`);
    const x: Obj = item.role === "developer" ? { ...item, role: "system" } : item;
    const role = pyStr(x.role);
    const complex = (info: Obj): TraceMessage => ({ role, content: inputText(info), info });
    if (!("content" in x)) return complex(x);
    if (x.tool_calls !== undefined && x.tool_calls !== null) return complex(toParts(x));
    if (typeof x.content === "string") return x.tool_call_id !== undefined && x.tool_call_id !== null ? complex(x) : { role, content: x.content };
    return complex(x);
  });
}

/** `_extract_message`: the message of an output record (itself, or its first choice's / its `message`). */
function messageOfOutput(d: Obj): Obj | null {
  if (Array.isArray(d.choices) && d.choices.length > 0) {
    const c = d.choices[0];
    return isObj(c) ? (isObj(c.message) ? c.message : c) : null;
  }
  if ("message" in d) return isObj(d.message) ? d.message : null;
  return ["role", "content", "parts", "tool_calls"].some((k) => k in d) ? d : null;
}

/** `reconstruct_llm_output` of one output message: its text (one line per text part), then its tool calls, one a line. */
function outputText(d: Obj): string {
  const m = messageOfOutput(d);
  if (!m) return "";
  const texts: string[] = [];
  if (typeof m.content === "string") {
    if (m.content) texts.push(m.content);
  } else if (Array.isArray(m.content)) {
    for (const p of m.content) {
      if (typeof p === "string") texts.push(p);
      else if (isObj(p) && "text" in p) texts.push(pyStr(p.text));
    }
  }
  for (const p of Array.isArray(m.parts) ? m.parts : []) {
    if (!isObj(p) || p.type !== "text") continue;
    if ("text" in p) texts.push(pyStr(p.text));
    else if ("content" in p) texts.push(pyStr(p.content));
  }
  const text = texts.join("\n");
  return [...(text ? [text] : []), ...toolCallsOf(m).map(formatToolCall)].join("\n");
}

/**
 * `extract_output_message`: gen_ai.output.text / completion / output as text, else the one message of
 * gen_ai.output.messages (its parts each also flattened, in `info.parts_text`); null when none was recorded.
 */
export function outputMessageOf(attrs: Obj, where: string): TraceMessage | null {
  for (const k of ["gen_ai.output.text", "gen_ai.completion", "gen_ai.output"]) if (typeof attrs[k] === "string") return { role: "assistant", content: attrs[k] as string };
  let out = attrs["gen_ai.output.messages"];
  if (typeof out === "string") {
    try {
      out = JSON.parse(out);
    } catch {
      throw new Error(`${where}: gen_ai.output.messages is not JSON`);
    }
  }
  if (!Array.isArray(out)) return null;
  if (out.length === 0) throw new Error(`${where}: gen_ai.output.messages is an empty list`);
  if (!isObj(out[0])) return null;
  if (out.length > 1) throw new Error(`${where}: gen_ai.output.messages holds ${out.length} messages; one was expected`);
  const info: Obj = { ...out[0] };
  const partsTexts: string[] = [];
  if (Array.isArray(info.parts)) {
    for (const [i, p] of info.parts.entries()) {
      if (!isObj(p)) throw new Error(`${where}: output part ${i} is not an object`);
      if (p.type === "tool_call") partsTexts.push(formatToolCall(p));
      else if ("content" in p) partsTexts.push(pyStr(p.content));
      else throw new Error(`${where}: output part ${i} (type ${pyStr(p.type)}) has no content`);
    }
  }
  info.parts_text = partsTexts;
  return { role: "assistant", content: outputText(info), info };
}

/** `_coerce_text`: a string, or a list of blocks' text/content joined. */
function coerceText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (!Array.isArray(v)) return pyStr(v);
  return v
    .map((b) => {
      if (!isObj(b)) return pyStr(b);
      const t = "text" in b ? b.text : "content" in b ? b.content : "";
      return truthy(t) ? pyStr(t) : "";
    })
    .join("");
}

/** `_normalize_tool_call`: the OpenAI function shape, arguments as a JSON string; a call needs an id. */
export function normalizeToolCall(tc: Obj, where: string): { id: unknown; type: "function"; function: { name: unknown; arguments: string } } {
  const fn = isObj(tc.function) ? tc.function : null;
  const name = fn ? (fn.name ?? null) : (tc.name ?? null);
  const raw = fn ? fn.arguments : tc.arguments;
  const args = raw === null || raw === undefined ? "" : typeof raw === "string" ? raw : pyJsonDumps(raw);
  if (tc.id === null || tc.id === undefined) throw new Error(`${where}: tool call ${pyStr(name)} has no id, so its tool result cannot be linked to it`);
  return { id: tc.id, type: "function", function: { name, arguments: args } };
}

/** The tool result (first tool_call_response part) of a parts list, as role tool. */
function toolResult(responses: Obj[], extraText: string[]): ReplayMessage {
  const first = responses[0]!;
  const msg: ReplayMessage = { role: "tool", content: "" };
  if (truthy(first.id)) msg.tool_call_id = first.id as string;
  msg.content = [...extraText, coerceText("result" in first ? first.result : "response" in first ? first.response : "")].join("");
  return msg;
}

/**
 * `_replay_message_to_dict`: what the message is on the wire. An assistant message that is only tool calls has
 * content "" (not sent: 0.7.0 omits it); a tool result answers one call (further results in one message are dropped).
 */
export function wireOf(m: TraceMessage, where: string): ReplayMessage {
  const info = m.info;
  if (!info) return { role: m.role, content: m.content };
  const role = "role" in info ? pyStr(info.role) : m.role;
  if ("parts" in info) {
    const parts = (Array.isArray(info.parts) ? info.parts : []).filter(isObj);
    const texts: string[] = [];
    const calls: unknown[] = [];
    for (const p of parts) {
      if (p.type === "text") texts.push(coerceText(p.content ?? ""));
      else if (p.type === "tool_call") calls.push(normalizeToolCall(p, where));
    }
    const responses = parts.filter((p) => p.type === "tool_call_response");
    if (responses.length) return { ...toolResult(responses, texts), ...(calls.length ? { tool_calls: calls } : {}) };
    return calls.length ? { role, content: texts.join(""), tool_calls: calls } : { role, content: texts.join("") };
  }
  const content = info.content;
  if (Array.isArray(content)) {
    const responses = content.filter((p): p is Obj => isObj(p) && p.type === "tool_call_response");
    if (responses.length) return toolResult(responses, []);
  }
  const msg: ReplayMessage = { role, content: "" };
  if (info.tool_calls !== undefined && info.tool_calls !== null) msg.tool_calls = (Array.isArray(info.tool_calls) ? info.tool_calls : []).map((tc) => normalizeToolCall(isObj(tc) ? tc : {}, where));
  if (role === "tool" && info.tool_call_id !== undefined && info.tool_call_id !== null) msg.tool_call_id = info.tool_call_id as string;
  if (content !== null && content !== undefined) msg.content = typeof content === "string" ? content : coerceText(content);
  else if (!msg.tool_calls) msg.content = m.content;
  return msg;
}
