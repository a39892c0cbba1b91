/**
 * The request sources of the session data forms (session-source.ts): conversation_replay and shared_prefix with
 * enable_multi_turn_chat. Both send completion bodies whatever api.type says (0.7.0's session requests are
 * completion requests; config/session-data-rules.ts refuses the api types 0.7.0 refuses).
 */
import type { ScenarioConfig } from "../config/scenario-config-schema.ts";
import { createBodyWriter } from "./body-writer.ts";
import { createConversationReplaySource } from "./conversation-replay-source.ts";
import { createMultiTurnSharedPrefixSource } from "./multi-turn-shared-prefix-source.ts";
import type { RequestSourceDeps, ScenarioRequestSource } from "./request-source-deps.ts";
import { sessionTokenizer } from "./session-source.ts";
import { findWordAtoms } from "./word-atoms.ts";

export async function createSessionDataSource(cfg: ScenarioConfig, deps: RequestSourceDeps): Promise<ScenarioRequestSource> {
  const body = createBodyWriter({ api: "completion", model: deps.model, ignoreEos: cfg.server.ignore_eos, streaming: cfg.api.streaming, responseFormat: cfg.api.response_format });
  const tok = deps.tokenizer;
  const atoms = await findWordAtoms(tok, deps.seed);
  const special = await tok.specialTokenCount();
  if (cfg.data.type === "conversation_replay") return createConversationReplaySource(cfg.data.conversation_replay!, atoms, await sessionTokenizer(tok), body, special);
  return createMultiTurnSharedPrefixSource(cfg.data.shared_prefix!, special, atoms, body, deps.seed);
}
