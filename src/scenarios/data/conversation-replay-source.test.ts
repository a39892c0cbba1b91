/**
 * conversation_replay's plan and turns by hand (0.7.0 conversation_replay_datagen.py): lengths from fixed
 * distributions, where request k of a stage falls (slot, round, turn, new conversations), the seed making the same
 * prompts and another seed others, a turn's prompt from the history, the tool latency per turn, and a later stage
 * re-priming its slots without system prompt or history under their last id.
 */
import { describe, expect, it } from "vitest";
import { conversationReplaySchema } from "../config/conversation-replay-schema.ts";
import { createBodyWriter } from "./body-writer.ts";
import { conversationTurnOf, createConversationReplaySource, planConversations } from "./conversation-replay-source.ts";
import type { SessionTokenizer } from "./conversation-session.ts";
import type { WordAtoms } from "./word-atoms.ts";

const fixed = (mean: number) => ({ type: "fixed" as const, mean });
const cfg = (over: Record<string, unknown> = {}) =>
  conversationReplaySchema.parse({
    seed: 5,
    num_conversations: 2,
    shared_system_prompt_len: 3,
    dynamic_system_prompt_len: fixed(2),
    turns_per_conversation: fixed(2),
    input_tokens_per_turn: fixed(4),
    output_tokens_per_turn: fixed(6),
    tool_call_latency_sec: fixed(1),
    max_model_len: 1000,
    ...over,
  });
const atoms: WordAtoms = { words: ["aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh"], form: "lead", exact: true };
const words: SessionTokenizer = {
  encode: async (t) => [0, ...t.split(/\s+/).filter(Boolean).map(() => 1)],
  decode: async () => "",
};
const body = createBodyWriter({ api: "completion", model: "m", ignoreEos: true, streaming: false });
const promptOf = (b: string) => (JSON.parse(b) as { prompt: string; max_tokens: number }).prompt;
const wordsOf = (s: string) => s.split(" ").filter(Boolean).length;

describe("conversation_replay: the plan", () => {
  it("fixed distributions: every conversation 2 turns of 4 in, 6 out, 1 s of tool latency; unset ones as 0.7.0's defaults", () => {
    expect(planConversations(cfg())).toEqual({ turns: [2, 2], dynamicLens: [2, 2], firstTurn: [0, 2], inputLens: [4, 4, 4, 4], outputLens: [6, 6, 6, 6], toolLatenciesS: [1, 1, 1, 1] });
    const d = planConversations(conversationReplaySchema.parse({ num_conversations: 1 }));
    expect(d).toEqual({ turns: [10], dynamicLens: [0], firstTurn: [0], inputLens: Array(10).fill(512), outputLens: Array(10).fill(256), toolLatenciesS: [] });
  });

  it("request k: slot k mod C, round k div C, turn round mod turns, the slot's conversation round div turns", () => {
    const plan = { turns: [2, 3] };
    expect([0, 1, 3, 4, 7].map((k) => conversationTurnOf(plan, k))).toEqual([
      { slot: 0, round: 0, turn: 0, convo: 0 },
      { slot: 1, round: 0, turn: 0, convo: 0 },
      { slot: 1, round: 1, turn: 1, convo: 0 },
      { slot: 0, round: 2, turn: 0, convo: 1 },
      { slot: 1, round: 3, turn: 0, convo: 1 },
    ]);
  });

  it("refuses an output ceiling that leaves no prompt room, as 0.7.0 does", () => {
    const r = conversationReplaySchema.safeParse({ max_model_len: 300, output_tokens_per_turn: { type: "normal", min: 10, max: 100, mean: 50 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/output_tokens_per_turn\.max \(100\) leaves no room for a prompt within max_model_len \(300\)/);
  });
});

describe("conversation_replay: the turns", () => {
  it("turn 2 of a conversation is its system prompt, turn 1's input and answer, and its own input; new ids on a wrap", async () => {
    const src = createConversationReplaySource(cfg(), atoms, words, body, 1);
    const stage = src.sessions!.forStage(0);
    const t0 = stage.turn(0);
    expect([t0.sessionId, t0.holdAfterS]).toEqual(["conv_0", 1]);
    const p0 = await t0.prepare();
    const first = promptOf(p0.body);
    // 3 shared + 2 own words, then 4 input words
    expect(wordsOf(first)).toBe(9);
    expect(p0).toMatchObject({ plannedPromptTokens: 10, round: 1 });
    expect(JSON.parse(p0.body)).toMatchObject({ max_tokens: 6 });
    await t0.finish("x1 x2");
    const t2 = stage.turn(2); // slot 0, round 1, turn 1
    expect(t2.sessionId).toBe("conv_0");
    const second = promptOf((await t2.prepare()).body);
    expect(second.startsWith(`${first} x1 x2 `)).toBe(true);
    expect(wordsOf(second)).toBe(9 + 2 + 4);
    const t4 = stage.turn(4); // slot 0, round 2: turn 0 of its next conversation
    expect(t4.sessionId).toBe("slot_0_convo_1");
    expect(promptOf((await t4.prepare()).body)).toBe(first);
  });

  it("the same seed gives the same prompts; another seed others; conversations share the system prompt's first part", async () => {
    const first = async (seed: number, k: number) => promptOf((await createConversationReplaySource(cfg({ seed }), atoms, words, body, 1).sessions!.forStage(0).turn(k).prepare()).body);
    expect(await first(5, 0)).toBe(await first(5, 0));
    expect(await first(6, 0)).not.toBe(await first(5, 0));
    const [a, b] = [await first(5, 0), await first(5, 1)];
    expect(a.split(" ").slice(0, 3)).toEqual(b.split(" ").slice(0, 3));
    expect(a).not.toBe(b);
  });

  it("a later stage re-primes each slot under its last id, without system prompt or history (0.7.0 after clearing its sessions)", async () => {
    const src = createConversationReplaySource(cfg(), atoms, words, body, 1);
    const s0 = src.sessions!.forStage(0);
    for (let k = 0; k < 6; k++) {
      const t = s0.turn(k);
      await t.prepare();
      await t.finish("y");
    }
    const s1 = src.sessions!.forStage(1);
    const t = s1.turn(0);
    expect(t.sessionId).toBe("slot_0_convo_1");
    const p = await t.prepare();
    expect(wordsOf(promptOf(p.body))).toBe(4);
    expect(p.round).toBe(1);
    await t.finish("z");
    expect(wordsOf(promptOf((await s1.turn(2).prepare()).body))).toBe(4);
    // the slot's next conversation has its system prompt (this stage's shared part) and history again
    const wrap = s1.turn(4);
    expect(wrap.sessionId).toBe("slot_0_convo_1");
    expect(wordsOf(promptOf((await wrap.prepare()).body))).toBe(9);
  });
});
