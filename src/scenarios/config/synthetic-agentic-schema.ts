/**
 * `data.synthetic_agentic` (inference-perf 0.7.0 config/datagen/replay.py `SyntheticAgenticConfig`, which extends
 * `SessionReplayConfig`): procedural multi-agent sessions. Key names, defaults and rules as 0.7.0's pydantic model:
 * the replay-only keys it pins (inject_random_session_id, duplicate_sessions_target, skip_invalid_files,
 * include_errors) are refused unless left at the pinned value, theme_mix takes `{name: W}` or `{name: {weight: W}}`
 * over the four built-in themes, and max_model_len checks the projected peak request the way 0.7.0 does.
 */
import { z } from "zod";
import { sessionReplayBaseShape } from "./session-replay-base-schema.ts";
import { distributionSchema, type Distribution } from "./distribution-schema.ts";

export const BUILT_IN_THEME_NAMES = ["generic", "db2_latency_incident", "research_rag", "code_change_task"] as const;

const themeWeight = z.union([z.number().min(0, { message: "theme weights must all be >= 0" }), z.object({ weight: z.number().min(0, { message: "theme weights must all be >= 0" }) })]);
const compactionSchema = z.object({ trigger_tokens: distributionSchema, target_tokens: distributionSchema });

export const syntheticAgenticSchema = z
  .strictObject({
    ...sessionReplayBaseShape,
    override_tool_call_max_tokens: z.boolean().default(false), // SyntheticAgenticConfig's own default
    // SyntheticAgenticConfig
    num_sessions: z.number().int().positive(),
    input_tokens_per_turn: distributionSchema,
    output_tokens_per_turn: distributionSchema,
    turns_per_session: distributionSchema.prefault({ type: "fixed", mean: 1 }),
    fanout_probability: z.number().min(0).max(1).default(0),
    theme_mix: z
      .record(z.string(), themeWeight)
      .default({ generic: { weight: 0.25 }, db2_latency_incident: { weight: 0.25 }, research_rag: { weight: 0.25 }, code_change_task: { weight: 0.25 } }),
    seed: z.number().int().nonnegative().default(42),
    shared_system_prompt_len: z.number().int().nonnegative().default(1000),
    tool_loop_depth: distributionSchema.nullable().default(null),
    sub_agents_per_spawn: distributionSchema.nullable().default(null),
    max_depth: z.number().int().nonnegative().default(2),
    max_events_per_session: z.number().int().positive().default(64),
    tool_catalog_size_per_agent: distributionSchema.nullable().default(null),
    parallel_tool_calls_per_step: distributionSchema.nullable().default(null),
    tool_call_latency_sec: distributionSchema.nullable().default(null),
    user_think_time_sec: distributionSchema.nullable().default(null),
    max_model_len: z.number().int().nullable().default(null),
    context_compaction: compactionSchema.nullable().default(null),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (c.use_static_model && !c.static_model_name) issue(["static_model_name"], "is required when use_static_model is true");
    if (c.inject_random_session_id) issue(["inject_random_session_id"], "is pinned to false for synthetic_agentic: every session is already distinct; remove it");
    if (c.duplicate_sessions_target !== null) issue(["duplicate_sessions_target"], "is pinned to null for synthetic_agentic: raise num_sessions instead");
    if (c.skip_invalid_files) issue(["skip_invalid_files"], "is pinned to false for synthetic_agentic: sessions are generated, not read from files; remove it");
    if (!c.include_errors) issue(["include_errors"], "is pinned to true for synthetic_agentic: there are no recorded spans to filter; remove it");
    const weights = Object.entries(c.theme_mix).map(([name, w]) => [name, typeof w === "number" ? w : w.weight] as const);
    if (weights.length === 0) issue(["theme_mix"], "must name at least one theme with a weight");
    else if (weights.reduce((s, [, w]) => s + w, 0) <= 0) issue(["theme_mix"], "weights must sum to a positive value (at least one weight > 0)");
    for (const [name] of weights) {
      if (!(BUILT_IN_THEME_NAMES as readonly string[]).includes(name)) issue(["theme_mix", name], `is not a built-in theme: use ${BUILT_IN_THEME_NAMES.join(", ")}`);
    }
    const keys = ["input_tokens_per_turn", "output_tokens_per_turn", "turns_per_session", "tool_loop_depth", "sub_agents_per_spawn", "tool_catalog_size_per_agent", "parallel_tool_calls_per_step", "tool_call_latency_sec", "user_think_time_sec"] as const;
    const dists: [string[], Distribution | null][] = [
      ...keys.map((k): [string[], Distribution | null] => [[k], c[k]]),
      [["context_compaction", "trigger_tokens"], c.context_compaction?.trigger_tokens ?? null],
      [["context_compaction", "target_tokens"], c.context_compaction?.target_tokens ?? null],
    ];
    for (const [path, d] of dists) {
      // 0.7.0 raises this while building a session, mid-run; refused here before anything is sent
      if (d?.type === "lognormal" && d.mean <= 0) issue([...path, "mean"], "must be > 0 for a lognormal distribution (inference-perf 0.7.0 fails the session build otherwise)");
    }
    if (c.max_model_len !== null) {
      const projected = projectedPeakTokens(c);
      if (projected.total > c.max_model_len) {
        issue(["max_model_len"], `(${c.max_model_len}) is too small for this configuration: the peak request is ~${projected.total} tokens (${projected.breakdown}); reduce input/output/catalog/turns/tool_loop_depth, or raise max_model_len`);
      }
    }
  });

export type SyntheticAgenticConfig = z.infer<typeof syntheticAgenticSchema>;

/** 0.7.0 `theme_weights()`: `{name: W}` whichever form was written. */
export function themeWeights(c: SyntheticAgenticConfig): [string, number][] {
  return Object.entries(c.theme_mix).map(([name, w]) => [name, typeof w === "number" ? w : w.weight]);
}

/** 0.7.0 `validate_max_model_len`'s projection: system head + catalog (380 tokens a tool) + turns × loop + output. */
function projectedPeakTokens(c: SyntheticAgenticConfig): { total: number; breakdown: string } {
  const hi = (d: Distribution | null, fallback: number) => (d === null ? Math.ceil(fallback) : d.type === "fixed" ? Math.ceil(d.mean) : Math.ceil(d.max));
  const head = c.shared_system_prompt_len;
  const inHi = hi(c.input_tokens_per_turn, 0);
  const outHi = hi(c.output_tokens_per_turn, 0);
  const turnsHi = hi(c.turns_per_session, 1);
  const kHi = Math.max(0, hi(c.tool_loop_depth, 2));
  const parHi = Math.max(1, hi(c.parallel_tool_calls_per_step, 1));
  const tools = hi(c.tool_catalog_size_per_agent, 8);
  const loop = inHi + kHi * (outHi + parHi * outHi);
  const total = Math.max(head + tools * 380 + turnsHi * loop + outHi, head + tools * 380 + loop + outHi);
  return { total, breakdown: `system_head ${head} + tool_catalog ${tools}×380 + turns ${turnsHi} × per_turn_loop ${loop} + output ${outHi}` };
}
