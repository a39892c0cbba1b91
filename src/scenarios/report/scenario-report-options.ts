/**
 * What the scenario reports need from the config (inference-perf's `report` block, research/inference-perf.md
 * §1.7, plus `api.streaming`). Defaults live in the config schema (src/scenarios/config/report-storage-schema.ts);
 * the config maps onto this type, so every field here is required except the genuinely optional ones.
 */
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
  /** api.streaming; false changes which output count is the client's (lifecycle-metrics.ts). Default true. */
  streaming?: boolean;
  /** The JSON body a record sent (request_size_bytes, per-request `request`); absent → left out. */
  requestBody?: (rec: ScenarioRecord) => string | undefined;
}
