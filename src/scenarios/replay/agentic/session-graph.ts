/**
 * The replay graph of synthetic_agentic session `i`, as inference-perf 0.7.0's `build_graph_for_session` builds it:
 * N rounds (turns_per_session), each a root agent (agent-build.ts) whose principal carries the whole prior round
 * forward (shared = the prior terminal's input, output = its answer, unique = the follow-up), or starts fresh with
 * a summary block when context compaction triggers. The theme is a weighted draw (`_pick_theme`). Deterministic in
 * (config, i): every draw is a numpy stream seeded from blake2b("seed:i") and a graph path.
 */
import { themeWeights, type SyntheticAgenticConfig } from "../../config/synthetic-agentic-schema.ts";
import { buildAgent, DISPATCH_AGENT_NAME, fits, type SessionContext } from "./agent-build.ts";
import { renderCompactionSummary, renderFollowup, renderObjective, sessionPins, toolDefinitions, type ToolDefinition } from "./agent-text.ts";
import type { AgenticGraph, AgenticMessage, AgenticSegment } from "./agentic-graph.ts";
import { sessionSeed } from "./blake2b.ts";
import { fitFiller, type AgenticTokenCounter } from "./filler.ts";
import { pyJsonDumps } from "./py-format.ts";
import { fixedDistribution, sampleFromDistribution, sampleInt } from "./sample-distribution.ts";
import { childRng, renderIntroDoc, themeFillerWords, themePayloadWords } from "./theme-render.ts";
import { BUILT_IN_THEMES, type Theme } from "./theme.ts";

const DISPATCH_AGENT_DESCRIPTION =
  "Launch a sub-agent to work on `objective` asynchronously. Returns immediately with a launch acknowledgment, NOT the sub-agent's result: each sub-agent's report is delivered later as a separate user message wrapping that report in <task-notification><result>...</result></task-notification>. Reports arrive ONE AT A TIME and in completion order. Reply to each incoming report with a one-sentence acknowledgment (e.g., 'Sub-agent has finished, waiting for others'), and keep waiting.";
const DISPATCH_AGENT_TOOL_DEF: ToolDefinition = {
  name: DISPATCH_AGENT_NAME,
  type: "function",
  description: DISPATCH_AGENT_DESCRIPTION,
  function: {
    name: DISPATCH_AGENT_NAME,
    description: DISPATCH_AGENT_DESCRIPTION,
    parameters: { type: "object", properties: { objective: { type: "string", description: "The sub-agent's task." } }, required: ["objective"] },
  },
} as ToolDefinition;
const FB_TOOL_DEFS = fixedDistribution(8);
const FB_USER_THINK = fixedDistribution(10);

/** 0.7.0 `_pick_theme`: a weighted draw on the session seed's path 999. */
export function pickTheme(cfg: SyntheticAgenticConfig, sessionIndex: number): Theme {
  const weights = themeWeights(cfg);
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const idx = childRng(sessionSeed(cfg.seed, sessionIndex), 999).choice(weights.length, weights.map(([, w]) => w / total));
  return BUILT_IN_THEMES[weights[idx]![0]]!;
}

/** 0.7.0 `_accumulated_wire_tokens`: the transcript's content plus the advertised catalog. */
async function accumulatedWireTokens(tok: AgenticTokenCounter, transcript: readonly AgenticMessage[], tools: readonly ToolDefinition[]): Promise<number> {
  const content = transcript.map((m) => ("content" in m && m.content ? m.content : "")).join("\n");
  const catalog = tools.length > 0 ? await tok.countTokens(pyJsonDumps(tools)) : 0;
  return (await tok.countTokens(content)) + catalog;
}

