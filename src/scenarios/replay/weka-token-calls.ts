/**
 * The LLM calls of one Weka trace, in token ids, as inference-perf 0.7.0 reconstructs them
 * (datagen/replay/weka_trace_replay_datagen.py `_reconstruct_raw_calls`): the main agent's calls are one
 * conversation (weka-conversation.ts), each sub-agent stream another. A call's expected output is the assistant
 * segment the next call of its conversation would append (the last assistant segment after that step), or, for a
 * conversation's last call, `out` tail tokens. Calls are sorted by (start ms, call id). Pure.
 */
import { firstTurn, nextTurn, type RoleSegment, type TurnInput } from "./weka-conversation.ts";
import type { WekaBlockTokens } from "./weka-block-tokens.ts";
import { callStartTimes, packIntoStreams, streamCallKey, type StreamPlan } from "./weka-timing.ts";
import { isSubagent, type WekaRequest, type WekaTrace } from "./weka-trace-format.ts";

export interface TokenMessage {
  role: RoleSegment["role"];
  tokens: number[];
}

export interface WekaTokenCall {
  callId: string;
  tStartMs: number;
  tEndMs: number;
  model: string;
  messages: TokenMessage[];
  outTokens: number[];
  promptTokens: number;
  completionTokens: number;
}

interface Conversation {
  requests: readonly (TurnInput & { apiTime: number | null; model: string })[];
  startsS: readonly number[];
  toolTokens: number;
  systemTokens: number;
  /** Seed keys: `<key>:turn_<k>:partial_tail`, and the last call's output `<lastKey>`. */
  key: string;
  lastKey: string;
  callId: (k: number) => string;
}

const turnOf = (r: { in: number; out: number; hash_ids: number[]; api_time: number | null; model: string }) => ({ hashIds: r.hash_ids, inTokens: r.in, outTokens: r.out, apiTime: r.api_time, model: r.model });

function conversationCalls(src: WekaBlockTokens, bs: number, c: Conversation, modelMap: Record<string, string>): WekaTokenCall[] {
  const seed = (k: number) => `${c.key}:turn_${k}:partial_tail`;
  const calls: WekaTokenCall[] = [];
  let segs: RoleSegment[] = [];
  c.requests.forEach((req, k) => {
    segs = k === 0 ? firstTurn(src, bs, req, c.toolTokens, c.systemTokens, seed(0)) : nextTurn(src, bs, segs, c.requests[k - 1]!, req, seed(k));
    let outTokens: number[];
    if (k + 1 < c.requests.length) {
      const ahead = nextTurn(src, bs, segs, req, c.requests[k + 1]!, seed(k + 1));
      outTokens = [...ahead].reverse().find((s) => s.role === "assistant")?.tokens ?? [];
    } else {
      outTokens = src.tail(req.outTokens, c.lastKey);
    }
    const tStartMs = Math.trunc(c.startsS[k]! * 1000);
    calls.push({
      callId: c.callId(k),
      tStartMs,
      tEndMs: tStartMs + Math.trunc((req.apiTime ?? 0) * 1000),
      model: modelMap[req.model] ?? req.model,
      messages: segs.map((s) => ({ role: s.role, tokens: s.tokens })),
      outTokens,
      promptTokens: req.inTokens,
      completionTokens: req.outTokens,
    });
  });
  return calls;
}

/** The sub-agents' streams, with 0.7.0's session ids (`<trace>::sa:<agent>` and `:s<i>` when there are several). */
export function subagentStreams(trace: WekaTrace): StreamPlan[] {
  const out: StreamPlan[] = [];
  for (const sa of trace.requests.filter(isSubagent)) {
    const packed = packIntoStreams(sa.requests);
    const streams = packed.length ? packed : [[]];
    streams.forEach((requests, i) => {
      const sessionId = `${trace.id}::sa:${sa.agent_id}${streams.length > 1 ? `:s${i}` : ""}`;
      out.push({ sessionId, subagent: sa, streamIndex: i, requests });
    });
  }
  return out;
}

export interface WekaBuildOptions {
  defaultBlockSize: number;
  idleGapCapS: number;
  modelMap: Record<string, string>;
}

export function wekaTokenCalls(trace: WekaTrace, tokensFor: (blockSize: number) => WekaBlockTokens, o: WekaBuildOptions): WekaTokenCall[] {
  const bs = trace.block_size || o.defaultBlockSize;
  const src = tokensFor(bs);
  const main = trace.requests.filter((r): r is WekaRequest => !isSubagent(r));
  const streams = subagentStreams(trace);
  const starts = callStartTimes(main, streams, o.idleGapCapS);
  const calls = conversationCalls(
    src,
    bs,
    { requests: main.map(turnOf), startsS: starts.main, toolTokens: trace.tool_tokens, systemTokens: trace.system_tokens, key: trace.id, lastKey: `${trace.id}:final_parent_turn_completion`, callId: (k) => `parent_turn_${k}` },
    o.modelMap,
  );
  for (const sp of streams) {
    const conv = {
      requests: sp.requests.map(turnOf),
      startsS: sp.requests.map((_, k) => starts.streams.get(streamCallKey(sp.sessionId, k))!),
      toolTokens: sp.subagent.tool_tokens,
      systemTokens: sp.subagent.system_tokens,
      key: sp.sessionId,
      lastKey: `${sp.sessionId}:final_turn_completion`,
      callId: (k: number) => `sa_${sp.subagent.agent_id}_s${sp.streamIndex}_turn_${k}`,
    };
    calls.push(...conversationCalls(src, bs, conv, o.modelMap));
  }
  return calls.sort((a, b) => a.tStartMs - b.tStartMs || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
}
