/**
 * One agent of a synthetic_agentic session, as inference-perf 0.7.0's `_build_agent` emits it: a principal call,
 * `k` accumulating tool-loop calls (each re-injecting the prior call's tool-call reply and its results), and, when
 * the agent fans out, a spawn call (K parallel dispatch_agent calls), the K sub-agents, a dispatch ack and K
 * notification calls (one per sub-agent report, the last the agent's answer). The event budget is tested against
 * what ancestors still owe; a spawn that cannot complete is rolled back. Every draw is a child stream of the
 * session seed at the same path as 0.7.0's.
 */
import type { SyntheticAgenticConfig } from "../../config/synthetic-agentic-schema.ts";
import { renderObjective, renderToolArguments, type ToolDefinition } from "./agent-text.ts";
import type { AgenticEvent, AgenticMessage, AgenticSegment, ToolCall } from "./agentic-graph.ts";
import { fitFiller, renderSystemHead, TOOL_CALL_MARGIN, type AgenticTokenCounter } from "./filler.ts";
import { pyJsonDumps, pyStr } from "./py-format.ts";
import { fixedDistribution, sampleFromDistribution, sampleInt, uniformDistribution } from "./sample-distribution.ts";
import { childRng, renderToolResult, type Pinned } from "./theme-render.ts";
import type { Theme } from "./theme.ts";

export const DISPATCH_AGENT_NAME = "dispatch_agent";
const SUBAGENT_REPORT_DIRECTIVE =
  "This is your final turn; no further tool calls will be executed. Report back to the orchestrator now: summarize what you found and concluded in 2-3 sentences of plain prose. Do not emit a tool call.";
const ROOT_ANSWER_DIRECTIVE =
  "This is your final turn; no further tool calls will be executed. Provide your final answer to the user now, in plain prose. Do not emit a tool call.";
const ASYNC_DISPATCH_STUB = "Async agent launched successfully. You will be notified automatically when it completes.";
const FB_STEPS = fixedDistribution(2);
const FB_SUB_AGENTS = uniformDistribution(2, 4);
const FB_PARALLEL = fixedDistribution(1);
const FB_TOOL_LATENCY = fixedDistribution(1);
const FB_ACK_TOKENS = fixedDistribution(48);

/** What every agent of one session shares (0.7.0's closure over build_graph_for_session). */
export interface SessionContext {
  cfg: SyntheticAgenticConfig;
  theme: Theme;
  tok: AgenticTokenCounter;
  seed: bigint;
  events: Map<string, AgenticEvent>;
  toolDefs: ToolDefinition[];
  fanoutToolDefs: ToolDefinition[];
  fillerPool: string[] | null;
  payloadPool: string[] | null;
  rootIds: string[];
  rootTerminal: { id: string; inputLen: number } | null;
}

export interface AgentSpec {
  depth: number;
  prefix: string;
  taskMsgs: AgenticMessage[];
  preds: string[];
  depTypes: Record<string, string>;
  principalWaitMs: number;
  isRoot: boolean;
  path: number[];
  reserved: number;
  principalSegments: AgenticSegment[] | null;
  pinned: Pinned;
}

const seg = (type: AgenticSegment["type"], messageCount: number, sourceEventId: string | null = null): AgenticSegment => ({ type, messageCount, sourceEventId });
const fullMatch = (...ids: string[]): Record<string, string> => Object.fromEntries(ids.map((id) => [id, "full_match"]));
const copyCalls = (calls: readonly ToolCall[]): ToolCall[] => calls.map((c) => ({ ...c }));
/** The trailing `unique` segment grown by one message (a nudge appended after it). */
const growTail = (segs: AgenticSegment[]): AgenticSegment[] => [...segs.slice(0, -1), { ...segs[segs.length - 1]!, messageCount: segs[segs.length - 1]!.messageCount + 1 }];

export function fits(s: SessionContext, n: number, reserved: number): boolean {
  return s.events.size + reserved + n <= s.cfg.max_events_per_session;
}

type EmitFields = Omit<AgenticEvent, "toolDefinitions" | "expectedOutput" | "expectedOutputTokens"> & Partial<Pick<AgenticEvent, "toolDefinitions" | "expectedOutput" | "expectedOutputTokens">>;
function emit(s: SessionContext, e: EmitFields): void {
  s.events.set(e.eventId, { ...e, toolDefinitions: e.toolDefinitions ?? s.toolDefs, expectedOutput: e.expectedOutput ?? "", expectedOutputTokens: e.expectedOutputTokens ?? 0 });
}

