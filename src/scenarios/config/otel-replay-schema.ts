/**
 * `data.otel_trace_replay` (inference-perf 0.7.0 config/datagen/replay.py `OTelTraceReplayConfig`, which extends
 * `SessionReplayConfig`): where the OTel trace files are and how their sessions are replayed. Defaults as 0.7.0's.
 * Keys kneepoint reads: the trace source (trace_directory, trace_files, hf_dataset_path), filter, max_wait_ms,
 * predecessor_wait_timeout_sec, include_errors, skip_invalid_files, duplicate_sessions_target,
 * inject_random_session_id, disable_output_substitution, attribute_to_header_map and attribute_to_label_map; the others are accepted (0.7.0's own replay of OTel traces ignores the model keys too:
 * every request names the served model) and refused by unsupported-features.ts where kneepoint would differ.
 */
import { z } from "zod";

export const otelTraceReplaySchema = z
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
    disable_output_substitution: z.boolean().default(false),
    attribute_to_header_map: z.record(z.string(), z.string()).nullable().default(null),
    attribute_to_label_map: z.record(z.string(), z.string()).nullable().default(null),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (c.use_static_model && !c.static_model_name) issue("static_model_name", "is required when use_static_model is true");
    if (!c.use_static_model && c.static_model_name && !c.model_mapping) issue("static_model_name", "is set but use_static_model is false: set use_static_model: true, or give model_mapping");
    const sources = [c.trace_directory, c.trace_files, c.hf_dataset_path].filter((s) => s !== null).length;
    if (sources === 0) issue("trace_files", "set one trace source: trace_directory, trace_files or hf_dataset_path");
    if (sources > 1) issue("trace_files", "set only one trace source: trace_directory, trace_files or hf_dataset_path");
    if (c.disable_output_substitution) {
      const conflicting = [c.inject_random_session_id ? "inject_random_session_id" : null, c.duplicate_sessions_target !== null ? "duplicate_sessions_target" : null].filter(Boolean);
      if (conflicting.length) issue("disable_output_substitution", `cannot be combined with ${conflicting.join(" and ")} (they rewrite the messages it keeps as recorded); unset one`);
    }
  });

export type OtelTraceReplayConfig = z.infer<typeof otelTraceReplaySchema>;
