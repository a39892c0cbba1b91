/**
 * `data.otel_trace_replay` (inference-perf 0.7.0 config/datagen/replay.py `OTelTraceReplayConfig`, which extends
 * `SessionReplayConfig`): where the OTel trace files are and how their sessions are replayed. Defaults as 0.7.0's.
 * Keys kneepoint reads: the trace source (trace_directory, trace_files, hf_dataset_path), filter, max_wait_ms,
 * predecessor_wait_timeout_sec, include_errors, skip_invalid_files, duplicate_sessions_target,
 * inject_random_session_id, disable_output_substitution, attribute_to_header_map and attribute_to_label_map; the others are accepted (0.7.0's own replay of OTel traces ignores the model keys too:
 * every request names the served model) and refused by unsupported-features.ts where kneepoint would differ.
 */
import { z } from "zod";
import { checkTraceReplay, sessionReplayBaseShape, traceSourceShape } from "./session-replay-base-schema.ts";

export const otelTraceReplaySchema = z
  .strictObject({
    ...sessionReplayBaseShape,
    ...traceSourceShape,
    disable_output_substitution: z.boolean().default(false),
    attribute_to_header_map: z.record(z.string(), z.string()).nullable().default(null),
    attribute_to_label_map: z.record(z.string(), z.string()).nullable().default(null),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    checkTraceReplay(c, issue);
    if (c.disable_output_substitution) {
      const conflicting = [c.inject_random_session_id ? "inject_random_session_id" : null, c.duplicate_sessions_target !== null ? "duplicate_sessions_target" : null].filter(Boolean);
      if (conflicting.length) issue("disable_output_substitution", `cannot be combined with ${conflicting.join(" and ")} (they rewrite the messages it keeps as recorded); unset one`);
    }
  });

export type OtelTraceReplayConfig = z.infer<typeof otelTraceReplaySchema>;
