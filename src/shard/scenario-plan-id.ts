/** The plan id of a sharded scenario run (`kneepoint run --shard i/N`); the files it writes are src/shard/scenario-shard-files.ts'. */
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { planId } from "./shard-spec.ts";

/**
 * The id of the plan every shard of a run shares: the config as given, without where its reports go (each shard
 * writes its own directory), without secrets and without load.num_workers (its default is the machine's CPU count:
 * it caps what a shard may have in flight, not what the plan sends). Shards run with different configs get different ids.
 */
export function scenarioPlanId(cfg: ScenarioConfig): string {
  const { storage: _storage, ...rest } = cfg;
  const server = { ...rest.server, api_key: null };
  const tokenizer = rest.tokenizer ? { ...rest.tokenizer, token: null } : rest.tokenizer;
  const { num_workers: _workers, ...load } = rest.load;
  return planId({ ...rest, load, server, tokenizer });
}
