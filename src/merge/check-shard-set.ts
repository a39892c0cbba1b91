/**
 * Whether a set of shard result directories makes one run: the same shard count, the same plan (planId), each
 * index once, and every index present (or `allowMissing`). Every refusal names the directories and what to do.
 * Pure: the directories have been read already (read-shard-dir.ts).
 */
import { UsageError } from "../errors.ts";
import { describeDifference, firstDifferences } from "./first-differences.ts";

export interface ShardIdentity {
  dir: string;
  index: number;
  count: number;
  planId: string;
  startAtEpochMs: number | null;
  /** The unsharded plan (plan.json's `unsharded`, or plan.json itself). */
  plan: unknown;
  /** config.json, or null when the directory has none. */
  config: unknown;
}

export interface ShardSet<S extends ShardIdentity> {
  count: number;
  planId: string;
  /** Present shards, by index. */
  shards: S[];
  /** Indexes with no directory (only with allowMissing). */
  missing: number[];
  warnings: string[];
}

/** Config keys that differ between shards of one plan by design. */
const PER_SHARD_CONFIG_KEYS = ["out", "shard", "startAtEpochMs", "dryRun", "output", "storage"];

const SAME_RUN_HINT = "pass the directories of one sharded run: every shard started with the same config, flags and seed and --shard i/N with the same N";

function listIndexes(xs: readonly number[]): string {
  return xs.join(", ");
}

function planRefusal(a: ShardIdentity[], b: ShardIdentity[]): UsageError {
  const nameA = a.map((s) => s.dir).join(", ");
  const nameB = b.map((s) => s.dir).join(", ");
  const [x, y] = [a[0]!, b[0]!];
  const lines = [
    ...firstDifferences(x.plan, y.plan, { limit: 3 }).map((d) => `plan.json ${describeDifference(d, x.dir, y.dir)}`),
    ...firstDifferences(x.config, y.config, { limit: 3, ignore: PER_SHARD_CONFIG_KEYS }).map((d) => `config.json ${describeDifference(d, x.dir, y.dir)}`),
  ].slice(0, 4);
  const why = lines.length
    ? lines.join("; ")
    : "no field of plan.json or config.json differs: the shards were probably planned by different kneepoint versions (compare target.json's harnessVersion)";
  return new UsageError(`cannot merge shards of different plans: ${nameA} (plan ${x.planId}) and ${nameB} (plan ${y.planId}): ${why}`, SAME_RUN_HINT);
}

export function checkShardSet<S extends ShardIdentity>(shards: readonly S[], opts: { allowMissing?: boolean } = {}): ShardSet<S> {
  if (shards.length === 0) throw new UsageError("no shard directories to merge", "kneepoint merge OUT DIR… (the result directories of `kneepoint sweep --shard i/N`)");
  const counts = [...new Set(shards.map((s) => s.count))];
  if (counts.length > 1) {
    const byCount = counts.map((n) => `${shards.filter((s) => s.count === n).map((s) => `${s.dir} (${s.index}/${n})`).join(", ")}`);
    throw new UsageError(`cannot merge shards of different shard counts: ${byCount.join(" vs ")}`, SAME_RUN_HINT);
  }
  const count = counts[0]!;

  const byPlan = new Map<string, S[]>();
  for (const s of shards) byPlan.set(s.planId, [...(byPlan.get(s.planId) ?? []), s]);
  if (byPlan.size > 1) {
    const [a, b] = [...byPlan.values()];
    throw planRefusal(a!, b!);
  }

  const byIndex = new Map<number, S[]>();
  for (const s of shards) byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), s]);
  const duplicates = [...byIndex.entries()].filter(([, xs]) => xs.length > 1).sort((a, b) => a[0] - b[0]);
  if (duplicates.length > 0) {
    const [index, xs] = duplicates[0]!;
    throw new UsageError(
      `shard ${index}/${count} is given twice: ${xs.map((s) => s.dir).join(" and ")}${duplicates.length > 1 ? ` (and ${duplicates.length - 1} more duplicated index(es): ${listIndexes(duplicates.slice(1).map(([i]) => i))})` : ""}`,
      "pass each shard's directory once; if a shard was re-run, pass only the run you want merged",
    );
  }

  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0 && !opts.allowMissing) {
    throw new UsageError(
      `missing shard${missing.length > 1 ? "s" : ""} ${listIndexes(missing)} of ${count}: the merged run would not be the plan's load`,
      `pass their directories too, or --allow-missing to merge the ${shards.length} present shard(s) into a run marked partial`,
    );
  }

  const warnings: string[] = [];
  const starts = [...new Set(shards.map((s) => s.startAtEpochMs))];
  if (starts.length > 1) {
    warnings.push(
      `the shards were given different --start-at times (${starts.map((t) => (t === null ? "none" : new Date(t).toISOString())).join(", ")}); the per-shard table shows how far apart they started`,
    );
  }
  if (missing.length > 0) warnings.push(`shard${missing.length > 1 ? "s" : ""} ${listIndexes(missing)} of ${count} missing (--allow-missing): the run is partial, its load was not the plan's`);
  return { count, planId: shards[0]!.planId, shards: [...shards].sort((a, b) => a.index - b.index), missing, warnings };
}
