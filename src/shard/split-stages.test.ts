import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { RequestSource, StagePlan } from "../scenarios/types.ts";
import { plannedRequestCount, stageOffsetsMs } from "../scenarios/load/stage-offsets.ts";
import { deriveSeed } from "../workload/rng.ts";
import { UsageError } from "../errors.ts";
import { isIdleStage, refuseShardedSweep, shardArrivalSeed, shardRequestIndex, shardRequestSource, shardStages, stageRequestIndex } from "./split-stages.ts";

const shardsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));
const trace = (offsets: number[]): StagePlan => ({ kind: "trace_replay", rate: 10, durationS: 1, offsetsMs: new Float64Array(offsets) });

describe("shardStages", () => {
  it("splits a rate stage's requests evenly, interleaved, at about R/N", () => {
    const stages: StagePlan[] = [{ kind: "poisson", rate: 10, durationS: 3 }];
    const shards = shardsOf(4).map((s) => shardStages(stages, 42, s)[0]!);
    // int(10·3) = 30 requests: 8, 8, 7, 7; shard i sends requests i, i+4, …
    expect(shards.map((s) => plannedRequestCount(s.plan))).toEqual([8, 8, 7, 7]);
    expect(shards.map((s) => s.plan.kind === "poisson" && s.plan.rate)).toEqual([8 / 3, 8 / 3, 7 / 3, 7 / 3]);
    expect(shards.map((s) => s.requests)).toEqual([0, 1, 2, 3].map((i) => ({ firstRequest: 0, phase: i, stride: 4, count: i < 2 ? 8 : 7 })));
    expect(stageRequestIndex(shards[3]!.requests, 2)).toBe(11);
  });

  it("gives each shard its own arrivals, seeded from the stage's seed and the shard", () => {
    const stages: StagePlan[] = [
      { kind: "constant", rate: 40, durationS: 2 },
      { kind: "constant", rate: 40, durationS: 2 },
    ];
    const seeds = shardsOf(4).map((s) => shardStages(stages, 7, s).map((x) => x.arrivalSeed));
    expect(seeds.map((s) => s[1])).toEqual(shardsOf(4).map((s) => shardArrivalSeed(deriveSeed(7, 1), s)));
    expect(new Set(seeds.flat()).size).toBe(8);
    const arrivals = shardsOf(4).map((s) => {
      const st = shardStages(stages, 7, s)[0]!;
      return Array.from(stageOffsetsMs(st.plan, st.arrivalSeed)!);
    });
    expect(arrivals[0]).not.toEqual(arrivals[1]);
    // One shard is the unsharded run, seeds included.
    expect(shardStages(stages, 7, { index: 0, count: 1 }).map((s) => s.arrivalSeed)).toEqual([deriveSeed(7, 0), deriveSeed(7, 1)]);
  });

  it("deals trace entries round-robin, keeping their due times", () => {
    const shards = shardsOf(3).map((s) => shardStages([trace([0, 10, 20, 30, 40, 50, 60])], 1, s)[0]!);
    expect(shards.map((s) => (s.plan.kind === "trace_replay" ? Array.from(s.plan.offsetsMs) : null))).toEqual([[0, 30, 60], [10, 40], [20, 50]]);
    expect(shards.map((s) => Array.from({ length: s.requests.count }, (_, k) => stageRequestIndex(s.requests, k)))).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
  });

  it("splits a concurrent stage's workers and requests, and idles the shards without a worker", () => {
    const shards = shardsOf(4).map((s) => shardStages([{ kind: "concurrent", concurrency: 6, numRequests: 48 }], 1, s)[0]!);
    expect(shards.map((s) => s.plan)).toEqual([
      { kind: "concurrent", concurrency: 2, numRequests: 16 },
      { kind: "concurrent", concurrency: 2, numRequests: 16 },
      { kind: "concurrent", concurrency: 1, numRequests: 8 },
      { kind: "concurrent", concurrency: 1, numRequests: 8 },
    ]);
    expect(shards.map((s) => [s.requests.phase, s.requests.stride])).toEqual([
      [0, 1],
      [16, 1],
      [32, 1],
      [40, 1],
    ]);
    const one = shardsOf(4).map((s) => shardStages([{ kind: "concurrent", concurrency: 1, numRequests: 10 }], 1, s)[0]!);
    expect(one.map(isIdleStage)).toEqual([false, true, true, true]);
  });

  it("sends over the shards exactly the unsharded requests, each once (property)", () => {
    const stage = fc.oneof(
      fc.record({ kind: fc.constantFrom("constant" as const, "poisson" as const), rate: fc.double({ min: 0.1, max: 200, noNaN: true }), durationS: fc.double({ min: 0, max: 20, noNaN: true }) }),
      fc.record({ kind: fc.constant("concurrent" as const), concurrency: fc.integer({ min: 1, max: 64 }), numRequests: fc.integer({ min: 1, max: 500 }) }),
      fc.array(fc.nat(100_000), { maxLength: 200 }).map((o) => trace(o.sort((a, b) => a - b))),
    );
    fc.assert(
      fc.property(fc.array(stage, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 16 }), (stages, n) => {
        const total = stages.reduce((t, s) => t + plannedRequestCount(s), 0);
        const seen = new Uint8Array(total);
        const sharded = shardsOf(n).map((s) => shardStages(stages, 3, s));
        stages.forEach((plan, i) => {
          let due: number[] = [];
          for (const shard of sharded) {
            const st = shard[i]!;
            expect(plannedRequestCount(st.plan)).toBe(st.requests.count);
            for (let k = 0; k < st.requests.count; k++) seen[stageRequestIndex(st.requests, k)]!++;
            if (st.plan.kind === "trace_replay") due = due.concat(Array.from(st.plan.offsetsMs));
          }
          if (plan.kind === "trace_replay") expect(due.sort((a, b) => a - b)).toEqual(Array.from(plan.offsetsMs));
        });
        expect(Array.from(seen).every((c) => c === 1)).toBe(true);
      }),
    );
  });
});

