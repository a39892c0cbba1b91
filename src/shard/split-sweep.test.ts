import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildSweepPlan, type SweepPlan } from "../workload/sweep-plan.ts";
import { sweepConfigSchema } from "../config/sweep-config.ts";
import { describeShardedSweepPlan, isIdleStep, shardSweepPlan, stepPromptRanges } from "./split-sweep.ts";
import { planId } from "./shard-spec.ts";

const planOf = (input: Record<string, unknown>): SweepPlan => buildSweepPlan(sweepConfigSchema.parse(input));
const shardsOf = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));

describe("shardSweepPlan", () => {
  it("splits each step's workers, prompts and warmup by hand", () => {
    const plan = planOf({ concurrency: [1, 6, 32], numPrompts: 48, warmup: 4 });
    const shards = shardsOf(4).map((s) => shardSweepPlan(plan, s));
    const at = (level: number) => shards.map((p) => p.steps.find((s) => s.level === level)!);
    expect(at(32).map((s) => [s.concurrency, s.numPrompts, s.warmup])).toEqual([
      [8, 12, 1],
      [8, 12, 1],
      [8, 12, 1],
      [8, 12, 1],
    ]);
    expect(at(1).map((s) => [s.concurrency, s.numPrompts, s.warmup, s.promptOffset, s.warmupOffset])).toEqual([
      [1, 48, 4, 4, 0],
      [0, 0, 0, 52, 4],
      [0, 0, 0, 52, 4],
      [0, 0, 0, 52, 4],
    ]);
    // 48 measured after 4 warmup; workers 2,2,1,1: measured 16,16,8,8 at 4,20,36,44; warmup 1,1,1,1 (quotas 1.33,1.33,.67,.67).
    expect(at(6).map((s) => [s.concurrency, s.numPrompts, s.promptOffset, s.warmup, s.warmupOffset])).toEqual([
      [2, 16, 4, 1, 0],
      [2, 16, 20, 1, 1],
      [1, 8, 36, 1, 2],
      [1, 8, 44, 1, 3],
    ]);
    expect(at(1).map(isIdleStep)).toEqual([false, true, true, true]);
    expect(shards.map((p) => p.totalRequests).reduce((a, b) => a + b)).toBe(plan.totalRequests);
  });

  it("keeps the unsharded plan, its id and the steps' prompt seeds", () => {
    const plan = planOf({ concurrency: [2, 4] });
    const sharded = shardSweepPlan(plan, { index: 1, count: 2 });
    expect(sharded.unsharded).toEqual(plan);
    expect(sharded.shard).toEqual({ index: 1, count: 2, planId: planId(plan) });
    expect(sharded.steps.map((s) => s.promptSeed)).toEqual(plan.steps.map((s) => s.promptSeed));
    // A snapshot: resolving the model on the sharded plan later does not change the unsharded one.
    sharded.target.model = "m";
    expect(sharded.unsharded.target.model).toBeNull();
  });

  it("gives one shard the unsharded plan", () => {
    const plan = planOf({ concurrency: [1, 3, 8], warmup: 2 });
    const one = shardSweepPlan(plan, { index: 0, count: 1 });
    expect(one.steps.map((s) => [s.concurrency, s.numPrompts, s.warmup])).toEqual(plan.steps.map((s) => [s.concurrency, s.numPrompts, s.warmup]));
    expect(one.steps.map(stepPromptRanges)).toEqual(plan.steps.map(stepPromptRanges));
  });

  it("sends, over the shards, every prompt of every step exactly once, warmup ones as warmup (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 16 }),
        fc.nat(20),
        fc.integer({ min: 1, max: 12 }),
        (levels, perStep, warmup, n) => {
          const plan = planOf({ concurrency: levels, promptsPerStep: perStep, minPrompts: 1, warmup });
          const shards = shardsOf(n).map((s) => shardSweepPlan(plan, s));
          plan.steps.forEach((step, k) => {
            const seen = new Array<string>(step.warmup + step.numPrompts).fill("");
            let workers = 0;
            for (const p of shards) {
              const s = p.steps[k]!;
              workers += s.concurrency;
              const r = stepPromptRanges(s);
              for (let i = r.warmup.first; i < r.warmup.first + r.warmup.count; i++) seen[i] += "w";
              for (let i = r.measured.first; i < r.measured.first + r.measured.count; i++) seen[i] += "m";
              if (s.concurrency === 0) expect(s.numPrompts + s.warmup).toBe(0);
            }
            expect(workers).toBe(step.concurrency);
            expect(seen).toEqual([...Array<string>(step.warmup).fill("w"), ...Array<string>(step.numPrompts).fill("m")]);
          });
        },
      ),
    );
  });
});

describe("describeShardedSweepPlan", () => {
  it("says what the shard sends and which steps it sits out", () => {
    const text = describeShardedSweepPlan(shardSweepPlan(planOf({ concurrency: [1, 6], numPrompts: 48 }), { index: 2, count: 4 }));
    expect(text).toContain("shard:    2/4 (0-based) of plan ");
    expect(text).toMatch(/c=1 +sends nothing \(c=1 < 4 shards: shard 0 runs its one worker\)/);
    expect(text).toMatch(/c=6 +1 of 6 workers, 8 of 48 requests \(prompts 32–39 of the step's 48\)/);
    expect(text).toContain("total:    8 of the plan's 96 requests");
  });
});
