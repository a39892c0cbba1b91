/**
 * `data.type: conversation_replay` as inference-perf 0.7.0 runs it (datagen/replay/conversation_replay_datagen.py).
 * num_conversations blueprints, each: a number of turns, a system prompt = a shared prefix (shared_system_prompt_len
 * tokens, the same for every conversation) + " " + a dynamic suffix of its own, and per turn an input of sampled
 * length, a max_tokens and a tool-call latency (whole seconds). Lengths are drawn once from the block's seed, in
 * 0.7.0's order; texts are random single-token words (word-atoms.ts), drawn when first needed, so a catalog config
 * with million-token prompts costs nothing until it is sent.
 *
 * Request k of a stage belongs to slot c = k mod C (one conversation at a time per slot), round r = k div C, turn
 * r mod turns(c). A slot's session is bounded (conversation-session.ts: history, max_model_len): the first stage of
 * the run uses the sessions built with the blueprints (`conv_<c>`, with the system prompt); when a slot comes back
 * to turn 0 (r > 0) it starts a new conversation `slot_<c>_convo_<r div turns>` with the system prompt, which may
 * overlap the end of the previous one (they are different sessions). 0.7.0 clears its sessions at every stage end
 * and re-primes each slot in the next stage under its last id WITHOUT a system prompt (the session then sends each
 * turn's input alone, with no history) until the slot wraps to a new conversation; the shared prefix of a later stage
 * is drawn from a seed derived from the stage. kneepoint does the same, so reports compare.
 * A turn holds its session for its tool-call latency after the answer (0.7.0 sleeps inside the request, so the
 * request's end, and its reported latency, include it).
 */
import type { ConversationReplayConfig } from "../config/conversation-replay-schema.ts";
import { DEFAULT_INPUT_TOKENS_PER_TURN, DEFAULT_MAX_MODEL_LEN, DEFAULT_OUTPUT_TOKENS_PER_TURN, DEFAULT_TURNS } from "../config/conversation-replay-schema.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import { createRng, deriveSeed, type Rng } from "../../workload/rng.ts";
import type { BodyWriter } from "./body-writer.ts";
import { finishTurn, newBoundedSession, takeTurn, type ConversationSession, type SessionTokenizer, type TakenTurn } from "./conversation-session.ts";
import { approximateWarning } from "./random-source.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import { describeDistribution, sampleLength } from "./sample-length.ts";
import type { SessionSource, SessionTurn } from "./session-source.ts";
import { randomAtomText, type WordAtoms } from "./word-atoms.ts";

/** The lengths of every conversation, drawn in 0.7.0's order (_build_conversations). Pure. */
export interface ConversationPlan {
  turns: number[];
  dynamicLens: number[];
  /** Per conversation, the index of its first turn in the flat per-turn arrays. */
  firstTurn: number[];
  inputLens: number[];
  outputLens: number[];
  /** Whole seconds per turn; empty when tool_call_latency_sec is unset. */
  toolLatenciesS: number[];
}

export function planConversations(cr: ConversationReplayConfig): ConversationPlan {
  const rng = createRng(deriveSeed(cr.seed >>> 0, 0xc0));
  const n = cr.num_conversations;
  const draw = (d: Distribution | null, count: number, fallback: number) => Array.from({ length: count }, () => (d === null ? fallback : sampleLength(d, rng)));
  // 0.7.0 would divide by zero on a conversation of 0 turns; one turn is the least that runs.
  const turns = draw(cr.turns_per_conversation, n, DEFAULT_TURNS).map((t) => Math.max(1, t));
  const dynamicLens = draw(cr.dynamic_system_prompt_len, n, 0);
  const total = turns.reduce((a, b) => a + b, 0);
  const inputLens = draw(cr.input_tokens_per_turn, total, DEFAULT_INPUT_TOKENS_PER_TURN);
  const outputLens = draw(cr.output_tokens_per_turn, total, DEFAULT_OUTPUT_TOKENS_PER_TURN);
  const toolLatenciesS = cr.tool_call_latency_sec === null ? [] : draw(cr.tool_call_latency_sec, total, 0);
  const firstTurn: number[] = [];
  turns.reduce((at, t) => (firstTurn.push(at), at + t), 0);
  return { turns, dynamicLens, firstTurn, inputLens, outputLens, toolLatenciesS };
}

/** Where request k of a stage falls: slot, round, turn of the conversation, and which conversation of the slot. */
export function conversationTurnOf(plan: Pick<ConversationPlan, "turns">, k: number): { slot: number; round: number; turn: number; convo: number } {
  const slot = k % plan.turns.length;
  const round = Math.floor(k / plan.turns.length);
  const t = plan.turns[slot]!;
  return { slot, round, turn: round % t, convo: Math.floor(round / t) };
}

const words = (atoms: WordAtoms, count: number, rng: Rng) => randomAtomText(atoms.words, count, rng).slice(1);
const join = (shared: string, dynamic: string) => (dynamic ? `${shared} ${dynamic}` : shared);