async function toolCallMaxTokens(s: SessionContext, calls: readonly ToolCall[]): Promise<number> {
  return calls.length === 0 ? TOOL_CALL_MARGIN : (await s.tok.countTokens(pyJsonDumps(calls))) + TOOL_CALL_MARGIN;
}

async function answerText(s: SessionContext, path: readonly number[]): Promise<[string, number]> {
  const tokens = sampleInt(s.cfg.output_tokens_per_turn, childRng(s.seed, ...path, 4), s.cfg.output_tokens_per_turn);
  return [await fitFiller(s.tok, tokens, "Summary:", s.fillerPool), tokens];
}

async function ackText(s: SessionContext, path: readonly number[], c: number): Promise<[string, number]> {
  const tokens = sampleInt(FB_ACK_TOKENS, childRng(s.seed, ...path, c, 10), FB_ACK_TOKENS);
  return [await fitFiller(s.tok, tokens, "Acknowledged; awaiting the remaining sub-agent reports.", s.fillerPool), tokens];
}

interface TurnCalls {
  calls: ToolCall[];
  results: AgenticMessage[];
  names: string[];
}

function turnCallsAndResults(s: SessionContext, a: AgentSpec, t: number): TurnCalls {
  const n = Math.max(1, sampleInt(s.cfg.parallel_tool_calls_per_step, childRng(s.seed, ...a.path, t, 30), FB_PARALLEL));
  const out: TurnCalls = { calls: [], results: [], names: [] };
  for (let j = 0; j < n; j++) {
    const def = s.toolDefs[(t + j) % s.toolDefs.length]!;
    const id = `call_${a.prefix}_${t}_${j}`;
    out.names.push(def.name);
    const args = renderToolArguments(def.function.parameters ?? {}, s.theme, s.seed, [...a.path, t, 31, j], a.pinned, s.fillerPool, s.payloadPool);
    out.calls.push({ id, type: "function", function: { name: def.name, arguments: pyJsonDumps(args) } });
    const resultPinned = { ...a.pinned, ...Object.fromEntries(Object.entries(args).map(([k, v]) => [k, pyStr(v)])) };
    out.results.push({ role: "tool", tool_call_id: id, content: renderToolResult(s.theme, def.name, s.seed, [...a.path, t, 9, j], resultPinned) });
  }
  return out;
}

