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
import { checkTraceReplay, sessionReplayBaseShape, traceSourceShape } from "./session-replay-base-schema.ts";

export const wekaTraceReplaySchema = z
  .strictObject({
    ...sessionReplayBaseShape,
    ...traceSourceShape,
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
    checkTraceReplay(c, issue);
    if (c.hf_dataset_path !== null && typeof c.hf_dataset_path === "object" && typeof c.hf_dataset_path.path !== "string") {
      issue("hf_dataset_path", "as a mapping needs path: the dataset id, e.g. {path: semianalysisai/cc-traces-weka-042026}");
    }
  });

export type WekaTraceReplayConfig = z.infer<typeof wekaTraceReplaySchema>;
