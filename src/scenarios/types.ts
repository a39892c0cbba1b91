/**
 * The contract between the three parts of a scenario run (inference-perf style configs, issue 6):
 *   data  (src/scenarios/data)   turns the config's `data` block into a RequestSource,
 *   load  (src/scenarios/load)   sends them on the stages' schedule and returns one StageRun per stage,
 *   report (src/scenarios/report) turns StageRuns into inference-perf's report files.
 * Times follow RequestRecord: monotonic milliseconds (performance.now()) of the sending process,
 * plus epoch milliseconds where server metrics must be lined up.
 */
import type { RequestRecord } from "../engine/request-record.ts";
import type { StageBreakerTrip } from "./breakers/run-breakers.ts";
import type { RequestMedia } from "./data/multimodal-content.ts";

/** One request ready to send: the JSON body is serialized by the data generator, off the hot path. */
export interface ScenarioRequest {
  body: string;
  /** Prompt length in tokens as the generator planned it (client-side count). */
  plannedPromptTokens: number;
  /** `max_tokens` / `max_completion_tokens` in the body, or null when the body sets none. */
  plannedOutputTokens: number | null;
  /** Shared-prefix group of the prompt, when the data has groups. */
  group?: number;
  /** The LoRA adapter the body names as its model (load.lora_traffic_split), when the run splits traffic. */
  loraAdapter?: string;
  /** The index its record carries, when not its index in the source (prompts prepared per step: the sweep's). */
  recordIndex?: number;
  /**
   * The session the request belongs to (conversation_replay, shared_prefix with enable_multi_turn_chat): sent with
   * api.session_*_header_key. Such sources also carry `sessions` (data/session-source.ts), which build the turns' bodies.
   */
  sessionId?: string;
  /** The images, videos and audio the body carries (multimodal data), as inference-perf 0.7.0 records them. */
  media?: RequestMedia;
  /** The replay graph event a session replay request is (per-request reports' info.graph_event_id). */
  graphEventId?: string;
  /** Headers sent with it (otel_trace_replay attribute_to_header_map). */
  headers?: Record<string, string>;
  /** Its per-request report's info.labels (otel_trace_replay attribute_to_label_map). */
  labels?: Record<string, string>;
}

/** The requests of a run, produced lazily so a 1,000 req/s stage does not build its bodies up front. */
export interface RequestSource {
  /** The i-th request of the run (0-based, counted across stages). Sources with a finite dataset cycle. */
  request(i: number): ScenarioRequest;
  /** Human-readable one-liner for --dry-run and the report header, e.g. "synthetic, input normal(512±128)…". */
  describe(): string;
}

/** How one stage sends its requests (inference-perf's stage kinds, after sweep stages are generated). */
export type StagePlan =
  | { kind: "constant" | "poisson"; rate: number; durationS: number }
  /** load.type trace_replay: due times from the trace (one per request, ascending); rate is reported as requested_rate. */
  | { kind: "trace_replay"; rate: number; durationS: number; offsetsMs: Float64Array }
  | { kind: "concurrent"; concurrency: number; numRequests: number }
  /** load.type trace_session_replay (src/scenarios/load/session-replay-stage.ts): sessions, not requests, are paced. */
  | SessionReplayStagePlan;

export interface SessionReplayStagePlan {
  kind: "session_replay";
  /** What 0.7.0 reports as the stage's requested_rate: session_rate, or 0 without one. */
  rate: number;
  /** 0: a session stage lasts as long as its sessions do. */
  durationS: 0;
  /** 0: every session of the stage at once. */
  concurrentSessions: number;
  sessionRate: number | null;
  /** null: every session left in the corpus. */
  numSessions: number | null;
  timeoutS: number | null;
}

/** One measured request of a scenario: the client's record plus when the schedule wanted it sent. */
export interface ScenarioRecord extends RequestRecord {
  /** Stage index (0-based; −1 for a sweep's probe stage, which is not reported). */
  stage: number;
  /**
   * Monotonic ms at which the load timer scheduled the request. Schedule delay = sendMs − scheduledMs
   * (inference-perf's `load_summary.schedule_delay`). For closed-loop stages it is the moment a
   * concurrency slot became free, so the delay measures only the client.
   */
  scheduledMs: number;
  /** Monotonic ms when the response ended (success or failure); request latency = endMs − sendMs. */
  endMs: number;
  /** The body sent, when the source cannot rebuild it from the index (a session turn built from earlier answers). */
  sentBody?: string;
  /** The session and its turn number from 1 (multi-turn data: 0.7.0's extra_info user_session / chat_round). */
  session?: { id: string; round: number };
}

export type StageStatus = "completed" | "failed" | "timed_out" | "interrupted";

export interface StageRun {
  index: number;
  plan: StagePlan;
  status: StageStatus;
  /** Monotonic ms of the stage's first scheduled send and of its last response's end. */
  startMs: number;
  endMs: number;
  /** Epoch ms of the same two moments, for Prometheus windows. */
  startEpochMs: number;
  /** Epoch ms at which the stage began (its time origin, before the first arrival): what shards' start skew compares. */
  originEpochMs?: number;
  endEpochMs: number;
  /** Every request sent in the stage, in completion order (empty when the run folded them as they came). */
  records: ScenarioRecord[];
  /** Requests sent in the stage, whether their records were kept or not (absent: records.length). */
  sent?: number;
  /** Requests planned but never sent (interrupted or timed out). */
  unsent: number;
  /** The circuit breaker that stopped the stage (status `failed`), when one did (load.circuit_breakers). */
  circuitBreakerTrip?: StageBreakerTrip;
}
