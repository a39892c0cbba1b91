/**
 * Whether an OTel call B causally depends on an earlier call A, as inference-perf 0.7.0 decides it
 * (datagen/replay/otel_trace_to_replay_graph.py `get_causal_dep`, `_try_match_tool_call_ids`, `_try_match_parts`,
 * `_extract_tool_call_ids`), tried in this order:
 *  - full_match: one of B's assistant messages contains A's output text (exact matches are remembered for the
 *    segments);
 *  - tool_call_ids_matched: A's output (gen_ai.output.messages parts) called tools with ids, and B's messages carry
 *    all of those ids in their tool calls;
 *  - split_parts_matched / content_and_split_tools_match / drop_content_split_parts: A's output had several parts,
 *    found in B as consecutive messages (a text part takes one message, a tool call two: the call and its result),
 *    the text alone, combined with each call ("text\ncall"), or dropped.
 */
import type { RawCall } from "./otel-raw-calls.ts";
import type { TraceMessage } from "./otel-trace-messages.ts";

export type Dep = "full_match" | "tool_call_ids_matched" | "split_parts_matched" | "content_and_split_tools_match" | "drop_content_split_parts" | "temporal";

type Part = Record<string, unknown>;

export const outputMatches = (out: string, m: TraceMessage, partial: boolean) => m.role === "assistant" && (m.content === out || (partial && m.content.includes(out)));

const records = (v: unknown): Part[] => (Array.isArray(v) ? v.filter((x): x is Part => typeof x === "object" && x !== null && !Array.isArray(x)) : []);

/** The ids of the tool calls a message makes (`tool_calls`, else parts of type tool_call). */
export function toolCallIdsOf(m: TraceMessage): Set<string> {
  const ids = new Set<string>();
  const info = m.info;
  if (!info) return ids;
  if ("tool_calls" in info) {
    for (const tc of records(info.tool_calls)) if (tc.id) ids.add(String(tc.id));
  } else if ("parts" in info) {
    for (const p of records(info.parts)) if (p.type === "tool_call" && p.id) ids.add(String(p.id));
  }
  return ids;
}

/** The output's parts (gen_ai.output.messages), or null when the output was text. */
export function outputParts(c: RawCall): { parts: Part[]; texts: string[] } | null {
  const info = c.outInfo;
  if (!info || !("parts" in info)) return null;
  return { parts: records(info.parts), texts: Array.isArray(info.parts_text) ? (info.parts_text as string[]) : [] };
}

/** The ids of the tool calls in a call's recorded output (empty when it made none). */
export function outputToolCallIds(c: RawCall): Set<string> {
  return new Set((outputParts(c)?.parts ?? []).filter((p) => p.type === "tool_call" && p.id).map((p) => String(p.id)));
}

function matchToolCallIds(aParts: readonly Part[], b: readonly TraceMessage[]): boolean {
  const calls = aParts.filter((p) => p.type === "tool_call");
  if (calls.length === 0 || calls.some((p) => p.id === undefined || p.id === null)) return false;
  const bIds = new Set<string>();
  for (const m of b) for (const id of toolCallIdsOf(m)) bIds.add(id);
  return calls.every((p) => bIds.has(String(p.id)));
}

function matchParts(parts: readonly Part[], texts: readonly string[], b: readonly TraceMessage[], combine: boolean): boolean {
  if (parts.length === 0 || texts.length === 0 || b.length === 0) return false;
  const firstIsContent = parts[0]!.type !== "tool_call";
  let content: string | null = null;
  let toMatch = parts;
  let toMatchText = texts;
  if (combine) {
    if (!firstIsContent || parts.length < 2 || !parts.slice(1).every((p) => p.type === "tool_call")) return false;
    content = texts[0]!;
    toMatch = parts.slice(1);
    toMatchText = texts.slice(1);
  }
  const textOf = (t: string | undefined) => (combine ? `${content ?? ""}\n${t ?? ""}` : t!);
  const step = (p: Part) => (combine || p.type === "tool_call" ? 2 : 1);
  const candidates = b.map((m, i) => (outputMatches(textOf(toMatchText[0]), m, true) ? i : -1)).filter((i) => i >= 0);
  for (const start of candidates) {
    let ok = true;
    let offset = step(toMatch[0]!);
    const n = Math.min(toMatch.length, toMatchText.length);
    for (let k = 1; k < n; k++) {
      const at = start + offset;
      if (at >= b.length || !outputMatches(textOf(toMatchText[k]), b[at]!, true)) {
        ok = false;
        break;
      }
      offset += step(toMatch[k]!);
    }
    if (ok) return true;
  }
  return false;
}

/** `get_causal_dep`: how B depends on A, or null. `exact` collects (A, B) → B's message indices equal to A's output. */
export function causalDep(a: RawCall, b: RawCall, exact: Map<string, number[]>): Dep | null {
  if (a.outText === null || b.messages.length === 0) return null;
  const idx = b.messages.findIndex((m) => outputMatches(a.outText!, m, true));
  if (idx >= 0) {
    if (outputMatches(a.outText, b.messages[idx]!, false)) {
      const key = `${a.callId}\u0000${b.callId}`;
      exact.set(key, [...(exact.get(key) ?? []), idx]);
    }
    return "full_match";
  }
  const out = outputParts(a);
  if (!out) return null;
  const withIds = out.parts.filter((p) => p.type === "tool_call" && p.id);
  if (withIds.length > 0 && matchToolCallIds(withIds, b.messages)) return "tool_call_ids_matched";
  if (out.parts.length <= 1) return null;
  if (out.parts[0]!.type === "tool_call") return matchParts(out.parts, out.texts, b.messages, false) ? "split_parts_matched" : null;
  if (matchParts(out.parts, out.texts, b.messages, false)) return "split_parts_matched";
  if (matchParts(out.parts, out.texts, b.messages, true)) return "content_and_split_tools_match";
  const callIdx = out.parts.map((p, i) => (p.type === "tool_call" ? i : -1)).filter((i) => i >= 0);
  const callTexts = callIdx.map((i) => out.texts[i]).filter((t): t is string => t !== undefined);
  if (callIdx.length > 0 && matchParts(callIdx.map((i) => out.parts[i]!), callTexts, b.messages, false)) return "drop_content_split_parts";
  return null;
}
