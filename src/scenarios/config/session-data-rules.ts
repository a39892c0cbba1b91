/**
 * Cross-field rules of the session data forms (conversations and multi-turn chat), as inference-perf 0.7.0 checks
 * them when its generator is built: conversation_replay needs its block and speaks only the completion API
 * (conversation_replay_datagen.py get_supported_apis); a multi-turn shared_prefix session sends completion prompts
 * (user_session.py has no chat form), so it runs with api.type completion or chat (both then POST /v1/completions,
 * as 0.7.0 does), never anthropic_messages.
 */
import { UsageError } from "../../errors.ts";
import type { DataConfig } from "./data-schema.ts";

type Issue = (path: Array<string | number>, message: string) => void;

/** True when the data's requests belong to sessions whose later turns carry the earlier ones. */
export function hasSessions(data: Pick<DataConfig, "type" | "shared_prefix">): boolean {
  return data.type === "conversation_replay" || (data.type === "shared_prefix" && data.shared_prefix?.enable_multi_turn_chat === true);
}

export function checkSessionData(data: DataConfig, apiType: string, issue: Issue): void {
  if (data.type === "conversation_replay") {
    if (data.conversation_replay === null) issue(["data", "conversation_replay"], "is required for data.type conversation_replay (add the block; every key has a default)");
    if (apiType !== "completion") issue(["api", "type"], `${apiType} is not supported with data.type conversation_replay (inference-perf 0.7.0 sends its conversations as completion prompts only); set api.type completion`);
  }
  if (data.type === "shared_prefix" && data.shared_prefix?.enable_multi_turn_chat && apiType === "anthropic_messages") {
    issue(["api", "type"], "anthropic_messages is not supported with data.shared_prefix.enable_multi_turn_chat (0.7.0's shared_prefix speaks completion and chat); set api.type completion or chat");
  }
}

/** A session's turns must go through one process in order: `--shard` would split them (and their history) apart. */
export function refuseShardedSessions(data: Pick<DataConfig, "type" | "shared_prefix">, shard: { index: number; count: number } | undefined): void {
  if (shard && shard.count > 1 && hasSessions(data)) {
    throw new UsageError(
      `--shard ${shard.index}/${shard.count}: data.type ${data.type}${data.type === "shared_prefix" ? " with enable_multi_turn_chat" : ""} cannot be sharded (a session's turns carry its earlier answers, so one process must send them all)`,
      "run it without --shard, or raise load.num_workers × worker_max_concurrency for more in-flight requests",
    );
  }
}
