import { describe, expect, it } from "vitest";
import type { WekaBlockTokens } from "./weka-block-tokens.ts";
import { parseWekaTrace } from "./weka-trace-format.ts";
import { wekaTokenCalls } from "./weka-token-calls.ts";

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

describe("wekaTokenCalls (0.7.0 _reconstruct_raw_calls)", () => {
  it("rebuilds the main agent and a sub-agent stream as calls sorted by start, idle gaps capped", () => {
    const seeds: string[] = [];
    const src: WekaBlockTokens = { blocks: (hs) => hs.flatMap((h) => range(h * 100, 4)), tail: (n, s) => (seeds.push(s), range(9000, n)) };
    const trace = parseWekaTrace({
      id: "t1",
      models: ["m"],
      block_size: 4,
      requests: [
        { t: 0, type: "n", model: "m", in: 8, out: 4, hash_ids: [1, 2], api_time: 1 },
        { t: 100, type: "s", model: "m", in: 16, out: 2, hash_ids: [1, 2, 3, 4], api_time: 0.5 },
        { t: 2, type: "subagent", agent_id: "a", subagent_type: "x", requests: [{ t: 0.5, type: "n", model: "m", in: 4, out: 1, hash_ids: [5], api_time: 0.2 }] },
      ],
    });
    const calls = wekaTokenCalls(trace, (bs) => (expect(bs).toBe(4), src), { defaultBlockSize: 64, idleGapCapS: 60, modelMap: { m: "served" } });
    // starts 0, 2.5 (the sub-agent's t 0.5 is relative to its t 2), 100 → the 97.5 s gap is capped to 60 s: 62.5
    expect(calls.map((c) => [c.callId, c.tStartMs, c.tEndMs])).toEqual([
      ["parent_turn_0", 0, 1000],
      ["sa_a_s0_turn_0", 2500, 2700],
      ["parent_turn_1", 62500, 63000],
    ]);
    const [p0, sa, p1] = calls;
    expect(p0!.messages).toEqual([{ role: "user", tokens: [...range(100, 4), ...range(200, 4)] }]);
    // its expected output: the assistant block the next call appends (ceil(4/4) = 1 block)
    expect(p0!.outTokens).toEqual(range(300, 4));
    expect(p1!.messages.map((m) => [m.role, m.tokens[0]])).toEqual([["user", 100], ["assistant", 300], ["user", 400]]);
    expect(p1!.outTokens).toEqual([9000, 9001]);
    expect(sa!.messages).toEqual([{ role: "user", tokens: range(500, 4) }]);
    expect(sa!.outTokens).toEqual([9000]);
    expect([p0!.model, p0!.promptTokens, p0!.completionTokens]).toEqual(["served", 8, 4]);
    expect(seeds).toContain("t1:final_parent_turn_completion");
    expect(seeds).toContain("t1::sa:a:final_turn_completion");
  });

  it("two sub-agents with one agent_id share 0.7.0's timing keys: the later one's times win where both have a call k", () => {
    const src: WekaBlockTokens = { blocks: (hs) => hs.flatMap((h) => range(h * 100, 4)), tail: (n) => range(9000, n) };
    const r = (t: number) => ({ t, type: "n", model: "m", in: 4, out: 1, api_time: 0.1 });
    const trace = parseWekaTrace({
      id: "T",
      models: [],
      block_size: 4,
      requests: [
        { t: 1, type: "subagent", agent_id: "x", subagent_type: "a", requests: [r(1.1), r(1.5)] },
        { t: 5, type: "subagent", agent_id: "x", subagent_type: "b", requests: [r(5.2)] },
      ],
    });
    const calls = wekaTokenCalls(trace, () => src, { defaultBlockSize: 4, idleGapCapS: 0, modelMap: {} });
    // both are session T::sa:x: (T::sa:x, 0) is 5.2 s for both first calls, (T::sa:x, 1) stays the first's 1.5 s
    // (what 0.7.0's _reconstruct_raw_calls gives for this trace)
    expect(calls.map((c) => [c.callId, c.tStartMs])).toEqual([
      ["sa_x_s0_turn_1", 1500],
      ["sa_x_s0_turn_0", 5200],
      ["sa_x_s0_turn_0", 5200],
    ]);
  });

  it("with trace_idle_gap_cap_seconds 0 keeps the recorded times", () => {
    const src: WekaBlockTokens = { blocks: (hs) => hs.flatMap((h) => range(h * 100, 4)), tail: (n) => range(9000, n) };
    const trace = parseWekaTrace({ id: "t", models: [], block_size: 0, requests: [{ t: 0, type: "n", model: "m", in: 4, out: 1 }, { t: 500.25, type: "n", model: "m", in: 4, out: 1 }] });
    let used = 0;
    const calls = wekaTokenCalls(trace, (bs) => ((used = bs), src), { defaultBlockSize: 16, idleGapCapS: 0, modelMap: {} });
    expect(used).toBe(16); // block_size 0 → default_block_size
    expect(calls.map((c) => c.tStartMs)).toEqual([0, 500250]);
  });
});