/** 0.7.0 `_build_agent`: emits the agent's events and returns its terminal event id, or null when it does not fit. */
export async function buildAgent(s: SessionContext, a: AgentSpec): Promise<string | null> {
  if (!fits(s, 1, a.reserved)) return null;
  const { cfg, seed, path } = { cfg: s.cfg, seed: s.seed, path: a.path };
  const principalId = `${a.prefix}:principal`;
  const sized = [...a.taskMsgs];
  const last = sized[sized.length - 1];
  if (last && last.role === "user" && "content" in last) {
    const inTokens = sampleInt(cfg.input_tokens_per_turn, childRng(seed, ...path, 50), cfg.input_tokens_per_turn);
    sized[sized.length - 1] = { ...last, content: await fitFiller(s.tok, inTokens, last.content, s.fillerPool) };
  }
  let principalMsgs: AgenticMessage[];
  let principalSegs: AgenticSegment[];
  if (a.principalSegments !== null) {
    principalMsgs = sized;
    principalSegs = a.principalSegments;
  } else {
    const head = cfg.shared_system_prompt_len > 0 ? await renderSystemHead(s.tok, cfg.shared_system_prompt_len, a.isRoot, childRng(seed, ...path, 2), s.fillerPool) : null;
    principalMsgs = head !== null ? [{ role: "system", content: head }, ...sized] : sized;
    principalSegs = [];
  }
  let k = Math.max(0, sampleInt(cfg.tool_loop_depth, childRng(seed, ...path, 100), FB_STEPS));
  if (s.toolDefs.length === 0) k = 0;
  const willSpawn = childRng(seed, ...path, 7).random() < cfg.fanout_probability && a.depth < cfg.max_depth;
  const directive = a.isRoot ? ROOT_ANSWER_DIRECTIVE : SUBAGENT_REPORT_DIRECTIVE;
  const base = { predecessorEventIds: a.preds, dependencyTypes: a.depTypes, waitMs: a.principalWaitMs };

  let first: TurnCalls = { calls: [], results: [], names: [] };
  if (k >= 1) {
    first = turnCallsAndResults(s, a, 0);
    emit(s, { eventId: principalId, messages: principalMsgs, segments: principalSegs, ...base, expectedOutputIsToolCall: true, expectedOutputToolNames: first.names, expectedOutputTokens: await toolCallMaxTokens(s, first.calls) });
  } else {
    const terminal = !willSpawn;
    const [text, tokens] = terminal ? await answerText(s, path) : ["", 0];
    if (terminal && (!a.isRoot || s.toolDefs.length > 0)) {
      principalMsgs = [...principalMsgs, { role: "user", content: directive }];
      if (principalSegs.length > 0) principalSegs = growTail(principalSegs);
    }
    emit(s, { eventId: principalId, messages: principalMsgs, segments: principalSegs, ...base, expectedOutputIsToolCall: false, expectedOutputToolNames: null, expectedOutput: text, expectedOutputTokens: tokens });
  }
  if (a.isRoot && s.rootIds.length === 0) s.rootIds.push(principalId);

  let prevId = principalId;
  let prevMsgs = principalMsgs;
  let prevOut = first;
  const turnEvents = willSpawn ? k - 1 : k;
  for (let t = 0; t < turnEvents; t++) {
    if (!fits(s, 1, a.reserved)) break;
    let msgs: AgenticMessage[] = [...prevMsgs, { role: "assistant", tool_calls: copyCalls(prevOut.calls) }, ...prevOut.results];
    let segs = [seg("shared", prevMsgs.length, prevId), seg("output", 1, prevId), seg("unique", prevOut.results.length)];
    const turnId = `${a.prefix}:t${t}`;
    const waitMs = Math.trunc(sampleFromDistribution(cfg.tool_call_latency_sec ?? FB_TOOL_LATENCY, childRng(seed, ...path, t, 3)) * 1000);
    const step = { eventId: turnId, predecessorEventIds: [prevId], dependencyTypes: fullMatch(prevId), waitMs };
    let next: TurnCalls = { calls: [], results: [], names: [] };
    if (t === k - 1 && !willSpawn) {
      const [text, tokens] = await answerText(s, path);
      msgs = [...msgs, { role: "user", content: directive }];
      segs = growTail(segs);
      emit(s, { ...step, messages: msgs, segments: segs, expectedOutputIsToolCall: false, expectedOutputToolNames: null, expectedOutput: text, expectedOutputTokens: tokens });
    } else {
      next = turnCallsAndResults(s, a, t + 1);
      emit(s, { ...step, messages: msgs, segments: segs, expectedOutputIsToolCall: true, expectedOutputToolNames: next.names, expectedOutputTokens: await toolCallMaxTokens(s, next.calls) });
    }
    prevId = turnId;
    prevMsgs = msgs;
    prevOut = next;
  }

  if (willSpawn) prevId = await fanOut(s, a, prevId, prevMsgs, prevOut);

  const term = s.events.get(prevId)!;
  if (term.expectedOutputIsToolCall) {
    const [text, tokens] = await answerText(s, path);
    s.events.set(prevId, { ...term, expectedOutputIsToolCall: false, expectedOutputToolNames: null, expectedOutput: text, expectedOutputTokens: tokens });
  }
  if (a.isRoot) s.rootTerminal = { id: prevId, inputLen: s.events.get(prevId)!.messages.length };
  return prevId;
}

