import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { checkShardSet, type ShardIdentity } from "../../src/merge/check-shard-set.ts";
import { describeDifference, firstDifferences } from "../../src/merge/first-differences.ts";

const plan = { kind: "closed-loop-sweep", steps: [{ concurrency: 4, numPrompts: 32 }], load: { seed: 42 } };
const config = { concurrency: [4], seed: 42, out: "a", shard: { index: 0, count: 2 } };
const shard = (dir: string, index: number, over: Partial<ShardIdentity> = {}): ShardIdentity => ({
  dir,
  index,
  count: 2,
  planId: "p1",
  startAtEpochMs: 1000,
  plan,
  config: { ...config, out: dir, shard: { index, count: 2 } },
  ...over,
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return `${(err as UsageError).message} | hint: ${(err as UsageError).hint}`;
  }
  throw new Error("expected a refusal");
}

describe("checkShardSet", () => {
  it("accepts the shards of one plan, sorted by index", () => {
    const set = checkShardSet([shard("s1", 1), shard("s0", 0)]);
    expect(set.shards.map((s) => s.dir)).toEqual(["s0", "s1"]);
    expect(set).toMatchObject({ count: 2, planId: "p1", missing: [], warnings: [] });
  });

  it("refuses shards of different plans, naming the dirs and the first fields that differ", () => {
    const other = { ...plan, steps: [{ concurrency: 4, numPrompts: 64 }] };
    const msg = refusal(() => checkShardSet([shard("a/0", 0), shard("b/1", 1, { planId: "p2", plan: other, config: { ...config, seed: 7 } })]));
    expect(msg).toContain("cannot merge shards of different plans: a/0 (plan p1) and b/1 (plan p2)");
    expect(msg).toContain("plan.json steps[0].numPrompts: 32 in a/0, 64 in b/1");
    expect(msg).toContain("config.json seed: 42 in a/0, 7 in b/1");
    expect(msg).not.toContain("config.json out");
    expect(msg).toContain("hint: pass the directories of one sharded run");
  });

  it("says when nothing visible differs between two plan ids", () => {
    expect(refusal(() => checkShardSet([shard("a", 0), shard("b", 1, { planId: "p2" })]))).toContain("different kneepoint versions");
  });

  it("refuses different shard counts, duplicates and missing shards", () => {
    expect(refusal(() => checkShardSet([shard("a", 0), shard("b", 1, { count: 4 })]))).toMatch(/different shard counts: a \(0\/2\) vs b \(1\/4\)/);
    expect(refusal(() => checkShardSet([shard("a", 0), shard("b", 0), shard("c", 1)]))).toMatch(/shard 0\/2 is given twice: a and b \| hint: pass each shard's directory once/);
    const four = (i: number) => shard(`d${i}`, i, { count: 4 });
    expect(refusal(() => checkShardSet([four(0), four(2)]))).toMatch(/missing shards 1, 3 of 4: .*hint: pass their directories too, or --allow-missing/);
    expect(refusal(() => checkShardSet([]))).toMatch(/no shard directories/);
  });

  it("merges with missing shards when allowed, and says the run is partial", () => {
    const set = checkShardSet([shard("a", 1)], { allowMissing: true });
    expect(set.missing).toEqual([0]);
    expect(set.warnings.join()).toMatch(/shard 0 of 2 missing \(--allow-missing\): the run is partial/);
  });

  it("warns when the shards were given different start times", () => {
    const set = checkShardSet([shard("a", 0), shard("b", 1, { startAtEpochMs: null })]);
    expect(set.warnings[0]).toMatch(/different --start-at times \(1970-01-01T00:00:01.000Z, none\)/);
  });
});

describe("firstDifferences", () => {
  it("lists differing leaves in document order, up to a limit", () => {
    const d = firstDifferences({ a: 1, b: [1, 2, 3], c: { d: "x" } }, { a: 1, b: [1, 5], c: { d: "y" }, e: true }, { limit: 10 });
    expect(d.map((x) => describeDifference(x, "A", "B"))).toEqual(["b[1]: 2 in A, 5 in B", "b[2]: 3 in A, (absent) in B", 'c.d: "x" in A, "y" in B', "e: (absent) in A, true in B"]);
    expect(firstDifferences({ a: 1, b: 2 }, { a: 2, b: 3 }, { limit: 1 })).toHaveLength(1);
  });
});
