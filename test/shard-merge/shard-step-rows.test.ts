import { describe, expect, it } from "vitest";
import { shardStepRows, skewWarnings, type ShardStepFacts } from "../../src/merge/shard-step-rows.ts";

const fact = (shard: number, share: number, start: number | null, end: number | null, cpu: number | null = null): ShardStepFacts => ({
  shard,
  share,
  measured: start !== null,
  partial: false,
  requests: share,
  startedAtMs: start,
  endedAtMs: end,
  clientCpuMs: cpu,
  scheduleDelayP50Ms: null,
  scheduleDelayP99Ms: null,
});

describe("shardStepRows", () => {
  it("computes client CPU % of the shard's window and skews among the shards with a share", () => {
    const rows = shardStepRows(8, [fact(0, 4, 1000, 3000, 500), fact(1, 4, 1040, 2900, 2000), fact(2, 0, 0, 0)]);
    expect(rows.map((r) => [r.step, r.clientCpuPct, r.startSkewMs, r.endSkewMs])).toEqual([
      [8, 25, 0, 0],
      [8, (100 * 2000) / 1860, 40, 100],
      [8, null, null, null],
    ]);
  });
  it("warns about a step whose shards started more than 5 % of its duration apart, naming the latest", () => {
    const rows = [...shardStepRows(4, [fact(0, 2, 0, 1000), fact(1, 2, 49, 1000)]), ...shardStepRows(8, [fact(0, 4, 0, 1000), fact(1, 4, 51, 1000), fact(2, 4, 60, 1000)])];
    const w = skewWarnings(rows, new Map([[4, 1000], [8, 1000]]));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^c=8: shard 2 started 60 ms after the first, 6\.0 % of the step's 1\.0 s/);
    expect(skewWarnings(rows, new Map([[8, 1000]]), (s) => `stage ${s}`)[0]).toMatch(/^stage 8: /);
  });
});
