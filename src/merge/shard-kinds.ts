/**
 * Which merge a set of directories needs: sweep shards (`kneepoint sweep --shard`) and scenario shards
 * (`kneepoint run --shard`) each merge with their own kind only.
 */
import { UsageError } from "../errors.ts";
import { detectShardDir } from "./read-shard-dir.ts";

export type ShardKind = "sweep" | "scenario";

const WRITER: Record<ShardKind, string> = { sweep: "`kneepoint sweep --shard`", scenario: "`kneepoint run --shard`" };

/** The kind of every directory (each one refused with its reason when it is no shard directory); mixed kinds are refused. */
export async function shardKindOf(dirs: readonly string[]): Promise<ShardKind> {
  if (dirs.length === 0) throw new UsageError("no shard directories given", "kneepoint merge OUT DIR… (the result directories of `kneepoint sweep --shard i/N` or `kneepoint run --shard i/N`)");
  const kinds = await Promise.all(dirs.map(async (dir) => ({ dir, kind: await detectShardDir(dir) })));
  const first = kinds[0]!.kind;
  const other = kinds.find((k) => k.kind !== first);
  if (other) {
    const a = kinds[0]!;
    throw new UsageError(
      `cannot merge sweep shards with scenario shards: ${a.dir} was written by ${WRITER[a.kind]}, ${other.dir} by ${WRITER[other.kind]}`,
      "merge the directories of one sharded run",
    );
  }
  return first;
}

/** For a merge of one kind called on directories of another. */
export async function refuseMixedKinds(dirs: readonly string[], expected: ShardKind): Promise<void> {
  const kind = await shardKindOf(dirs);
  if (kind !== expected) {
    throw new UsageError(`${dirs.join(", ")}: ${WRITER[kind]} directories, not ${WRITER[expected]} ones`, `merge them with merge${kind === "sweep" ? "Sweep" : "Scenario"}Shards (\`kneepoint merge\` picks the right one)`);
  }
}