describe("shardRequestIndex and shardRequestSource", () => {
  it("interleaves: local k of shard i is k·N + i", () => {
    expect([0, 1, 2].map((k) => shardRequestIndex(k, { index: 2, count: 4 }))).toEqual([2, 6, 10]);
  });
  it("maps the engine's run-wide local index through the stages", () => {
    const source: RequestSource = { request: (i) => ({ body: String(i), plannedPromptTokens: 1, plannedOutputTokens: null }), describe: () => "ids" };
    const stages: StagePlan[] = [
      { kind: "constant", rate: 5, durationS: 1 },
      { kind: "concurrent", concurrency: 2, numRequests: 4 },
    ];
    const shard = shardStages(stages, 1, { index: 1, count: 2 });
    const s = shardRequestSource(source, shard);
    // Stage 0: 5 requests, shard 1 sends 1 and 3; stage 1 (from 5): workers 1,1, requests 2,2, shard 1 sends 7 and 8.
    expect([0, 1, 2, 3].map((i) => s.request(i).body)).toEqual(["1", "3", "7", "8"]);
    expect(() => s.request(4)).toThrow(RangeError);
    expect(s.describe()).toBe("ids");
  });
});

describe("refuseShardedSweep", () => {
  it("refuses a load.sweep config with --shard, naming the flag and the way out", () => {
    expect(() => refuseShardedSweep(true, { index: 0, count: 2 })).toThrow(UsageError);
    expect(() => refuseShardedSweep(true, { index: 0, count: 2 })).toThrow(/--shard 0\/2: a config with load.sweep cannot be sharded/);
    expect(() => refuseShardedSweep(true, undefined)).not.toThrow();
    expect(() => refuseShardedSweep(false, { index: 0, count: 2 })).not.toThrow();
  });
});
