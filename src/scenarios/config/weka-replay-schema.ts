/**
 * `data.weka_trace_replay` (inference-perf 0.7.0 config/datagen/replay.py `WekaTraceReplayConfig`, which extends
 * `SessionReplayConfig`): where the Weka KV-cache-tester traces are and how they are replayed. Keys, defaults and
 * cross-field rules as 0.7.0's. kneepoint reads: the trace source, num_dataset_entries, default_block_size,
 * trace_idle_gap_cap_seconds, max_wait_ms, predecessor_wait_timeout_sec, skip_invalid_files,
 * duplicate_sessions_target and inject_random_session_id. 0.7.0 itself reads neither ignore_trace_delays nor
 * use_think_time_only (accepted, no effect, as there), nor include_errors (a Weka trace has no error status);
 * datagen_workers only splits 0.7.0's build over processes (same output), so it has no effect here either.
 */
import { z } from "zod";

export const wekaTraceReplaySchema = z
  .strictObject({
    use_static_model: z.boolean().default(false),
    static_model_name: z.string().default(""),
    model_mapping: z.record(z.string(), z.string()).nullable().default(null),
    default_max_tokens: z.number().int().positive().default(1000),
    override_tool_call_max_tokens: z.boolean().default(true),
    tool_choice_mode: z.enum(["force_recorded", "as_recorded"]).default("force_recorded"),
    inject_random_session_id: z.boolean().default(false),
    duplicate_sessions_target: z.number().int().positive().nullable().default(null),
    max_wait_ms: z.number().int().nonnegative().default(15000),
    predecessor_wait_timeout_sec: z.number().nonnegative().default(3600),
    include_errors: z.boolean().default(true),
    skip_invalid_files: z.boolean().default(false),
    bad_tool_call_handling: z.enum(["none", "use_recorded"]).default("none"),
    trace_directory: z.string().nullable().default(null),
    trace_files: z.array(z.string()).nullable().default(null),
    hf_dataset_path: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable().default(null),
    filter: z.string().nullable().default(null),
    trace_idle_gap_cap_seconds: z.number().default(60),
    ignore_trace_delays: z.boolean().default(false),
    use_think_time_only: z.boolean().default(false),
    // 0.7.0 does not bound it; a block size ≤ 0 divides by zero there, so kneepoint refuses it up front.
    default_block_size: z.number().int().positive().default(64),
    num_dataset_entries: z.number().int().default(100),
    datagen_workers: z.number().int().min(1).nullable().default(null),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (c.use_static_model && !c.static_model_name) issue("static_model_name", "is required when use_static_model is true");
    if (!c.use_static_model && c.static_model_name && !c.model_mapping) issue("static_model_name", "is set but use_static_model is false: set use_static_model: true, or give model_mapping");
    const sources = [c.trace_directory, c.trace_files, c.hf_dataset_path].filter((s) => s !== null).length;
    if (sources === 0) issue("trace_files", "set one trace source: trace_directory, trace_files or hf_dataset_path");
    if (sources > 1) issue("trace_files", "set only one trace source: trace_directory, trace_files or hf_dataset_path");
    if (c.hf_dataset_path !== null && typeof c.hf_dataset_path === "object" && typeof c.hf_dataset_path.path !== "string") {
      issue("hf_dataset_path", "as a mapping needs path: the dataset id, e.g. {path: semianalysisai/cc-traces-weka-042026}");
    }
  });

export type WekaTraceReplayConfig = z.infer<typeof wekaTraceReplaySchema>;