export async function buildSessionGraph(cfg: SyntheticAgenticConfig, theme: Theme, tok: AgenticTokenCounter, sessionIndex: number): Promise<AgenticGraph> {
  const seed = sessionSeed(cfg.seed, sessionIndex);
  const sid = `synthN${sessionIndex}`;
  const toolDefs = toolDefinitions(theme, Math.max(0, sampleInt(cfg.tool_catalog_size_per_agent, childRng(seed, 1), FB_TOOL_DEFS)));
  const s: SessionContext = {
    cfg,
    theme,
    tok,
    seed,
    events: new Map(),
    toolDefs,
    fanoutToolDefs: toolDefs.some((t) => t.name === DISPATCH_AGENT_NAME) ? toolDefs : [...toolDefs, DISPATCH_AGENT_TOOL_DEF],
    fillerPool: themeFillerWords(theme, seed, [60]),
    payloadPool: themePayloadWords(theme, seed, [68]),
    rootIds: [],
    rootTerminal: null,
  };
  const rounds = sampleInt(cfg.turns_per_session, childRng(seed, 0), cfg.turns_per_session);
  const compaction = cfg.context_compaction;
  const trigger = compaction ? sampleInt(compaction.trigger_tokens, childRng(seed, 64), compaction.trigger_tokens) : null;
  const target = compaction ? sampleInt(compaction.target_tokens, childRng(seed, 65), compaction.target_tokens) : null;
  let prevAnswerId: string | null = null;
  let transcript: AgenticMessage[] = [];

  for (let r = 0; r < rounds; r++) {
    if (!fits(s, 1, 0)) break;
    const pinned = sessionPins(theme, seed);
    let obj = renderObjective(theme, childRng(seed, r, 1), pinned);
    if (r === 0) {
      const intro = renderIntroDoc(theme, seed, [r, 61], pinned);
      if (intro) obj = `${intro}\n${obj}`;
    }
    const waitMs = r === 0 ? 0 : Math.trunc(sampleFromDistribution(cfg.user_think_time_sec ?? FB_USER_THINK, childRng(seed, r, 2)) * 1000);
    const compact = trigger !== null && prevAnswerId !== null && r > 0 && (await accumulatedWireTokens(tok, transcript, toolDefs)) >= trigger;
    let taskMsgs: AgenticMessage[];
    let segments: AgenticSegment[] | null;
    let preds: string[];
    if (r === 0 || prevAnswerId === null || compact) {
      if (compact) {
        const recap = renderCompactionSummary(theme, toolDefs, childRng(seed, r, 68), pinned);
        const summary = await fitFiller(tok, target!, recap ? `Summary of prior context: ${recap}` : "Summary of prior context:", s.fillerPool);
        obj = `${summary}\n${obj}`;
      }
      taskMsgs = [{ role: "user", content: obj }];
      segments = null;
      preds = prevAnswerId ? [prevAnswerId] : [];
    } else {
      const prior = s.rootTerminal!;
      const followup = renderFollowup(theme, obj, childRng(seed, r, 3), pinned);
      taskMsgs = [...transcript, { role: "assistant", content: "PLACEHOLDER_PRIOR_ANSWER" }, { role: "user", content: followup }];
      segments = [
        { type: "shared", messageCount: prior.inputLen, sourceEventId: prior.id },
        { type: "output", messageCount: 1, sourceEventId: prior.id },
        { type: "unique", messageCount: 1, sourceEventId: null },
      ];
      preds = [prior.id];
    }
    const terminal = await buildAgent(s, {
      depth: 0, prefix: `${sid}:r${r}`, taskMsgs, preds, depTypes: Object.fromEntries(preds.map((p) => [p, "full_match"])),
      principalWaitMs: waitMs, isRoot: true, path: [r], reserved: 0, principalSegments: segments, pinned,
    });
    if (terminal === null) break;
    prevAnswerId = terminal;
    transcript = [...s.events.get(s.rootTerminal!.id)!.messages];
  }
  return { sessionId: sid, theme: theme.name, events: [...s.events.values()], rootEventIds: s.rootIds };
}
