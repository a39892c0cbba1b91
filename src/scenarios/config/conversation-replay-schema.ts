/**
 * inference-perf 0.7.0's `data.conversation_replay` block (its config/datagen/replay.py ConversationReplayConfig):
 * synthetic multi-turn conversations, each a two-part system prompt (a shared prefix of shared_system_prompt_len
 * tokens + a per-conversation dynamic suffix) and turns of sampled input/output lengths. Defaults are 0.7.0's; an
 * unset distribution falls back as its generator does (10 turns, 512 input and 256 output tokens per turn, no tool
 * latency), and max_model_len null means 225000 (conversation_replay_datagen.py).
 */
import { z } from "zod";
import { distributionSchema } from "./distribution-schema.ts";

export const DEFAULT_MAX_MODEL_LEN = 225_000;
export const DEFAULT_TURNS = 10;
export const DEFAULT_INPUT_TOKENS_PER_TURN = 512;
export const DEFAULT_OUTPUT_TOKENS_PER_TURN = 256;
/** Reserved on top of max_tokens when a session's prompt is bounded (0.7.0 apis/user_session.py PROMPT_TOKEN_BUFFER). */
export const PROMPT_TOKEN_BUFFER = 200;

export const conversationReplaySchema = z
  .strictObject({
    seed: z.number().int().default(42),
    num_conversations: z.number().int().positive({ message: "must be greater than 0" }).default(200),
    shared_system_prompt_len: z.number().int().nonnegative({ message: "must be 0 or more" }).default(8359),
    dynamic_system_prompt_len: distributionSchema.nullable().default(null),
    turns_per_conversation: distributionSchema.nullable().default(null),
    input_tokens_per_turn: distributionSchema.nullable().default(null),
    output_tokens_per_turn: distributionSchema.nullable().default(null),
    /** Seconds a turn holds its conversation after the answer (a tool call's round trip); sampled as whole seconds. */
    tool_call_latency_sec: distributionSchema.nullable().default(null),
    max_model_len: z.number().int().nullable().default(null),
  })
  .superRefine((c, ctx) => {
    // 0.7.0 refuses this when its generator is built: truncation can only clamp, so every prompt would be empty.
    const maxModelLen = c.max_model_len || DEFAULT_MAX_MODEL_LEN;
    const out = c.output_tokens_per_turn;
    const [ceiling, what] = out === null ? [DEFAULT_OUTPUT_TOKENS_PER_TURN, "the default output length"] : out.type === "fixed" ? [Math.trunc(out.mean), "output_tokens_per_turn.mean"] : [out.max, "output_tokens_per_turn.max"];
    if (ceiling + PROMPT_TOKEN_BUFFER >= maxModelLen) {
      ctx.addIssue({
        code: "custom",
        path: out === null ? ["max_model_len"] : ["output_tokens_per_turn"],
        message: `${what} (${ceiling}) leaves no room for a prompt within max_model_len (${maxModelLen}) after the ${PROMPT_TOKEN_BUFFER}-token buffer; lower it below ${maxModelLen - PROMPT_TOKEN_BUFFER} or raise max_model_len`,
      });
    }
  });

export type ConversationReplayConfig = z.infer<typeof conversationReplaySchema>;
