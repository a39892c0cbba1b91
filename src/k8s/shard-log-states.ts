/**
 * What one load pod of `make bench PODS=N` printed for the runner: after each step's result block
 * (`=== kneepoint-result c=8 begin/end ===`, extract-marked-results.ts), a state block with the step's mergeable
 * state and the shard's facts, in the same marker syntax:
 *
 *     === kneepoint-shard-state c=8 begin ===
 *     {"shard":{"index":1,"count":4,"planId":"…","startAtEpochMs":…},"concurrency":8,"partial":false,
 *      "promptLengthMismatches":0,"clientCpuMs":812,"state":{…}}
 *     === kneepoint-shard-state c=8 end ===
 *
 * Pure: a log in, the blocks (validated at this boundary) and what was wrong with the others out. Nothing is thrown
 * for a bad block: the other steps, and the other shards, still merge.
 */
import { z } from "zod";
import { extractMarkedResults } from "../engine/vllm/extract-marked-results.ts";

export const SHARD_STATE_TAG = "kneepoint-shard-state";

const shardStateBlockSchema = z.object({
  shard: z.object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    planId: z.string().min(1),
    startAtEpochMs: z.number().nullable().optional(),
  }),
  concurrency: z.number().int().positive(),
  partial: z.boolean().default(false),
  promptLengthMismatches: z.number().int().nonnegative().default(0),
  clientCpuMs: z.number().nonnegative().nullable().optional(),
  state: z.record(z.string(), z.unknown()),
});

export type ShardStateBlock = z.infer<typeof shardStateBlockSchema>;

export interface ShardLogStates {
  /** In log order, one per step (a repeated step: the last block wins). */
  blocks: ShardStateBlock[];
  /** A block that did not parse or does not belong to this shard, as `c=8: message`. */
  problems: string[];
}

/** The state blocks of shard `index` of `count`'s log. */
export function shardStatesFromLog(log: string, expect: { index: number; count: number }): ShardLogStates {
  const extracted = extractMarkedResults(log, { tag: SHARD_STATE_TAG });
  const problems = extracted.errors.map((e) => e.message);
  const byStep = new Map<number, ShardStateBlock>();
  for (const r of extracted.results) {
    const parsed = shardStateBlockSchema.safeParse(r.json);
    if (!parsed.success) {
      problems.push(`c=${r.concurrency}: the state block (log line ${r.line}) is not a shard state: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
      continue;
    }
    const b = parsed.data;
    if (b.shard.index !== expect.index || b.shard.count !== expect.count) {
      problems.push(`c=${r.concurrency}: the state block says shard ${b.shard.index}/${b.shard.count}, but it is in the log of pod ${expect.index} of ${expect.count}`);
      continue;
    }
    if (b.concurrency !== r.concurrency) {
      problems.push(`c=${r.concurrency}: the state block's concurrency is ${b.concurrency}; kept under its marker's c=${r.concurrency}`);
    }
    byStep.set(r.concurrency, { ...b, concurrency: r.concurrency });
  }
  return { blocks: [...byStep.values()], problems };
}

/** The last lines of a log, for a failed pod's message (the results' blocks left out: long JSON and their markers). */
export function lastLogLines(log: string, n: number): string[] {
  return log
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^\s*[{[]/.test(l) && !/=== kneepoint-(result|shard-state) c=\d+ (begin|end) ===\s*$/.test(l))
    .slice(-n);
}
