/**
 * The router's scorers and pickers by hand (fake replicas), then 4 real simulator replicas behind it: the precise
 * prefix router keeps each shared prefix on one replica, whose prefix cache then hits.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { GenerationRequest } from "./openai-request.ts";
import { promptBlockHashes } from "./prefix-hashes.ts";
import { APPROX_HASH_BLOCK_BYTES, APPROX_MAX_PREFIX_BLOCKS, ApproxPrefixIndex, approxPromptHashes } from "./approx-prefix-index.ts";
import { createRouter, preciseScores, queueScores, type RoutedReplica } from "./router.ts";
import { startSimulator, type RunningSimulator } from "./server.ts";

const request = (ids: number[], lora: string | null = null): GenerationRequest => ({
  kind: "completion",
  promptTokens: ids.length,
  promptIds: ids,
  promptKey: ids.join(","),
  maxTokens: 1,
  ignoreEos: true,
  stream: false,
  includeUsage: false,
  model: "m",
  lora,
  responseFormat: null,
  toolCall: null,
});
const ids = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => offset + i);
const replica = (waiting: number, kv: number, cached: (h: readonly string[]) => number = () => 0): RoutedReplica => ({ waiting: () => waiting, kvUsage: () => kv, cachedPrefixBlocks: cached });

describe("router scorers and pickers", () => {
  it("queue-scorer: 1 for the shortest queue, 0 for the longest, linear between; 1 for all when equal", () => {
    expect(queueScores([0, 5, 10])).toEqual([1, 0.5, 0]);
    expect(queueScores([3, 3])).toEqual([1, 1]);
  });

  it("load: queue (1) + KV (1) picks the emptier replica", () => {
    // scores: r0 = 0 + (1 − 0.2) = 0.8; r1 = 1 + (1 − 0.5) = 1.5; r2 = 0.5 + (1 − 0.9) = 0.6
    const r = createRouter([replica(4, 0.2), replica(0, 0.5), replica(2, 0.9)], "load", { seed: 1, blockSize: 16 });
    expect(r.pick(request(ids(64)))).toBe(1);
  });

  it("prefix-precise: the prefix scorer (2) reads each replica's cache and outweighs a longer queue", () => {
    const hashes = promptBlockHashes(ids(64), 16, null); // 4 blocks
    const holds = (n: number) => (h: readonly string[]) => (h[0] === hashes[0] ? n : 0);
    // r0: queue 1 (score 0), kv 0.5 → 0.5 + 2·4/4 = 2.5; r1: queue 0 (score 1), kv 0.5 → 1.5 + 0 = 1.5
    const r = createRouter([replica(1, 0.5, holds(4)), replica(0, 0.5)], "prefix-precise", { seed: 1, blockSize: 16 });
    expect(r.pick(request(ids(64)))).toBe(0);
    // Another prompt: no replica holds it, the shorter queue wins.
    expect(r.pick(request(ids(64, 1000)))).toBe(1);
  });

  it("prefix-precise: llm-d's min-max normalisation over the replicas holding a block; none held → 0", () => {
    expect(preciseScores([0, 5, 10, 10])).toEqual([0, 0, 1, 1]);
    expect(preciseScores([0, 5, 7.5, 10])).toEqual([0, 0, 0.5, 1]);
    expect(preciseScores([0, 7, 0, 0])).toEqual([0, 1, 0, 0]);
    expect(preciseScores([4, 4])).toEqual([1, 1]);
    expect(preciseScores([0, 0])).toEqual([0, 0]);
  });

  it("approximate hashes are GIE's: the model, then full 64-byte blocks of the first 16,384 bytes", () => {
    expect(approxPromptHashes("x".repeat(63), "m")).toEqual([]);
    const h = approxPromptHashes("x".repeat(130), "m"); // 2 full blocks; the last 2 bytes are not hashed
    expect(h).toHaveLength(3);
    expect(approxPromptHashes("x".repeat(128) + "yy", "m")).toEqual(h);
    expect(approxPromptHashes("x".repeat(130), "other-model")[1]).not.toBe(h[1]); // chained to the model's hash
    const long = "ab".repeat(9000); // 18,000 bytes: cut to 256 blocks
    expect(approxPromptHashes(long, "m")).toHaveLength(257);
    expect(approxPromptHashes(long + " a different question", "m")).toEqual(approxPromptHashes(long, "m"));
    expect(APPROX_HASH_BLOCK_BYTES * APPROX_MAX_PREFIX_BLOCKS).toBe(16_384);
  });

  it("the approximate index forgets a replica's oldest hashes past its LRU capacity, and stops at the first unknown hash", () => {
    const index = new ApproxPrefixIndex(2, 3);
    index.add(["a", "b", "c"], 0);
    index.add(["a", "b"], 1);
    expect(index.matches(["a", "b", "c", "z"])).toEqual([3, 2]);
    index.add(["d"], 0); // r0 holds a, b, c: a is its least recently added, so it goes
    expect(index.size(0)).toBe(3);
    expect(index.matches(["a", "b", "c"])).toEqual([2, 2]); // "a" still known (r1): r0 counts b and c
    index.add(["e", "f", "g"], 1); // r1 forgets a and b
    expect(index.matches(["a", "b", "c"])).toEqual([0, 0]);
  });

  it("prefix-approx: a prompt whose first 16 KB it routed before goes back there, even to the busiest replica", () => {
    const state = [0, 1, 2, 3].map(() => ({ waiting: 0, kv: 0 }));
    const live = state.map((s): RoutedReplica => ({ waiting: () => s.waiting, kvUsage: () => s.kv, cachedPrefixBlocks: () => 0 }));
    const r = createRouter(live, "prefix-approx", { seed: 7, blockSize: 16 });
    const shared = "system prompt ".repeat(1200); // 16,800 bytes: the question comes after the 16,384 hashed
    const first = r.pick({ ...request(ids(16)), promptKey: `${shared} question 0` });
    Object.assign(state[first]!, { waiting: 10, kv: 0.9 });
    // first: queue 0 + KV (1 − 0.9) + prefix 2 · 257/257 = 2.1; every other: queue 1 + KV 1 + prefix 0 = 2
    expect(r.pick({ ...request(ids(16)), promptKey: `${shared} question 1` })).toBe(first);
    // A new group shares only the model's hash (block 0) with `first`: 0.1 + 2 · 1/257 < 2, so load decides.
    expect(r.pick({ ...request(ids(16)), promptKey: "another system prompt ".repeat(800) })).not.toBe(first);
  });

  it("random: every replica gets a share, the same on every run with the same seed", () => {
    const picks = (seed: number) => {
      const r = createRouter([replica(0, 0), replica(0, 0), replica(0, 0), replica(0, 0)], "random", { seed, blockSize: 16 });
      for (let k = 0; k < 400; k++) r.pick(request(ids(16)));
      return r.counts();
    };
    const a = picks(3);
    expect(a.reduce((x, y) => x + y)).toBe(400);
    for (const n of a) expect(n).toBeGreaterThan(60);
    expect(picks(3)).toEqual(a);
  });
});

describe("kneepoint sim --replicas 4 --router prefix-precise --enable-prefix-caching", () => {
  let sim: RunningSimulator;
  afterAll(async () => {
    await sim?.close();
  });

  it("keeps each shared prefix on one replica, whose cache then hits; the router's /metrics names the replicas'", async () => {
    sim = await startSimulator({ port: 0, replicas: 4, router: "prefix-precise", enablePrefixCaching: true, speedup: 50 });
    expect(sim.replicaUrls).toHaveLength(4);
    const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");
    const send = (prompt: string) =>
      fetch(`${sim.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "meta-llama/Llama-3.1-8B-Instruct", prompt, max_tokens: 2 }) }).then((r) => r.json());
    // Two groups of three requests each, one at a time: 400 shared words, then a different question.
    for (let k = 0; k < 3; k++) {
      await send(`${words("alpha", 400)} question ${k}`);
      await send(`${words("beta", 400)} question ${k}`);
    }
    expect(sim.routedCounts!().reduce((a, b) => a + b)).toBe(6);
    const hits = await Promise.all(
      sim.replicaUrls!.map(async (u) => {
        const text = await (await fetch(`${u}/metrics`)).text();
        return Number(/^vllm:prefix_cache_hits_total\{[^}]*\} (\S+)$/m.exec(text)![1]);
      }),
    );
    // Each group's 2nd and 3rd request hit its replica's cache: two replicas with hits, the others none.
    expect(hits.filter((h) => h > 0)).toHaveLength(2);
    expect(sim.routedCounts!().filter((n) => n > 0)).toHaveLength(2);
    const front = await fetch(`${sim.url}/metrics`);
    expect(front.status).toBe(404);
    expect(((await front.json()) as { replicas: string[] }).replicas).toEqual(sim.replicaUrls!.map((u) => `${u}/metrics`));
  });
});
