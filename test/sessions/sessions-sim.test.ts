/**
 * Multi-turn sessions through `kneepoint run` against the simulator (its own process, the simulator in this one,
 * prefix caching on as in vLLM V1): a later turn's prompt really carries the earlier turns, so the simulator counts
 * it and finds it in its prefix cache.
 *
 * shared_prefix with enable_multi_turn_chat, 1 group × 2 prompts of 32 + 15 tokens (the BOS included in the 32),
 * output exactly 8 (ignore_eos), 8 requests: 2 sessions × 4 turns. By hand, with the simulator's tokenizer (one token
 * per word, " word" a token): turn 1 sends " " + prompt = BOS + 46 words = 47 tokens; turn r+1 sends turn r's prompt,
 * " ", its answer (8 words, each " word"), " ", the prompt again: + 1 (the lone space before the answer's first space)
 * + 8 + 46 = + 55 tokens: 47, 102, 157, 212. The simulator looks up every prompt token (queries = Σ input tokens) and
 * finds at least the full 16-token blocks of the session's previous prompt, which every later prompt starts with.
 * Also conversation_replay, streamed: per turn the input grows by the previous turn's answer and the new input; and
 * with a small max_model_len it stops growing once the oldest history turns must go.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { runKneepoint } from "../run-kneepoint.ts";

interface Entry {
  info: { input_tokens: number; response_metrics: { output_tokens: number } | null; extra_info: { user_session?: string; chat_round?: number } };
}

/** Per session, the [input, output] tokens of its turns in turn order. */
function turnsBySession(dir: string): Map<string, Array<[number, number]>> {
  const entries = JSON.parse(readFileSync(join(dir, "per_request_lifecycle_metrics.json"), "utf8")) as Entry[];
  const out = new Map<string, Array<[number, number, number]>>();
  for (const e of entries) {
    const id = e.info.extra_info.user_session!;
    out.set(id, [...(out.get(id) ?? []), [e.info.extra_info.chat_round!, e.info.input_tokens, e.info.response_metrics?.output_tokens ?? -1]]);
  }
  return new Map([...out].map(([id, t]) => [id, t.sort((a, b) => a[0] - b[0]).map(([, i, o]) => [i, o] as [number, number])]));
}

function counter(metrics: string, name: string): number {
  return metrics
    .split("\n")
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

async function run(sim: RunningSimulator, data: string, api: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kp-sessions-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `api: ${api}
data:
${data}
load: {type: constant, stages: [{rate: 8, duration: 1}]}
server: {type: vllm, base_url: ${sim.url}, ignore_eos: true}
report: {request_lifecycle: {summary: true, per_stage: true, per_request: true}}
storage: {local_storage: {path: ${join(dir, "reports")}}}
`,
  );
  const r = await runKneepoint(["run", "-c", config, "--no-charts", "--no-server-metrics"], { cwd: dir });
  if (r.code !== 0) throw new Error(`kneepoint run failed (${r.code}): ${r.stderr}`);
  return join(dir, "reports");
}

describe("sessions against the simulator: later turns carry the earlier ones", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    // The default profile: the engine model, whose prefix cache counts (fixed ttftMs/itlMs bypass it).
    sim = await startSimulator({ port: 0 });
  });
  afterAll(() => sim.close());

  it("shared_prefix multi-turn (api.type chat, not streamed): 47, 102, 157, 212 input tokens per turn, found in the prefix cache", async () => {
    const before = await (await fetch(`${sim.url}/metrics`)).text();
    const dir = await run(sim, "  type: shared_prefix\n  shared_prefix: {num_groups: 1, num_prompts_per_group: 2, system_prompt_len: 32, question_len: 15, output_len: 8, enable_multi_turn_chat: true}", "{type: chat, streaming: false}");
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    const sessions = turnsBySession(dir);
    expect([...sessions.keys()].sort()).toEqual(["user_session_0", "user_session_1"]);
    for (const turns of sessions.values()) {
      expect(turns).toEqual([
        [47, 8],
        [102, 8],
        [157, 8],
        [212, 8],
      ]);
    }
    const queried = counter(metrics, "vllm:prefix_cache_queries_total") - counter(before, "vllm:prefix_cache_queries_total");
    const hits = counter(metrics, "vllm:prefix_cache_hits_total") - counter(before, "vllm:prefix_cache_hits_total");
    expect(queried).toBe(2 * (47 + 102 + 157 + 212));
    // each later turn finds its previous prompt's full blocks: 2 × (32 + 96 + 144) = 544; the one session's first turn
    // may also find the other's (same group) 32-token system prompt, 2 blocks, if the other's was computed by then
    // (measured: 576). Answers are not cached by the simulator, so nothing more.
    const previousPrompts = 2 * (Math.floor(47 / 16) + Math.floor(102 / 16) + Math.floor(157 / 16)) * 16;
    expect(hits).toBeGreaterThanOrEqual(previousPrompts);
    expect(hits).toBeLessThanOrEqual(previousPrompts + 32);
  }, 60_000);

  it("conversation_replay (streamed): each turn's input is the previous turn's input + its answer + the new input", async () => {
    const dir = await run(
      sim,
      "  type: conversation_replay\n  conversation_replay: {num_conversations: 2, shared_system_prompt_len: 20, dynamic_system_prompt_len: {type: fixed, mean: 6}, turns_per_conversation: {type: fixed, mean: 4}, input_tokens_per_turn: {type: fixed, mean: 10}, output_tokens_per_turn: {type: fixed, mean: 5}, max_model_len: 4000}",
      "{type: completion, streaming: true}",
    );
    const sessions = turnsBySession(dir);
    expect([...sessions.keys()].sort()).toEqual(["conv_0", "conv_1"]);
    for (const turns of sessions.values()) {
      expect(turns.map(([, out]) => out)).toEqual([5, 5, 5, 5]);
      // the first word of the prompt has no space before it, so it may take more than one token: turn 1 is at least
      // BOS + 20 + 6 + 10; each later turn adds the lone space before the answer's first " word", 5 answer words and
      // 10 input words
      expect(turns[0]![0]).toBeGreaterThanOrEqual(37);
      expect(turns.slice(1).map(([input], r) => input - turns[r]![0])).toEqual([16, 16, 16]);
    }
  }, 60_000);

  it("conversation_replay within max_model_len 300: no prompt over 300 − 5 − 200 = 95 tokens; the oldest turns go", async () => {
    const dir = await run(
      sim,
      "  type: conversation_replay\n  conversation_replay: {num_conversations: 1, shared_system_prompt_len: 20, dynamic_system_prompt_len: {type: fixed, mean: 6}, turns_per_conversation: {type: fixed, mean: 8}, input_tokens_per_turn: {type: fixed, mean: 10}, output_tokens_per_turn: {type: fixed, mean: 5}, max_model_len: 300}",
      "{type: completion, streaming: false}",
    );
    const turns = turnsBySession(dir).get("conv_0")!.map(([input]) => input);
    expect(turns).toHaveLength(8);
    // turn 1 is BOS + 36 words (+ the first word's extra tokens without its space, 0-10 here); each later turn adds a
    // history turn of 16 tokens (10 input words, the lone space, 5 answer words): t1 + 48 ≤ 95 < t1 + 64, so from turn
    // 5 on the oldest history turn goes as the new one comes (measured: 38, 54, 70, 86, 86, 86, 86, 86)
    expect(turns.slice(1).map((t, i) => t - turns[i]!)).toEqual([16, 16, 16, 0, 0, 0, 0]);
    expect(Math.max(...turns)).toBeLessThanOrEqual(95);
  }, 60_000);
});
