/**
 * The messages a replayed call sends, as inference-perf 0.7.0 builds them once its predecessors are done
 * (datagen/replay/replay_graph_session_datagen.py `wait_for_predecessors_and_substitute`,
 * `_build_messages_with_substitution`), for text conversations:
 *  - "shared": the first n messages the source predecessor really sent (its own substitutions included);
 *  - "output": the source predecessor's live answer as `{role: assistant, content}` (with its `tool_calls` when it
 *    called tools: the tool results that follow then take the live calls' ids); the recorded message when the
 *    answer had no choices, or when it was empty text;
 *  - "async_report": the recorded user message with the source's live answer wrapped in 0.7.0's
 *    `<task-notification><result>` envelope (the recorded message when the source has no outcome);
 *  - "unique": as recorded, prefixed with `[SESS:<id>] ` when random session ids are injected (inject_random_session_id,
 *    or a duplicated session).
 * Nothing is substituted when output substitution is disabled or no segment needs it. Pure.
 */
import type { InputSegment, ReplayMessage } from "./replay-graph.ts";

/** What a completed call left for its successors. */
export interface EventOutcome {
  /** The answer's text ("" when it had none). */
  outputText: string;
  /** `{role: "assistant", content}` of the answer; null when the answer had no choices. */
  outputMessage: ReplayMessage | null;
  /** The messages the call sent. */
  sentMessages: readonly ReplayMessage[];
}

export interface SubstitutionInput {
  recorded: readonly ReplayMessage[];
  segments: readonly InputSegment[];
  outcomeOf(eventId: string): EventOutcome | undefined;
  disableOutputSubstitution: boolean;
  /** The session's random string when ids are injected, else null. */
  sessionRandom: string | null;
}

export function messagesToSend(s: SubstitutionInput): ReplayMessage[] {
  const substitute = !s.disableOutputSubstitution && s.segments.some((g) => g.type === "output" || g.type === "shared" || g.type === "async_report");
  const inject = s.sessionRandom !== null && s.segments.some((g) => g.type === "unique");
  if (s.segments.length === 0 || (!substitute && !inject)) return [...s.recorded];
  const out: ReplayMessage[] = [];
  const rewrites: ToolCallRewrite[] = [];
  let cursor = 0;
  for (const seg of s.segments) {
    const recorded = s.recorded.slice(cursor, cursor + seg.messageCount);
    if (seg.type === "output") {
      const source = seg.sourceEventId !== null && seg.messageCount === 1 ? s.outcomeOf(seg.sourceEventId) : undefined;
      if (source?.outputMessage?.tool_calls) {
        const names = (recorded[0]?.tool_calls ?? []).map((c) => (c as { function?: { name?: unknown } }).function?.name);
        rewrites.push({ at: out.length, live: source.outputMessage.tool_calls as LiveCall[], recordedNames: names });
        out.push(source.outputMessage);
      } else if (source?.outputMessage) out.push(source.outputMessage);
      else if (source?.outputText) out.push(...recorded.map((m) => ({ ...m, content: source.outputText })));
      else out.push(...recorded);
    } else if (seg.type === "async_report") {
      const source = seg.sourceEventId !== null && seg.messageCount === 1 && recorded[0]?.role === "user" ? s.outcomeOf(seg.sourceEventId) : undefined;
      out.push(...(source ? [{ ...recorded[0]!, content: `<task-notification>\n<result>\n${source.outputText}\n</result>\n</task-notification>` }] : recorded));
    } else if (seg.type === "shared") {
      const parent = seg.sourceEventId !== null ? s.outcomeOf(seg.sourceEventId)?.sentMessages : undefined;
      const prefix = parent?.slice(0, seg.messageCount);
      out.push(...(prefix && prefix.length === seg.messageCount ? prefix : recorded));
    } else {
      out.push(...(s.sessionRandom !== null ? recorded.map((m) => ({ ...m, content: `[SESS:${s.sessionRandom}] ${m.content}` })) : recorded));
    }
    cursor += seg.messageCount;
  }
  for (const r of rewrites) rewriteToolCallIds(out, r);
  return out;
}

type LiveCall = { id?: unknown; function?: { name?: unknown } };
interface ToolCallRewrite {
  /** Index of the substituted live assistant message in the output. */
  at: number;
  live: LiveCall[];
  /** The names of the recorded calls it replaced (empty: match by position). */
  recordedNames: unknown[];
}

/**
 * 0.7.0's tool_call_id rewrite: the tool results after a substituted live tool-call message answer the live calls —
 * the k-th result takes the id of the first unused live call with the k-th recorded call's name (by position when
 * nothing was recorded); a result with no such call keeps its recorded id.
 */
function rewriteToolCallIds(out: ReplayMessage[], r: ToolCallRewrite): void {
  const positional = r.recordedNames.length === 0;
  const bound = positional ? r.live.length : r.recordedNames.length;
  const used = new Set<number>();
  let k = 0;
  for (let i = r.at + 1; i < out.length && k < bound; i++) {
    if (out[i]!.role !== "tool") continue;
    const match = positional ? k : r.live.findIndex((c, j) => !used.has(j) && c.function?.name === r.recordedNames[k]);
    if (match !== -1 && match < r.live.length) {
      used.add(match);
      const id = r.live[match]!.id;
      if (id) out[i] = { ...out[i]!, tool_call_id: String(id) };
    }
    k++;
  }
}
