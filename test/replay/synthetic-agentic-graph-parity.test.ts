/**
 * synthetic_agentic graphs, kneepoint against the real inference-perf 0.7.0: for the two shipped example configs and
 * a stress config (fan-out to depth 2, every distribution type drawn, several rounds, compaction, all four themes), every
 * session's graph — theme, events in order, messages (byte for byte as JSON), segments, predecessors, waits, tools,
 * forced tool names, outputs and max_tokens — equals what 0.7.0's `build_graph_for_session` builds with the same
 * tokenizer (test/fixtures/synthetic-agentic/dump-graphs.py run by the 0.7.0 venv's python), one whose
 * model_max_length truncates the counts of long texts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { syntheticAgenticSchema } from "../../src/scenarios/config/synthetic-agentic-schema.ts";
import { buildSessionGraph, pickTheme } from "../../src/scenarios/replay/agentic/session-graph.ts";
import { agenticTokenCounter } from "../../src/scenarios/replay/agentic/agentic-replay-source.ts";
import type { AgenticGraph } from "../../src/scenarios/replay/agentic/agentic-graph.ts";
import { loadLocalTokenizer } from "../../src/tokenizer/local-tokenizer.ts";

const EXAMPLES = fileURLToPath(new URL("../fixtures/inference-perf-examples/0.7.0/examples/synthetic_agentic/", import.meta.url));
const DUMP = fileURLToPath(new URL("../fixtures/synthetic-agentic/dump-graphs.py", import.meta.url));
/** The fixture tokenizer with a model_max_length (600), so counts of long transcripts saturate as transformers' do. */
const TOKENIZER = (() => {
  const src = fileURLToPath(new URL("../fixtures/tiny-tokenizer/", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "kp-agentic-tokenizer-"));
  copyFileSync(join(src, "tokenizer.json"), join(dir, "tokenizer.json"));
  const config = JSON.parse(readFileSync(join(src, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ ...config, model_max_length: 600 }));
  return dir;
})();

const STRESS = `
data:
  type: synthetic_agentic
  synthetic_agentic:
    num_sessions: 8
    seed: 5
    fanout_probability: 0.6
    max_events_per_session: 40
    turns_per_session: {type: uniform, min: 1, max: 3}
    tool_loop_depth: {type: poisson, mean: 1.5, min: 0, max: 3}
    sub_agents_per_spawn: {type: uniform, min: 1, max: 3}
    parallel_tool_calls_per_step: {type: skew_normal, mean: 1, std_dev: 1, skew: 2, min: 1, max: 2}
    tool_catalog_size_per_agent: {type: uniform, min: 3, max: 14}
    input_tokens_per_turn: {type: normal, mean: 160, std_dev: 80, min: 20, max: 300}
    output_tokens_per_turn: {type: lognormal, mean: 60, std_dev: 30, min: 10, max: 120}
    tool_call_latency_sec: {type: uniform, min: 0, max: 3}
    user_think_time_sec: {type: uniform, min: 1, max: 5}
    shared_system_prompt_len: 300
    context_compaction: {trigger_tokens: {type: fixed, mean: 1000}, target_tokens: {type: uniform, min: 100, max: 200}}
    theme_mix: {generic: 1, db2_latency_incident: {weight: 2}, research_rag: 1.5, code_change_task: 1}
`;

const CASES: Record<string, string> = {
  "configs/single_agent_smoke.yml": join(EXAMPLES, "configs/single_agent_smoke.yml"),
  "demo/01_bare_no_tools.yml": join(EXAMPLES, "demo/01_bare_no_tools.yml"),
  "stress: fan-out, rounds, compaction, four themes": (() => {
    const f = join(mkdtempSync(join(tmpdir(), "kp-agentic-graph-")), "stress.yml");
    writeFileSync(f, STRESS);
    return f;
  })(),
};

