/**
 * A session's prompts by hand (0.7.0 apis/user_session.py), with a tokenizer of one token per space-separated word
 * plus a BOS in front (as hf `encode` adds it): unbounded growth (multi-turn shared_prefix), bounded history,
 * dropping the oldest turns, cutting the system prompt or the input to max_model_len − max_tokens − 200, bounding
 * the kept history by max_model_len, failures leaving the session as it was, and re-primed sessions without history.
 */
import { describe, expect, it } from "vitest";
import { finishTurn, newBoundedSession, newUnboundedSession, takeTurn, type SessionTokenizer } from "./conversation-session.ts";

const BOS = 0;
function wordTokenizer(): SessionTokenizer & { calls: number } {
  const ids = new Map<string, number>();
  const words: string[] = [""];
  const t = {
    calls: 0,
    encode: async (text: string) => {
      t.calls++;
      return [
        BOS,
        ...text.split(/\s+/).filter(Boolean).map((w) => {
          if (!ids.has(w)) ids.set(w, words.push(w) - 1);
          return ids.get(w)!;
        }),
      ];
    },
    decode: async (list: number[]) => list.filter((id) => id !== BOS).map((id) => words[id]).join(" "),
  };
  return t;
}

/** max_model_len that leaves `target` prompt tokens for a turn of `maxTokens` (0.7.0: minus 200 of buffer). */
const lenFor = (target: number, maxTokens: number) => target + maxTokens + 200;

describe("unbounded sessions (shared_prefix multi-turn)", () => {
  it("the first turn is ' ' + prompt; each later turn is the previous prompt, its answer and the prompt again", async () => {
    const s = newUnboundedSession("user_session_3");
    const t1 = await takeTurn(s, "p q", 4, null);
    expect(t1).toEqual({ prompt: " p q", contextBefore: "", promptTokens: null });
    await finishTurn(s, t1, " a b", null);
    expect(s.context).toBe(" p q  a b");
    const t2 = await takeTurn(s, "p q", 4, null);
    expect(t2.prompt).toBe(" p q  a b p q");
    expect(s.round).toBe(2);
  });

  it("a failed turn leaves the context as the turn found it", async () => {
    const s = newUnboundedSession("u", "");
    await finishTurn(s, await takeTurn(s, "p", 4, null), "a", null);
    await finishTurn(s, await takeTurn(s, "p", 4, null), null, null);
    expect(s.context).toBe(" p a");
    expect((await takeTurn(s, "p", 4, null)).prompt).toBe(" p a p");
  });
});

describe("bounded sessions (conversation_replay)", () => {
  it("system prompt, then every earlier turn's input and answer, then this input; counted with the BOS", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("conv_0", "S1 S2", 1000, true);
    const t1 = await takeTurn(s, "q1", 4, tok);
    expect(t1).toEqual({ prompt: "S1 S2 q1", contextBefore: "S1 S2", promptTokens: 4 });
    await finishTurn(s, t1, " r1 r2", tok);
    // "S1 S2 q1" + " " + " r1 r2", past the system prompt, trimmed
    expect(s.history).toEqual(["q1  r1 r2"]);
    expect(s.context).toBe("S1 S2 q1  r1 r2");
    const t2 = await takeTurn(s, "q2", 4, tok);
    expect(t2.prompt).toBe("S1 S2 q1  r1 r2 q2");
    expect(t2.promptTokens).toBe(7);
    await finishTurn(s, t2, "r3", tok);
    expect(s.history).toEqual(["q1  r1 r2", "q2 r3"]);
  });

  it("over max_model_len − max_tokens − 200, the oldest turns go first, and stay gone", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("c", "S1 S2", lenFor(6, 2), true);
    s.history = ["q1 r1", "q2 r2"];
    s.context = "S1 S2 q1 r1 q2 r2";
    // all of it: BOS + 7 words = 8 > 6; without "q1 r1": BOS + 5 = 6
    const t = await takeTurn(s, "q3", 2, tok);
    expect(t).toEqual({ prompt: "S1 S2 q2 r2 q3", contextBefore: "S1 S2 q1 r1 q2 r2", promptTokens: 6 });
    expect(s.history).toEqual(["q2 r2"]);
    expect(s.context).toBe("S1 S2 q2 r2");
  });

  it("with no history left, the system prompt is cut to the tokens the input leaves (its BOS counts)", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("c", "S1 S2 S3 S4", lenFor(6, 2), true);
    s.history = ["q1 r1"];
    s.context = "S1 S2 S3 S4 q1 r1";
    // 9 > 6; without history 7 > 6; input [BOS q2 q3] = 3, room 6 − 3 = 3: [BOS S1 S2] → "S1 S2"
    const t = await takeTurn(s, "q2 q3", 2, tok);
    expect(t).toEqual({ prompt: "S1 S2 q2 q3", contextBefore: "S1 S2 S3 S4 q1 r1", promptTokens: 5 });
    expect(s.systemPrompt).toBe("S1 S2");
    expect(s.history).toEqual([]);
    // room 4 − 3 = 1 holds only the BOS: the system prompt is emptied
    const s2 = newBoundedSession("c", "S1 S2 S3 S4", lenFor(4, 2), true);
    expect((await takeTurn(s2, "q2 q3", 2, tok)).prompt).toBe("q2 q3");
    expect(s2.systemPrompt).toBe("");
  });

  it("when even the input does not fit, the system prompt is dropped and the input cut", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("c", "S1", lenFor(2, 2), true);
    // [BOS q1 q2 q3] = 4, room 2 − 4 < 0: input cut to [BOS q1]
    expect(await takeTurn(s, "q1 q2 q3", 2, tok)).toEqual({ prompt: "q1", contextBefore: "S1", promptTokens: 2 });
    expect(s.systemPrompt).toBe("");
  });

  it("after an answer, the oldest turns go while system + history exceed max_model_len", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("c", "S1 S2", 7, true);
    s.history = ["a b"];
    s.context = "S1 S2 a b";
    await finishTurn(s, { prompt: "S1 S2 a b c", contextBefore: "S1 S2 a b", promptTokens: null }, "d", tok);
    // history ["a b", "c d"]: 3 + 5 = 8 > 7; ["c d"]: 3 + 3 = 6
    expect(s.history).toEqual(["c d"]);
    expect(s.context).toBe("S1 S2 c d");
  });

  it("a failed turn adds nothing to the history", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("c", "S1", 1000, true);
    await finishTurn(s, await takeTurn(s, "q1", 4, tok), "r1", tok);
    await finishTurn(s, await takeTurn(s, "q2", 4, tok), null, tok);
    expect(s.history).toEqual(["q1 r1"]);
    expect((await takeTurn(s, "q3", 4, tok)).prompt).toBe("S1 q1 r1 q3");
  });

  it("a session made without a system prompt (0.7.0's re-primed slot) sends each input alone", async () => {
    const tok = wordTokenizer();
    const s = newBoundedSession("slot_0_convo_1", "SYS", 1000, false);
    const t1 = await takeTurn(s, "q1", 4, tok);
    expect(t1.prompt).toBe("q1");
    await finishTurn(s, t1, "r1", tok);
    expect((await takeTurn(s, "q2", 4, tok)).prompt).toBe("q2");
    expect(s.round).toBe(2);
  });
});
