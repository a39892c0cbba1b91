/**
 * One conversation's state and how a turn's prompt is built from it, as inference-perf 0.7.0 does
 * (apis/user_session.py: LocalUserSession, UserSessionCompletionAPIData.to_request_body / process_response /
 * process_failure). Two kinds of session:
 *
 * - bounded (conversation_replay: a tokenizer and max_model_len): the prompt is
 *   `system prompt + " " + history turns joined by " " + " " + this turn's input` (empty parts left out). When its
 *   token count (with special tokens) exceeds max_model_len − max_tokens − 200, the oldest history turns are dropped
 *   until it fits; if it still does not, the system prompt is cut to the tokens left after the input (or dropped and
 *   the input cut). What was dropped stays dropped (0.7.0 writes the bounded history back). After an answer,
 *   `input + " " + answer` (trimmed) becomes a history turn, and the oldest turns go while system + history exceed
 *   max_model_len. Only a session created with a system prompt keeps history (0.7.0's `_accumulates_history`);
 *   one without (0.7.0 re-primes a slot so after a stage end) sends each turn's input alone.
 * - unbounded (shared_prefix multi-turn: no tokenizer in the session): the prompt is `context + " " + input`, and
 *   after an answer the context becomes `prompt + " " + answer`, without limit. The first context is "".
 *
 * A failed turn leaves the session as it was when the turn took it (0.7.0 `update_context(_session_context)`).
 * Pure but for the tokenizer, which comes in as a parameter.
 */
import { PROMPT_TOKEN_BUFFER } from "../config/conversation-replay-schema.ts";

export interface ConversationSession {
  readonly id: string;
  systemPrompt: string;
  history: string[];
  /** The text a turn continues (unbounded sessions) and what 0.7.0 restores on failure. */
  context: string;
  /** 0.7.0's `_accumulates_history`: fixed when the session is made (made with a system prompt). */
  readonly accumulates: boolean;
  /** Bounded sessions: the model's context length in tokens; null for unbounded ones. */
  readonly maxModelLen: number | null;
  /** Turns taken so far (0.7.0 `_current_round`, reported as chat_round). */
  round: number;
}

/** Token ids as the session's tokenizer gives them: `encode` with the special tokens (BOS) a server adds. */
export interface SessionTokenizer {
  encode(text: string): Promise<number[]>;
  /** Text of ids, special tokens skipped. */
  decode(ids: number[]): Promise<string>;
}

export function newBoundedSession(id: string, systemPrompt: string, maxModelLen: number, accumulates: boolean): ConversationSession {
  return { id, systemPrompt: accumulates ? systemPrompt : "", history: [], context: systemPrompt, accumulates, maxModelLen, round: 0 };
}

export function newUnboundedSession(id: string, context = ""): ConversationSession {
  return { id, systemPrompt: "", history: [], context, accumulates: false, maxModelLen: null, round: 0 };
}

const joinParts = (sys: string, hist: readonly string[], curr: string): string => [sys, hist.join(" "), curr].filter((p) => p !== "").join(" ");
const contextOf = (sys: string, hist: readonly string[]): string => (hist.length && sys ? `${sys} ${hist.join(" ")}` : hist.length ? hist.join(" ") : sys);

/** What a turn holds while in flight: its prompt, and the context to restore if it fails. */
export interface TakenTurn {
  prompt: string;
  contextBefore: string;
  /** The prompt's tokens with special tokens, as the bounded session counted them; null for unbounded sessions. */
  promptTokens: number | null;
}

/** The prompt of the session's next turn (0.7.0 get_context + to_request_body); updates the session as 0.7.0 does. */
export async function takeTurn(s: ConversationSession, input: string, maxTokens: number, tok: SessionTokenizer | null): Promise<TakenTurn> {
  const contextBefore = s.context;
  s.round++;
  if (s.maxModelLen === null || tok === null) return { prompt: `${s.context} ${input}`, contextBefore, promptTokens: null };
  const target = Math.max(0, s.maxModelLen - maxTokens - PROMPT_TOKEN_BUFFER);
  let sys = s.systemPrompt;
  let curr = input;
  const history = [...s.history];
  let prompt = joinParts(sys, history, curr);
  let n = (await tok.encode(prompt)).length;
  if (n > target) {
    while (history.length > 0 && n > target) {
      history.shift();
      prompt = joinParts(sys, history, curr);
      n = (await tok.encode(prompt)).length;
    }
    if (n > target) {
      const sysIds = await tok.encode(sys);
      const currIds = await tok.encode(curr);
      const room = target - currIds.length;
      if (room > 0) sys = await tok.decode(sysIds.slice(0, room));
      else {
        sys = "";
        curr = await tok.decode(currIds.slice(0, target));
      }
      prompt = joinParts(sys, [], curr);
      s.systemPrompt = sys;
      n = (await tok.encode(prompt)).length;
    }
  }
  s.history = history;
  s.context = contextOf(sys, history);
  return { prompt, contextBefore, promptTokens: n };
}

/** 0.7.0 `update_context(text)`: a bounded accumulating session adds the turn to its history, others keep `text`. */
async function updateContext(s: ConversationSession, text: string, tok: SessionTokenizer | null): Promise<void> {
  if (!(s.accumulates && s.maxModelLen !== null && tok !== null)) {
    s.context = text;
    return;
  }
  const historyText = s.history.join(" ");
  const baseLen = s.systemPrompt.length + (historyText ? historyText.length + 1 : 0);
  const turn = text.slice(baseLen).trim();
  if (turn) s.history.push(turn);
  const count = async (t: string) => (t === "" ? 0 : (await tok.encode(t)).length);
  const sysTokens = await count(s.systemPrompt);
  if (sysTokens + (await count(s.history.join(" "))) > s.maxModelLen) {
    while (s.history.length > 0 && sysTokens + (await count(s.history.join(" "))) > s.maxModelLen) s.history.shift();
  }
  s.context = contextOf(s.systemPrompt, s.history);
}

/** After the turn's answer: `answer` is its text (0.7.0 model_response), or null when the request failed. */
export function finishTurn(s: ConversationSession, taken: TakenTurn, answer: string | null, tok: SessionTokenizer | null): Promise<void> {
  return updateContext(s, answer === null ? taken.contextBefore : `${taken.prompt} ${answer}`, tok);
}