const EVENT_KEYS = ["eventId", "messages", "segments", "predecessorEventIds", "dependencyTypes", "waitMs", "toolDefinitions", "expectedOutputIsToolCall", "expectedOutputToolNames", "expectedOutput", "expectedOutputTokens"] as const;
const canonical = (graphs: AgenticGraph[]) =>
  JSON.stringify(graphs.map((g) => [g.sessionId, g.theme, g.rootEventIds, g.events.map((e) => EVENT_KEYS.map((k) => e[k]))]));

async function kneepointGraphs(file: string): Promise<AgenticGraph[]> {
  const cfg = syntheticAgenticSchema.parse((parse(readFileSync(file, "utf8")) as { data: { synthetic_agentic: unknown } }).data.synthetic_agentic);
  const tok = agenticTokenCounter(await loadLocalTokenizer(TOKENIZER, process.env));
  const out: AgenticGraph[] = [];
  for (let i = 0; i < cfg.num_sessions; i++) out.push(await buildSessionGraph(cfg, pickTheme(cfg, i), tok, i));
  return out;
}

/** Every case's graphs as 0.7.0 builds them, by config file. */
async function releaseGraphs(files: string[]): Promise<Record<string, AgenticGraph[]>> {
  const run = await runChild(peerBin(INFERENCE_PERF_NEWEST, "python"), [DUMP, TOKENIZER, ...files], { cwd: tmpdir(), env: process.env, timeoutMs: 90_000 });
  if (run.code !== 0) throw new Error(`dump-graphs.py failed (exit ${run.code}):\n${tail(run.stderr + run.stdout)}`);
  return JSON.parse(run.stdout) as Record<string, AgenticGraph[]>;
}

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`synthetic_agentic graphs: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}'s build_graph_for_session`, () => {
  let release: Record<string, AgenticGraph[]>;
  beforeAll(async () => {
    release = await releaseGraphs(Object.values(CASES));
  }, 90_000);

  for (const [name, file] of Object.entries(CASES)) {
    it(name, async () => {
      const kp = await kneepointGraphs(file);
      const ip = release[file]!;
      expect(kp.map((g) => [g.sessionId, g.theme, g.events.length])).toEqual(ip.map((g) => [g.sessionId, g.theme, g.events.length]));
      // the whole corpus as one string (event keys in one order, messages and tools as they were built); on a
      // difference, the first differing event is named field by field
      if (canonical(kp) === canonical(ip)) return;
      for (const [i, g] of kp.entries()) {
        const r = ip[i]!;
        expect(g.rootEventIds).toEqual(r.rootEventIds);
        for (const [j, e] of g.events.entries()) {
          const q = r.events[j]!;
          const at = `${g.sessionId} event ${j} (${q.eventId})`;
          expect(e.eventId, at).toBe(q.eventId);
          expect(JSON.stringify(e.messages), at).toBe(JSON.stringify(q.messages));
          expect(JSON.stringify(e.toolDefinitions), at).toBe(JSON.stringify(q.toolDefinitions));
          expect({ ...e, messages: null, toolDefinitions: null }, at).toEqual({ ...q, messages: null, toolDefinitions: null });
        }
      }
    }, 60_000);
  }
  it("the stress config exercises what it is for: spawns, async reports, compaction, tool calls, every theme", async () => {
    const kp = await kneepointGraphs(CASES["stress: fan-out, rounds, compaction, four themes"]!);
    const events = kp.flatMap((g) => g.events);
    expect(events.some((e) => e.eventId.endsWith(":spawn"))).toBe(true);
    expect(events.some((e) => e.segments.some((s) => s.type === "async_report"))).toBe(true);
    expect(events.some((e) => e.messages.some((m) => "content" in m && m.content.includes("Summary of prior context:")))).toBe(true);
    expect(events.some((e) => e.expectedOutputIsToolCall && (e.expectedOutputToolNames?.length ?? 0) > 1)).toBe(true);
    expect(new Set(kp.map((g) => g.theme))).toEqual(new Set(["generic", "db2_latency_incident", "research_rag", "code_change_task"]));
  }, 60_000);
});
