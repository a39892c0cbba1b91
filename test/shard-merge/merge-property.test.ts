/** Merge of parts equals the whole: any split of a step's records over shards merges into the one-state summary. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkShardSet } from "../../src/merge/check-shard-set.ts";
import { mergeSweepShardSet } from "../../src/merge/merge-sweep-shards.ts";
import type { SweepShardDir } from "../../src/merge/read-shard-dir.ts";
import { summarizeStepState } from "../../src/metrics/step-state.ts";
import { stepStateFromJson, stepStateToJson } from "../../src/metrics/step-state-json.ts";
import { buildSweepPlan } from "../../src/workload/sweep-plan.ts";
import { shardSweepPlan } from "../../src/shard/split-sweep.ts";
import { configOf, failedRecord, okRecord, stateOf, T0, type ShardStepInput } from "./shard-dir-fixture.ts";

const record = fc.record({
  ok: fc.boolean(),
  sendMs: fc.integer({ min: 0, max: 5000 }),
  ttft: fc.double({ min: 0.1, max: 500, noNaN: true }),
  gap: fc.double({ min: 0, max: 50, noNaN: true }),
  tokens: fc.integer({ min: 1, max: 12 }),
});

describe("mergeSweepShardSet", () => {
  it("gives every step the summary of one state over all the shards' records (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.tuple(record, fc.nat(3), fc.nat(1000)), { minLength: 1, maxLength: 40 }), (count, rows) => {
        const config = configOf({ concurrency: [4], numPrompts: 8 });
        const plan = buildSweepPlan(config);
        const perShard: ShardStepInput[] = Array.from({ length: count }, (_, i) => ({ epochOffsetMs: T0 + 7 * i, startMs: 0, endMs: 6000, clientCpuMs: 10, records: [] }));
        rows.forEach(([r, shard, skew], i) => {
          const s = perShard[shard % count]!;
          s.records.push(r.ok ? okRecord(i, r.sendMs, r.ttft, r.gap, r.tokens) : failedRecord(i, r.sendMs));
          s.startMs = Math.min(s.startMs, -skew);
        });
        const target = { model: "m", serverVersion: null, tokenizer: "t" };
        const shards: SweepShardDir[] = perShard.map((s, index) => ({
          kind: "sweep",
          dir: `shard-${index}`,
          index,
          count,
          planId: shardSweepPlan(plan, { index, count }).shard.planId,
          startAtEpochMs: T0,
          plan,
          config: { ...config, shard: { index, count } } as unknown as Record<string, unknown>,
          target,
          summary: { shard: { index, count, planId: "x" }, steps: [{ concurrency: 4 }] },
          // Through JSON, as the files carry them.
          states: new Map([[4, stepStateFromJson(JSON.parse(JSON.stringify(stepStateToJson(stateOf([s])))), "state")]]),
        }));
        const merged = mergeSweepShardSet(checkShardSet(shards), "out/merged");
        const whole = summarizeStepState(stateOf(perShard), {
          backend: "kneepoint-native",
          endpointType: "openai",
          label: "c4",
          modelId: "m",
          tokenizerId: "t",
          numPrompts: 8,
          requestRate: "inf",
          burstiness: 1,
          maxConcurrency: 4,
          percentiles: config.percentiles,
        });
        expect(merged.steps[0]!.result).toEqual(whole);
        expect(merged.shardRows.map((r) => r.requests)).toEqual(perShard.map((s) => s.records.length));
      }),
      { numRuns: 60 },
    );
  });
});
