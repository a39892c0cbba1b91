/**
 * What `kneepoint run --shard i/N` checks before sending: a sweep and session data cannot be split (refused), and a
 * shard without a shared seed would build its own plan (warned: `kneepoint merge` would refuse the shards).
 */
import { readFileSync } from "node:fs";
import { refuseShardedSessions } from "../scenarios/config/session-data-rules.ts";
import type { DataConfig } from "../scenarios/config/data-schema.ts";
import { refuseShardedSweep } from "../shard/split-stages.ts";
import type { ShardSpec } from "../shard/shard-spec.ts";

/** Whether the config file or a --set names load.base_seed. */
function configSetsSeed(path: string, sets: readonly string[]): boolean {
  if (sets.some((s) => s.trim().startsWith("load.base_seed"))) return true;
  try {
    return /^\s+base_seed\s*:/m.test(readFileSync(path, "utf8"));
  } catch {
    return false;
  }
}

export function checkShardedScenario(
  opts: { shard?: ShardSpec; startAtEpochMs?: number; config: string; sets: readonly string[] },
  hasSweep: boolean,
  data: Pick<DataConfig, "type" | "shared_prefix">,
  say: (line: string) => void,
): void {
  refuseShardedSweep(hasSweep, opts.shard);
  refuseShardedSessions(data, opts.shard);
  if (opts.startAtEpochMs === undefined && !configSetsSeed(opts.config, opts.sets)) {
    say("warning: --shard without --start-at or load.base_seed: each shard takes its own default seed (the time it read the config), so `kneepoint merge` will refuse the shards as different plans; pass --start-at, or set load.base_seed");
  }
}
