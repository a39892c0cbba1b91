/**
 * Cross-field rules of session replay, where inference-perf 0.7.0 raises them before any request:
 *   - data.type otel_trace_replay / weka_trace_replay / synthetic_agentic requires load.type trace_session_replay
 *     (config/config.py `validate_trace_replay_load_type`), and trace_session_replay requires one of them
 *     (load_generator.py: "LoadType.TRACE_SESSION_REPLAY requires SessionGenerator");
 *   - a session data type needs its block; the session generators speak chat and anthropic_messages
 *     (get_supported_apis), not completion;
 *   - trace_session_replay stages: concurrent_sessions required, session_rate ≤ concurrent_sessions when that is
 *     > 0, no rate/duration/num_requests/concurrency_level (TraceSessionReplayLoadStage forbids extra keys).
 */
import type { z } from "zod";
import type { dataSchema } from "./data-schema.ts";
import type { loadSchema } from "./load-schema.ts";

type Issue = (path: Array<string | number>, message: string) => void;

const SESSION_DATA = ["otel_trace_replay", "weka_trace_replay", "synthetic_agentic"] as const;

export function checkSessionReplay(data: z.infer<typeof dataSchema>, load: z.infer<typeof loadSchema>, apiType: string, issue: Issue): void {
  const sessionData = (SESSION_DATA as readonly string[]).includes(data.type);
  if (sessionData && load.type !== "trace_session_replay") {
    issue(["load", "type"], `data.type ${data.type} requires load.type trace_session_replay (a session's calls depend on each other), got ${load.type}`);
  }
  if (load.type === "trace_session_replay" && !sessionData) {
    issue(["load", "type"], `trace_session_replay replays sessions: set data.type otel_trace_replay, weka_trace_replay or synthetic_agentic (data.type ${data.type} has none)`);
  }
  if (data.type === "otel_trace_replay" && data.otel_trace_replay === null) issue(["data", "otel_trace_replay"], "is required for data.type otel_trace_replay: {trace_files: [...]} or {trace_directory: ...}");
  if (data.type === "synthetic_agentic" && data.synthetic_agentic === null) issue(["data", "synthetic_agentic"], "is required for data.type synthetic_agentic: {num_sessions, input_tokens_per_turn, output_tokens_per_turn}");
  if (data.type === "weka_trace_replay" && data.weka_trace_replay === null) issue(["data", "weka_trace_replay"], "is required for data.type weka_trace_replay: {trace_files: [...]}, {trace_directory: ...} or {hf_dataset_path: ...}");
  if (sessionData && apiType === "completion") issue(["api", "type"], `data.type ${data.type} replays chat conversations: set api.type chat or anthropic_messages (inference-perf 0.7.0 refuses completion too)`);
  if (load.type !== "trace_session_replay") return;
  load.stages.forEach((s, i) => {
    const at = (k: string) => ["load", "stages", i, k];
    if (s.concurrent_sessions == null) issue(at("concurrent_sessions"), "is required for load.type trace_session_replay (0 = every session at once)");
    else if (s.session_rate != null && s.concurrent_sessions > 0 && s.session_rate > s.concurrent_sessions) {
      issue(at("session_rate"), `(${s.session_rate}) cannot exceed concurrent_sessions (${s.concurrent_sessions}): sessions cannot start faster than the concurrency limit allows`);
    }
    for (const k of ["rate", "duration", "num_requests", "concurrency_level"] as const) {
      if (s[k] != null) issue(at(k), "is not a key of a trace_session_replay stage (concurrent_sessions, session_rate, num_sessions, timeout)");
    }
  });
  if (load.circuit_breakers.length > 0) issue(["load", "circuit_breakers"], "are not supported by kneepoint with load.type trace_session_replay yet; remove them");
}