/** The spawn, the sub-agents, the dispatch ack and the notifications; returns the agent's new terminal (or `prevId`). */
async function fanOut(s: SessionContext, a: AgentSpec, prevId: string, prevMsgs: AgenticMessage[], prevOut: TurnCalls): Promise<string> {
  const { seed, path } = { seed: s.seed, path: a.path };
  const K = Math.max(0, sampleInt(s.cfg.sub_agents_per_spawn, childRng(seed, ...path, 8), FB_SUB_AGENTS));
  if (!(K > 0 && fits(s, 1 + K + (K + 1), a.reserved))) return prevId;
  const spawnId = `${a.prefix}:d${a.depth}:spawn`;
  const childObjs: string[] = [];
  const dispatch: ToolCall[] = [];
  for (let c = 0; c < K; c++) {
    const obj = renderObjective(s.theme, childRng(seed, ...path, c, 1), a.pinned);
    childObjs.push(obj);
    dispatch.push({ id: `dispatch_${a.prefix}_${c}`, type: "function", function: { name: DISPATCH_AGENT_NAME, arguments: pyJsonDumps({ objective: obj }) } });
  }
  const ctx: AgenticMessage = { role: "user", content: `Delegate this work to ${K} sub-agent(s). Their reports will arrive one at a time as each sub-agent completes.` };
  const [spawnMsgs, spawnSegs] =
    prevOut.calls.length > 0
      ? [[...prevMsgs, { role: "assistant", tool_calls: copyCalls(prevOut.calls) } as AgenticMessage, ...prevOut.results, ctx], [seg("shared", prevMsgs.length, prevId), seg("output", 1, prevId), seg("unique", prevOut.results.length + 1)]]
      : [[...prevMsgs, ctx], [seg("shared", prevMsgs.length, prevId), seg("unique", 1)]];
  const before = new Set(s.events.keys());
  emit(s, {
    eventId: spawnId, messages: spawnMsgs, segments: spawnSegs, predecessorEventIds: [prevId], dependencyTypes: fullMatch(prevId), waitMs: 0,
    expectedOutputIsToolCall: true, expectedOutputToolNames: Array<string>(K).fill(DISPATCH_AGENT_NAME), toolDefinitions: s.fanoutToolDefs, expectedOutputTokens: await toolCallMaxTokens(s, dispatch),
  });
  const children: string[] = [];
  for (let c = 0; c < K; c++) {
    const reserved = a.reserved + (K + 1) + (K - c - 1);
    if (!fits(s, 1, reserved)) break;
    const child = await buildAgent(s, {
      depth: a.depth + 1, prefix: `${a.prefix}:d${a.depth + 1}:sub${c}`, taskMsgs: [{ role: "user", content: childObjs[c]! }], preds: [spawnId], depTypes: fullMatch(spawnId),
      principalWaitMs: 0, isRoot: false, path: [...path, 200 + c], reserved, principalSegments: null, pinned: a.pinned,
    });
    if (child === null) break;
    children.push(child);
  }
  if (children.length !== K || !fits(s, K + 1, a.reserved)) {
    for (const id of [...s.events.keys()]) if (!before.has(id)) s.events.delete(id);
    return prevId;
  }
  const baseMsgs: AgenticMessage[] = [...spawnMsgs, { role: "assistant", tool_calls: copyCalls(dispatch) }, ...dispatch.map((d): AgenticMessage => ({ role: "tool", tool_call_id: d.id, content: ASYNC_DISPATCH_STUB }))];
  const baseSegs = [seg("shared", spawnMsgs.length, spawnId), seg("output", 1, spawnId), seg("unique", K)];
  const ackId = `${a.prefix}:d${a.depth}:dispatch_ack`;
  const [ack, ackTokens] = await ackText(s, path, K);
  const fan = { waitMs: 0, expectedOutputIsToolCall: false, expectedOutputToolNames: null, toolDefinitions: s.fanoutToolDefs };
  emit(s, { eventId: ackId, messages: baseMsgs, segments: baseSegs, predecessorEventIds: [spawnId], dependencyTypes: fullMatch(spawnId), ...fan, expectedOutput: ack, expectedOutputTokens: ackTokens });
  let prev = ackId;
  let prevNotifMsgs = baseMsgs;
  for (const [c, childTerm] of children.entries()) {
    const id = `${a.prefix}:d${a.depth}:notify${c}`;
    let msgs: AgenticMessage[] = [...prevNotifMsgs, { role: "user", content: "PLACEHOLDER_ASYNC_REPORT" }];
    let segs = [seg("shared", prevNotifMsgs.length, prev), seg("async_report", 1, childTerm)];
    let out: [string, number];
    if (c === K - 1) {
      msgs = [...msgs, { role: "user", content: a.isRoot ? ROOT_ANSWER_DIRECTIVE : SUBAGENT_REPORT_DIRECTIVE }];
      segs = [...segs, seg("unique", 1)];
      out = await answerText(s, path);
    } else out = await ackText(s, path, c);
    emit(s, { eventId: id, messages: msgs, segments: segs, predecessorEventIds: [prev, childTerm], dependencyTypes: fullMatch(prev, childTerm), ...fan, expectedOutput: out[0], expectedOutputTokens: out[1] });
    prev = id;
    prevNotifMsgs = msgs;
  }
  return prev;
}
