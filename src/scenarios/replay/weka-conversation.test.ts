import { describe, expect, it } from "vitest";
import { firstTurn, longestCommonPrefix, nextTurn, truncateAtBlock, type RoleSegment } from "./weka-conversation.ts";
import { wekaBlockTokens, type WekaBlockTokens } from "./weka-block-tokens.ts";
import { idleGapWarp, packIntoStreams, subagentRequestT } from "./weka-timing.ts";

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

/** Block h is h·100 … h·100+3 (bs 4); a tail of n is 9000 … 9000+n−1, its seeds recorded. */
function fakeTokens(seeds: string[]): WekaBlockTokens {
  return {
    blocks: (hs) => hs.flatMap((h) => range(h * 100, 4)),
    tail: (n, seed) => {
      seeds.push(seed);
      return range(9000, n);
    },
  };
}

const view = (segs: RoleSegment[]) => segs.map((s) => ({ role: s.role, blocks: s.blockCount, tokens: s.tokens }));

describe("Weka conversation rebuild (0.7.0 ConversationReconstructor)", () => {
  it("first call: tool+system tokens as whole system blocks, the rest a user segment with its partial tail", () => {
    const seeds: string[] = [];
    const segs = firstTurn(fakeTokens(seeds), 4, { hashIds: [1, 2, 3], inTokens: 14, outTokens: 5 }, 3, 2, "s0");
    // ceil((3+2)/4) = 2 system blocks; 14 = 3 blocks + 2 tail tokens
    expect(view(segs)).toEqual([
      { role: "system", blocks: 2, tokens: [...range(100, 4), ...range(200, 4)] },
      { role: "user", blocks: 1, tokens: [...range(300, 4), 9000, 9001] },
    ]);
    expect(seeds).toEqual(["s0"]);
  });

  it("first call with fewer hashes than its input's blocks fills the missing blocks from the tail", () => {
    // in 10 = 2 full blocks + 2; one hash: 4 missing + 2 partial = 6 tail tokens
    expect(view(firstTurn(fakeTokens([]), 4, { hashIds: [1], inTokens: 10, outTokens: 0 }, 0, 0, "s"))).toEqual([{ role: "user", blocks: 1, tokens: [...range(100, 4), ...range(9000, 6)] }]);
  });

  it("next call: keeps the shared blocks (dropping the previous partial tail), then the previous output's blocks as assistant, the rest as user", () => {
    const src = fakeTokens([]);
    const t0 = { hashIds: [1, 2, 3], inTokens: 14, outTokens: 5 };
    const t1 = { hashIds: [1, 2, 3, 4, 5, 6], inTokens: 26, outTokens: 1 };
    const s0 = firstTurn(src, 4, t0, 3, 2, "s0");
    const s1 = nextTurn(src, 4, s0, t0, t1, "s1");
    // lcp 3; the user segment loses its 2 tail tokens; ceil(5/4) = 2 assistant blocks of the 3 new ones
    expect(view(s1)).toEqual([
      { role: "system", blocks: 2, tokens: [...range(100, 4), ...range(200, 4)] },
      { role: "user", blocks: 1, tokens: range(300, 4) },
      { role: "assistant", blocks: 2, tokens: [...range(400, 4), ...range(500, 4)] },
      { role: "user", blocks: 1, tokens: [...range(600, 4), 9000, 9001] },
    ]);
    expect(view(s0)[1]!.tokens).toHaveLength(6); // the previous call's segments are not changed
    // a branch back to block 2: the cut falls at the system segment's end, which (as in 0.7.0) loses the previous
    // call's partial-tail count (26 % 4 = 2) of tokens; the one new block is all assistant (ceil(1/4) = 1)
    const s2 = nextTurn(src, 4, s1, t1, { hashIds: [1, 2, 7], inTokens: 12, outTokens: 0 }, "s2");
    expect(view(s2)).toEqual([
      { role: "system", blocks: 2, tokens: [...range(100, 4), 200, 201] },
      { role: "assistant", blocks: 1, tokens: range(700, 4) },
    ]);
  });

  it("truncateAtBlock cuts inside a segment to whole blocks", () => {
    const segs: RoleSegment[] = [
      { role: "system", blockStart: 0, blockCount: 2, tokens: range(0, 8) },
      { role: "user", blockStart: 2, blockCount: 3, tokens: range(8, 12) },
    ];
    truncateAtBlock(segs, 3, 4, 2);
    expect(view(segs)).toEqual([
      { role: "system", blocks: 2, tokens: range(0, 8) },
      { role: "user", blocks: 1, tokens: range(8, 4) },
    ]);
    truncateAtBlock(segs, 0, 4, 0);
    expect(segs).toEqual([]);
    expect(longestCommonPrefix([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(longestCommonPrefix([1, 2], [1, 2, 4])).toBe(2);
  });
});

describe("Weka block tokens (0.7.0 HashIdRandomGenerator over the corpus)", () => {
  const corpus = range(0, 100);
  it("a block hash starts at Python random.Random(sha256('<seed>:<trace>:<hash>')[:8]).randrange(len), wrapping once", () => {
    // python3: int.from_bytes(sha256(b"42:t1:7").digest()[:8], "big") = 13248473742004614651; Random(that).randrange(100) = 59
    expect(wekaBlockTokens(corpus, 42, "t1", 4).blocks([7, 7])).toEqual([59, 60, 61, 62, 59, 60, 61, 62]);
    expect(wekaBlockTokens(corpus, 42, "t1", 50).blocks([7])).toEqual([...range(59, 41), ...range(0, 9)]);
  });
  it("a tail of n starts at sha256(seed)[:8] mod (len − n), without wrapping", () => {
    // python3: int.from_bytes(sha256(b"seed-x").digest()[:8], "big") % 95 = 84
    expect(wekaBlockTokens(corpus, 42, "t1", 4).tail(5, "seed-x")).toEqual(range(84, 5));
    expect(wekaBlockTokens(corpus, 42, "t1", 4).tail(0, "seed-x")).toEqual([]);
  });
});

describe("Weka timing (0.7.0 _IdleGapTimeWarp, _pack_into_streams)", () => {
  it("shortens every gap between call starts longer than the cap to the cap", () => {
    const warp = idleGapWarp([100, 0, 105, 10], 30);
    // the 10 → 100 gap (90 s) becomes 30 s: later times move 60 s earlier; inside it, time stops after 30 s
    expect([0, 10, 25, 50, 100, 105].map(warp)).toEqual([0, 10, 25, 40, 40, 45]);
  });
  it("packs a sub-agent's calls into streams: the first stream whose last call has ended", () => {
    const r = (t: number, api: number) => ({ t, type: "n" as const, model: "m", in: 1, out: 1, hash_ids: [], api_time: api, think_time: null });
    const streams = packIntoStreams([r(2, 1), r(0, 2), r(2.5, 0), r(1, 1)]);
    expect(streams.map((s) => s.map((x) => x.t))).toEqual([[0, 2], [1, 2.5]]);
    const sa = { t: 100, type: "subagent" as const, agent_id: "a", subagent_type: "x", duration_ms: null, requests: [], tool_tokens: 0, system_tokens: 0 };
    expect(subagentRequestT(sa, r(5, 0))).toBe(105);
    expect(subagentRequestT(sa, r(101, 0))).toBe(101);
  });
});
