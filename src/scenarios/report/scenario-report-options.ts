/**
 * What the scenario reports need from the config (inference-perf's `report` block, research/inference-perf.md
 * §1.7, plus `api.streaming` and the tokenizer). Defaults live in the config schema
 * (src/scenarios/config/report-storage-schema.ts); the config maps onto this type, so every field here is required
 * except the genuinely optional ones.
 */
import type { RequestMedia } from "../data/multimodal-content.ts";
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import type { ScenarioRecord } from "../types.ts";
import type { GoodputConstraints } from "./goodput-metrics.ts";

export interface ScenarioReportOptions {
  /** report.request_lifecycle.summary / per_stage / per_request. */
  summary: boolean;
  perStage: boolean;
  perRequest: boolean;
  /** report.request_lifecycle.percentiles, each in [0, 100]. */
  percentiles: readonly number[];
  /** report.request_lifecycle.use_server_output_tokens. */
  useServerOutputTokens: boolean;
  /** report.request_lifecycle.max_error_messages. */
  maxErrorMessages: number;
  /** report.goodput.constraints (seconds); null or {} for none. */
  goodput: GoodputConstraints | null;
  /** api.streaming; false: no token times, and the client's output count comes from the whole answer. Default true. */
  streaming?: boolean;
  /** The JSON body a record sent (request_size_bytes, per-request `request`); absent → left out. */
  requestBody?: (rec: ScenarioRecord) => string | undefined;
  /** The images, videos and audio a record's request carried (multimodal data): the report's media keys. */
  requestMedia?: (rec: ScenarioRecord) => RequestMedia | undefined;
  /**
   * The run's tokenizer (tokens of a text, no special tokens): the client-side output count of each answer, as
   * inference-perf's `count_tokens(output_text, add_special_tokens=False)`. Absent: one token per content chunk.
   * response-token-counts.ts builds it for a run's records.
   */
  countTokens?: (text: string) => number;
  /**
   * The config has a `tokenizer` block: token times come from re-tokenized chunks (zero gaps inside a chunk) and
   * token_count_mismatches is counted (inference-perf `correct_streamed_response_metrics`). Needs countTokens.
   */
  retokenizeChunks?: boolean;
  /** report.request_lifecycle.per_adapter / per_adapter_stage (adapter_<a>_… files; default false here). */
  perAdapter?: boolean;
  perAdapterStage?: boolean;
  /** The LoRA adapter a record was sent to (load.lora_traffic_split), null for the base model; absent: no split. */
  loraAdapter?: (rec: ScenarioRecord) => string | null;
  /** A session replay request's graph event (info.graph_event_id, output_text, output_message); null otherwise. */
  graphEventId?: (rec: ScenarioRecord) => string | null;
  /** A request's info.labels (otel_trace_replay attribute_to_label_map); absent: {} for every request. */
  labels?: (rec: ScenarioRecord) => Record<string, string>;
  /** The enabled circuit breakers: kneepoint_circuit_breakers.json says which tripped, when (breakers-file.ts). */
  circuitBreakers?: readonly CircuitBreakerConfig[];
}
