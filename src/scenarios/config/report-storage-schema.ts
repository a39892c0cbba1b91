/**
 * inference-perf's `report`, `storage` and `metrics` blocks (research/inference-perf.md §1.6–§1.8).
 * Storage paths may hold `{timestamp}`, replaced when the config is read (storage-timestamp.ts); the
 * default local path is inference-perf's `reports-<YYYYmmdd-HHMMSS>`.
 */
import { z } from "zod";

export const DEFAULT_PERCENTILES = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];
export const DEFAULT_REPORT_PATH = "reports-{timestamp}";

const PERCENTILE_RANGE = { message: "percentiles must be within [0, 100] (inference-perf accepts others, then fails writing its reports after the run)" };

const nullableBool = (value: boolean) => z.boolean().nullable().default(value);

export const reportSchema = z.strictObject({
  request_lifecycle: z
    .strictObject({
      summary: nullableBool(true),
      per_stage: nullableBool(true),
      per_request: nullableBool(false),
      per_request_fields: z
        .strictObject({
          request: z.boolean().default(true),
          response: z.boolean().default(true),
          info: z.boolean().default(true),
          response_chunks: z.boolean().default(true),
          computed_metrics: z.boolean().default(false),
        })
        .prefault({}),
      per_adapter: nullableBool(true),
      per_adapter_stage: nullableBool(false),
      /**
       * 0 and 100 are the minimum and maximum (keys p0, p100), as numpy computes them. Outside [0, 100] both releases
       * accept the config and numpy raises when the reports are written, after the whole run: refused here instead.
       */
      percentiles: z.array(z.number().gte(0, PERCENTILE_RANGE).lte(100, PERCENTILE_RANGE)).default([...DEFAULT_PERCENTILES]),
      use_server_output_tokens: z.boolean().default(false),
      max_error_messages: z.number().int().nonnegative().default(100),
    })
    .prefault({}),
  prometheus: z.strictObject({ summary: nullableBool(true), per_stage: nullableBool(false) }).nullable().prefault({}),
  session_lifecycle: z.strictObject({ summary: nullableBool(true), per_stage: nullableBool(true), per_session: nullableBool(false) }).prefault({}),
  /**
   * SLO thresholds in seconds; a request is good when it meets every one given. Any name is accepted, as 0.7.0's
   * `Dict[str, float]`; only ttft, tpot, itl, ntpot and request_latency are read (by both), the others draw a warning.
   */
  goodput: z
    .strictObject({
      constraints: z.record(z.string(), z.number()).default({}),
    })
    .nullable()
    .default(null),
});

const storageBase = {
  path: z.string().min(1).default(DEFAULT_REPORT_PATH),
  report_file_prefix: z.string().nullable().default(null),
};

export const storageSchema = z.strictObject({
  local_storage: z.strictObject(storageBase).prefault({}),
  google_cloud_storage: z.strictObject({ bucket_name: z.string().min(1), ...storageBase }).nullable().default(null),
  simple_storage_service: z
    .strictObject({
      bucket_name: z.string().min(1),
      ...storageBase,
      endpoint_url: z.string().min(1).nullable().default(null),
      region_name: z.string().min(1).nullable().default(null),
      addressing_style: z.enum(["auto", "virtual", "path"]).nullable().default(null),
    })
    .nullable()
    .default(null),
});

export const metricsSchema = z.strictObject({
  type: z.enum(["prometheus", "default"], { message: "metrics.type is required: prometheus or default" }),
  prometheus: z
    .strictObject({
      url: z.url({ message: "must be a URL such as http://prometheus:9090" }).nullable().default(null),
      scrape_interval: z.number().int().positive().default(15),
      filters: z.array(z.string()).default([]),
      google_managed: z.boolean().default(false),
    })
    .nullable()
    .default(null),
});

export type ReportConfig = z.infer<typeof reportSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type MetricsConfig = z.infer<typeof metricsSchema>;
