/**
 * What a request source whose requests belong to sessions (conversation_replay, shared_prefix with
 * enable_multi_turn_chat) gives the load engine beyond `request(i)`: a later turn's prompt is built from the earlier
 * turns' real answers, so a body exists only once the session's previous turn has ended. As in inference-perf 0.7.0:
 *   - every stage starts its sessions afresh and counts its requests from 0 (0.7.0 clears its sessions at a stage end
 *     and restarts its data generator per stage), so `forStage` makes a new set;
 *   - request k of a stage belongs to one session; a session's turns never overlap: the load side takes them one at a
 *     time, in the order they were due (src/scenarios/load/session-sender.ts);
 *   - `prepare` runs when the turn holds its session, `finish` when its answer (or failure) is in.
 */
import type { SessionTokenizer } from "./conversation-session.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";

export interface PreparedTurn {
  body: string;
  /** Client-side estimate of the prompt's tokens, used only when the server reports no usage. */
  plannedPromptTokens: number;
  /** The session's turn number, from 1 (0.7.0's chat_round). */
  round: number;
}

export interface SessionTurn {
  /** The session id (0.7.0's user_session_id): api.session_id_header_key's value and the report's user_session. */
  sessionId: string;
  prepare(): Promise<PreparedTurn>;
  /** The answer's text, or null when the request failed. */
  finish(answer: string | null): Promise<void>;
  /** Seconds the turn keeps its session after a successful answer (conversation_replay's tool_call_latency_sec). */
  holdAfterS: number;
  /** 0.7.0's preferred_worker_id: the worker (mod num_workers) every turn of the session goes through. */
  worker: number;
}

export interface SessionStage {
  /** The stage's k-th request (k from 0). */
  turn(k: number): SessionTurn;
}

export interface SessionSource {
  /** The sessions of stage `stage` (−1: a sweep's probe), fresh. */
  forStage(stage: number): SessionStage;
}

/** A TokenizerPort as the session's tokenizer: ids with the server's special tokens in front (0.7.0's `encode`). */
export async function sessionTokenizer(port: TokenizerPort): Promise<SessionTokenizer> {
  const special = await port.specialTokenCount();
  const specials = new Array<number>(special).fill(-1);
  return {
    encode: async (text) => [...specials, ...(await port.encode(text))],
    decode: (ids) => port.decode(ids.filter((id) => id >= 0)),
  };
}
