/**
 * The replay graph of one trace's LLM calls, as inference-perf 0.7.0 builds it
 * (datagen/replay/otel_trace_to_replay_graph.py `find_predecessors_by_text_matching`, `decompose_input`,
 * `build_graph`, `tag_user_facing_events`), for text conversations (otel-raw-calls.ts):
 *  - call B depends on an earlier call A when one of B's assistant messages contains A's output, or carries the ids
 *    of A's tool calls (causal, otel-causal-deps.ts; A's own causal ancestors are then skipped), and on the latest
 *    call that ended before B started (temporal fallback);
 *  - B's messages are cut into segments against all its ancestors: the longest shared prefix with one of them
 *    ("shared"), each assistant message equal to an ancestor's output or making all of its tool calls ("output"),
 *    the rest ("unique");
 *  - messages are matched and sized by their text (tool calls flattened) and sent in their wire form (wireOf);
 *  - a call whose recorded output called tools is a tool call only when the span advertised tools (else its
 *    live answer is taken as text);
 *  - wait = B's start − the latest end among its predecessors (≥ 0).
 * Ancestors are visited in ascending call order (0.7.0 iterates a Python set of small ints: the same order).
 */
import { pyRound } from "./py-round.ts";
import type { RawCall } from "./otel-raw-calls.ts";
import { causalDep, outputMatches, outputToolCallIds, toolCallIdsOf, type Dep } from "./otel-causal-deps.ts";
import { wireOf, type TraceMessage } from "./otel-trace-messages.ts";
import type { GraphEvent, InputSegment, ReplayGraph } from "./replay-graph.ts";

/** Code points, as Python's len(str). */
const pyLen = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
export const estimateTokens = (text: string) => Math.max(1, Math.floor(pyLen(text) / 4));
const messageTokens = (m: TraceMessage) => estimateTokens(m.content);

/** Per call, its direct predecessors (index → dependency), and the exact output matches found on the way. */
function findPredecessors(calls: readonly RawCall[]): { preds: Map<number, Dep>[]; exact: Map<string, number[]> } {
  const preds = calls.map(() => new Map<number, Dep>());
  const exact = new Map<string, number[]>();
  const causalAncestors = (i: number) => {
    const seen = new Set<number>();
    const stack = [...preds[i]!].filter(([, d]) => d !== "temporal").map(([j]) => j);
    while (stack.length) {
      const a = stack.pop()!;
      if (seen.has(a)) continue;
      seen.add(a);
      for (const [j, d] of preds[a]!) if (d !== "temporal") stack.push(j);
    }
    return seen;
  };
  for (let i = 1; i < calls.length; i++) {
    const b = calls[i]!;
    const transitive = new Set<number>();
    for (let j = i - 1; j >= 0; j--) {
      if (transitive.has(j)) continue;
      const dep = causalDep(calls[j]!, b, exact);
      if (dep === null) continue;
      preds[i]!.set(j, dep);
      for (const anc of causalAncestors(j)) transitive.add(anc);
    }
    for (let j = i - 1; j >= 0; j--) {
      if (b.tStartMs >= calls[j]!.tEndMs) {
        if (!preds[i]!.has(j)) preds[i]!.set(j, "temporal");
        break;
      }
    }
  }
  return { preds, exact };
}

function decomposeInput(call: RawCall, ancestors: readonly RawCall[], ancestorIds: readonly string[], exact: Map<string, number[]>): InputSegment[] {
  const msgs = call.messages;
  const total = msgs.length;
  if (total === 0) return [{ type: "unique", messageCount: 0, tokenCount: 0, sourceEventId: null }];
  const totalTokens = call.promptTokens ?? msgs.reduce((s, m) => s + messageTokens(m), 0);
  const totalChars = msgs.reduce((s, m) => s + pyLen(m.content), 0);
  const tokensOf = (list: readonly TraceMessage[]) => {
    if (totalTokens === 0 || totalChars === 0) return 0;
    return Math.max(0, pyRound((totalTokens * list.reduce((s, m) => s + pyLen(m.content), 0)) / totalChars));
  };
  if (ancestors.length === 0) return [{ type: "unique", messageCount: total, tokenCount: totalTokens, sourceEventId: null }];

  let bestPred = -1;
  let bestPrefix = 0;
  ancestors.forEach((p, idx) => {
    let n = 0;
    while (n < Math.min(total, p.messages.length) && msgs[n]!.role === p.messages[n]!.role && msgs[n]!.content === p.messages[n]!.content) n++;
    if (n > bestPrefix) [bestPrefix, bestPred] = [n, idx];
  });
  const segments: InputSegment[] = [];
  let cursor = 0;
  if (bestPrefix >= 1) {
    segments.push({ type: "shared", messageCount: bestPrefix, tokenCount: tokensOf(msgs.slice(0, bestPrefix)), sourceEventId: ancestorIds[bestPred]! });
    cursor = bestPrefix;
  }
  const msgToolIds = msgs.map(toolCallIdsOf);
  while (cursor < total) {
    let outPred = -1;
    let outMsg = total;
    ancestors.forEach((p, idx) => {
      if (p.outText === null) return;
      const cached = exact.size > 0 ? exact.get(`${p.callId}\u0000${call.callId}`) : undefined;
      if (cached) {
        const first = cached.find((m) => cursor <= m && m < total);
        if (first !== undefined && first < outMsg) [outMsg, outPred] = [first, idx];
        return;
      }
      const predToolIds = outputToolCallIds(p);
      const hasAllIds = (m: number) => predToolIds.size > 0 && [...predToolIds].every((id) => msgToolIds[m]!.has(id));
      for (let m = cursor; m < total; m++) {
        if (outputMatches(p.outText, msgs[m]!, false) || hasAllIds(m)) {
          if (m < outMsg) [outMsg, outPred] = [m, idx];
          break;
        }
      }
    });
    if (outPred === -1) {
      const rest = msgs.slice(cursor);
      if (rest.length) segments.push({ type: "unique", messageCount: rest.length, tokenCount: tokensOf(rest), sourceEventId: null });
      break;
    }
    if (outMsg > cursor) {
      const gap = msgs.slice(cursor, outMsg);
      segments.push({ type: "unique", messageCount: gap.length, tokenCount: tokensOf(gap), sourceEventId: null });
      cursor = outMsg;
    }
    const ct = ancestors[outPred]!.completionTokens;
    segments.push({ type: "output", messageCount: 1, tokenCount: ct ?? tokensOf([msgs[cursor]!]), sourceEventId: ancestorIds[outPred]! });
    cursor += 1;
  }
  return segments.length ? segments : [{ type: "unique", messageCount: total, tokenCount: totalTokens, sourceEventId: null }];
}

