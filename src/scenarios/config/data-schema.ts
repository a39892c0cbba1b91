/**
 * inference-perf's `data` block (research/inference-perf.md §1.2, §1.10). Every type and key either
 * schema generation knows is accepted here; the ones kneepoint cannot run yet are refused with a message
 * by unsupported-features.ts, never skipped.
 */
import { z } from "zod";
import { distributionSchema } from "./distribution-schema.ts";
import { traceSchema } from "./trace-schema.ts";
import { multimodalSchema, visionArenaSchema } from "./multimodal-schema.ts";
import { conversationReplaySchema } from "./conversation-replay-schema.ts";
import { otelTraceReplaySchema } from "./otel-replay-schema.ts";
import { syntheticAgenticSchema } from "./synthetic-agentic-schema.ts";
import { wekaTraceReplaySchema } from "./weka-replay-schema.ts";

export const DATA_TYPES = [
  "mock",
  "shareGPT",
  "synthetic",
  "random",
  "shared_prefix",
  "cnn_dailymail",
  "infinity_instruct",
  "billsum_conversations",
  "otel_trace_replay",
  "weka_trace_replay",
  "conversation_replay",
  "visionarena",
  "synthetic_agentic",
] as const;

/** A length given as a number of tokens or as a Distribution (shared_prefix lengths on main; ints on v0.2.0). */
const lengthSchema = z.union([z.number().int().positive(), distributionSchema]);

/** Opaque blocks of features that are refused before parsing; their inner keys are not checked here. */
const opaqueBlock = z.record(z.string(), z.unknown()).nullable().default(null);

/**
 * `num_groups` / `num_prompts_per_group` also go by the aliases inference-perf serializes them under
 * (`num_unique_system_prompts`, `num_users_per_system_prompt`); the parsed config carries the plain names.
 */
export const sharedPrefixSchema = z
  .strictObject({
    num_groups: z.number().int().positive().optional(),
    num_unique_system_prompts: z.number().int().positive().optional(),
    num_prompts_per_group: z.number().int().positive().optional(),
    num_users_per_system_prompt: z.number().int().positive().optional(),
    system_prompt_len: lengthSchema.default(100),
    question_len: lengthSchema.default(50),
    output_len: lengthSchema.default(50),
    seed: z.number().int().nonnegative().nullable().default(null),
    /** Legacy; exclusive with a Distribution written on question_len / output_len. */
    question_distribution: distributionSchema.nullable().default(null),
    output_distribution: distributionSchema.nullable().default(null),
    enable_multi_turn_chat: z.boolean().default(false),
    multimodal: multimodalSchema.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    const both = (a: unknown, b: unknown, path: string, message: string) => {
      if (a !== undefined && b !== undefined && a !== b) ctx.addIssue({ code: "custom", path: [path], message });
    };
    both(s.num_groups, s.num_unique_system_prompts, "num_groups", "num_groups and its alias num_unique_system_prompts disagree; set one");
    both(s.num_prompts_per_group, s.num_users_per_system_prompt, "num_prompts_per_group", "num_prompts_per_group and its alias num_users_per_system_prompt disagree; set one");
    if (typeof s.question_len === "object" && s.question_distribution !== null) {
      ctx.addIssue({ code: "custom", path: ["question_distribution"], message: "cannot combine a distribution on question_len with the legacy question_distribution; use one" });
    }
    if (typeof s.output_len === "object" && s.output_distribution !== null) {
      ctx.addIssue({ code: "custom", path: ["output_distribution"], message: "cannot combine a distribution on output_len with the legacy output_distribution; use one" });
    }
  })
  .transform(({ num_unique_system_prompts, num_users_per_system_prompt, ...s }) => ({
    ...s,
    num_groups: s.num_groups ?? num_unique_system_prompts ?? 10,
    num_prompts_per_group: s.num_prompts_per_group ?? num_users_per_system_prompt ?? 10,
  }));

export const dataSchema = z.strictObject({
  type: z.enum(DATA_TYPES, { message: `must be one of ${DATA_TYPES.join(", ")}` }).default("mock"),
  /** shareGPT: a local JSON file (or a directory of them) in ShareGPT's conversations format. */
  path: z.string().min(1).nullable().default(null),
  /** synthetic and weka_trace_replay: a text corpus to slice prompts from (default: assets/corpus/ of this repository). */
  corpus_file_path: z.string().min(1).nullable().default(null),
  input_distribution: distributionSchema.nullable().default(null),
  output_distribution: distributionSchema.nullable().default(null),
  shared_prefix: sharedPrefixSchema.nullable().default(null),
  multimodal: multimodalSchema.nullable().default(null),
  /** data.type random: input/output lengths from a trace file instead of the distributions. */
  trace: traceSchema.nullable().default(null),
  otel_trace_replay: otelTraceReplaySchema.nullable().default(null),
  weka_trace_replay: wekaTraceReplaySchema.nullable().default(null),
  conversation_replay: conversationReplaySchema.nullable().default(null),
  visionarena: visionArenaSchema.nullable().default(null),
  synthetic_agentic: syntheticAgenticSchema.nullable().default(null),
  use_chat_template: z.boolean().default(false),
});

export type DataConfig = z.infer<typeof dataSchema>;
export type SharedPrefixConfig = z.infer<typeof sharedPrefixSchema>;
