/**
 * The keys inference-perf 0.7.0's replay configs inherit (config/datagen/replay.py `SessionReplayConfig`, the base of
 * `OTelTraceReplayConfig`, `WekaTraceReplayConfig` and `SyntheticAgenticConfig`), with its defaults, and the trace
 * source keys the two trace replays share. Each schema spreads these in the order 0.7.0 declares them.
 */
import { z } from "zod";

export const sessionReplayBaseShape = {
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
};

/** Where a trace replay reads its traces (one of the first three) and the filter over them. */
export const traceSourceShape = {
  trace_directory: z.string().nullable().default(null),
  trace_files: z.array(z.string()).nullable().default(null),
  hf_dataset_path: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable().default(null),
  filter: z.string().nullable().default(null),
};

type Issue = (path: string, message: string) => void;
type BaseKeys = { use_static_model: boolean; static_model_name: string; model_mapping: Record<string, string> | null };
type SourceKeys = { trace_directory: string | null; trace_files: string[] | null; hf_dataset_path: string | Record<string, unknown> | null };

/** 0.7.0's validators of a trace replay: the static model, and exactly one trace source. */
export function checkTraceReplay(c: BaseKeys & SourceKeys, issue: Issue): void {
  if (c.use_static_model && !c.static_model_name) issue("static_model_name", "is required when use_static_model is true");
  if (!c.use_static_model && c.static_model_name && !c.model_mapping) issue("static_model_name", "is set but use_static_model is false: set use_static_model: true, or give model_mapping");
  const sources = [c.trace_directory, c.trace_files, c.hf_dataset_path].filter((s) => s !== null).length;
  if (sources === 0) issue("trace_files", "set one trace source: trace_directory, trace_files or hf_dataset_path");
  if (sources > 1) issue("trace_files", "set only one trace source: trace_directory, trace_files or hf_dataset_path");
}