/** The function names of the recorded output's tool calls (parts, else OpenAI tool_calls), in order. */
function recordedToolNames(rc: RawCall): string[] {
  const info = rc.outInfo;
  if (!info) return [];
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null) : []);
  const fromParts = list(info.parts).filter((p) => p.type === "tool_call" && p.name).map((p) => p.name as string);
  if (fromParts.length) return fromParts;
  return list(info.tool_calls).map((tc) => ((tc.function as Record<string, unknown> | undefined)?.name || tc.name) as string).filter(Boolean);
}

export function buildReplayGraph(calls: readonly RawCall[], sourceFile: string): ReplayGraph {
  const ids = calls.map((c, i) => `event_${String(i).padStart(3, "0")}_${c.callId}`);
  const { preds, exact } = findPredecessors(calls);
  const ancestorsOf = (i: number) => {
    const seen = new Set<number>();
    const stack = [...preds[i]!.keys()];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...preds[n]!.keys());
    }
    return [...seen].sort((a, b) => a - b);
  };
  const events: GraphEvent[] = calls.map((rc, i) => {
    const anc = ancestorsOf(i);
    const p = preds[i]!;
    const lastPredEnd = Math.max(...[...p.keys()].map((j) => calls[j]!.tEndMs));
    const dependencyTypes = Object.fromEntries([...p].map(([j, d]) => [ids[j]!, d]));
    const attrs = rc.attributes;
    const outputType = attrs["gen_ai.output.type"];
    const structured = "gen_ai.request.output_schema" in attrs || (typeof outputType === "string" && outputType.toLowerCase() === "json");
    const finish = attrs["gen_ai.response.finish_reasons"];
    const reasons = typeof finish === "string" ? [finish] : Array.isArray(finish) ? finish : [];
    const toolFinish = reasons.some((r) => typeof r === "string" && ["tool_use", "tool_calls"].includes(r.toLowerCase()));
    const toolNames = recordedToolNames(rc);
    const defs = rc.toolDefinitions ?? null;
    const isToolCall = toolNames.length > 0 && defs !== null && defs.length > 0;
    return {
      eventId: ids[i]!,
      call: {
        callId: rc.callId,
        model: rc.model,
        messages: rc.messages.map((m) => wireOf(m, `span ${rc.callId}`)),
        toolDefinitions: defs,
        expectedOutputIsToolCall: isToolCall,
        expectedOutputToolNames: toolNames.length ? toolNames : null,
        expectedOutput: rc.outText ?? "",
        inputSegments: decomposeInput(rc, anc.map((j) => calls[j]!), anc.map((j) => ids[j]!), exact),
        totalInputTokens: rc.promptTokens ?? rc.messages.reduce((s, m) => s + messageTokens(m), 0),
        expectedOutputTokens: rc.completionTokens ?? estimateTokens(rc.outText ?? ""),
        attributes: attrs,
      },
      predecessorEventIds: Object.keys(dependencyTypes),
      dependencyTypes,
      waitMs: p.size ? Math.max(0, rc.tStartMs - lastPredEnd) : 0,
      tStartMs: rc.tStartMs,
      tEndMs: rc.tEndMs,
      // a span nested under a tool execution is tool-internal, not user-facing either (markToolInternal)
      isUserFacing: !isToolCall && !toolFinish && !structured,
      isStructuredOutputCall: structured,
    };
  });
  return { events, sourceFile };
}

/**
 * 0.7.0's structural tool-internal rule: a call whose span sits (at any depth) under a span named
 * `…tool.execution…` / `…tool_execution…` is not user-facing (it does not count for TFUT).
 */
export function markToolInternal(graph: ReplayGraph, spans: readonly { span_id?: string; parent_span_id?: string | null; name?: string }[]): void {
  const byId = new Map(spans.map((s) => [s.span_id ?? "", s]));
  const toolExec = new Set(spans.filter((s) => /tool[._]execution/.test(s.name ?? "")).map((s) => s.span_id ?? ""));
  if (toolExec.size === 0) return;
  const internal = (id: string) => {
    const seen = new Set<string>();
    let parent = byId.get(id)?.parent_span_id ?? null;
    while (parent && !seen.has(parent)) {
      if (toolExec.has(parent)) return true;
      seen.add(parent);
      parent = byId.get(parent)?.parent_span_id ?? null;
    }
    return false;
  };
  for (const e of graph.events) if (internal(e.call.callId)) e.isUserFacing = false;
}