export function createConversationReplaySource(cr: ConversationReplayConfig, atoms: WordAtoms, tok: SessionTokenizer, completionBody: BodyWriter, specialTokens: number): ScenarioRequestSource {
  const plan = planConversations(cr);
  const maxModelLen = cr.max_model_len || DEFAULT_MAX_MODEL_LEN;
  const seed = cr.seed >>> 0;
  const sharedOf = (stage: number) => words(atoms, cr.shared_system_prompt_len, createRng(deriveSeed(seed, 0x5e, stage + 1)));
  const dynamics = new Map<number, string>();
  const dynamicOf = (c: number) => dynamics.get(c) ?? dynamics.set(c, words(atoms, plan.dynamicLens[c]!, createRng(deriveSeed(seed, 0xd1, c)))).get(c)!;
  const inputOf = (at: number) => words(atoms, plan.inputLens[at]!, createRng(deriveSeed(seed, 0x71, at)));
  const stage0Shared = sharedOf(0);
  /** Per slot, what 0.7.0 keeps across stages: the slot's session id and its blueprint's system prompt. */
  const slotIds = plan.turns.map((_, c) => `conv_${c}`);
  const systems = new Map<number, string>();
  const systemOf = (c: number) => systems.get(c) ?? systems.set(c, join(stage0Shared, dynamicOf(c))).get(c)!;
  let firstStage = true;

  const sessions: SessionSource = {
    forStage(stage) {
      const fresh = firstStage;
      firstStage = false;
      const live = new Map<number, ConversationSession>();
      let stageShared: string | null = null;
      return {
        turn(k): SessionTurn {
          const { slot, round, turn, convo } = conversationTurnOf(plan, k);
          if (!live.has(slot)) {
            if (fresh) live.set(slot, newBoundedSession(slotIds[slot]!, systemOf(slot), maxModelLen, true));
            else {
              stageShared ??= sharedOf(stage);
              systems.set(slot, join(stageShared, dynamicOf(slot)));
              live.set(slot, newBoundedSession(slotIds[slot]!, systemOf(slot), maxModelLen, false));
            }
          }
          if (turn === 0 && round > 0) {
            slotIds[slot] = `slot_${slot}_convo_${convo}`;
            live.set(slot, newBoundedSession(slotIds[slot]!, systemOf(slot), maxModelLen, true));
          }
          const session = live.get(slot)!;
          const at = plan.firstTurn[slot]! + turn;
          const maxTokens = plan.outputLens[at]!;
          let taken: TakenTurn | null = null;
          return {
            sessionId: session.id,
            holdAfterS: plan.toolLatenciesS[at] ?? 0,
            worker: slot,
            async prepare() {
              taken = await takeTurn(session, inputOf(at), maxTokens, tok);
              return { body: completionBody.forPrompt(taken.prompt, maxTokens), plannedPromptTokens: taken.promptTokens ?? 0, round: session.round };
            },
            async finish(answer) {
              if (taken !== null) await finishTurn(session, taken, answer, tok);
            },
          };
        },
      };
    },
  };

  const totalTurns = plan.inputLens.length;
  const d = (x: Distribution | null, fallback: number) => (x === null ? `${fallback} (fixed)` : describeDistribution(x));
  return {
    warnings: atoms.exact ? [] : [approximateWarning("data.type conversation_replay")],
    // A turn's body depends on the session's history: this is the turn's input alone, for previews and fallbacks.
    request(i) {
      const { slot, turn } = conversationTurnOf(plan, i);
      const at = plan.firstTurn[slot]! + turn;
      return { body: completionBody.forPrompt(inputOf(at), plan.outputLens[at]!), plannedPromptTokens: plan.inputLens[at]! + specialTokens, plannedOutputTokens: plan.outputLens[at]!, sessionId: `conv_${slot}` };
    },
    describe: () =>
      `conversation_replay: ${cr.num_conversations} conversations (${totalTurns} turns; turns ${d(cr.turns_per_conversation, DEFAULT_TURNS)}), one per slot, ` +
      `each turn after its conversation's system prompt and history within max_model_len ${maxModelLen}; system prompt ${cr.shared_system_prompt_len} shared + ` +
      `${d(cr.dynamic_system_prompt_len, 0)} own tokens, input ${d(cr.input_tokens_per_turn, DEFAULT_INPUT_TOKENS_PER_TURN)}, output ${d(cr.output_tokens_per_turn, DEFAULT_OUTPUT_TOKENS_PER_TURN)} per turn` +
      (cr.tool_call_latency_sec ? `, tool-call latency ${describeDistribution(cr.tool_call_latency_sec)} s` : "") +
      "; stages after the first restart each slot without system prompt or history until it starts a new conversation, as inference-perf 0.7.0 does",
    sessions,
  };
}
