/**
 * The files of a scenario report directory and their schemas. inference-perf's files
 * (research/inference-perf.md §2.1–2.2) are read loosely: releases add keys, and only the keys below are
 * used; a key that is present must have the right type. `server_metrics_timeseries.json` is kneepoint's own
 * file (the run command writes it when it read server metrics) and is strict.
 */
import { z } from "zod";
import { KNEEPOINT_PROMETHEUS_FILE as KNEEPOINT_PROMETHEUS_REPORT } from "../../scenarios/report/collect-prometheus-reports.ts";

export const SUMMARY_LIFECYCLE_FILE = "summary_lifecycle_metrics.json";
export const SUMMARY_PROMETHEUS_FILE = "summary_prometheus_metrics.json";
export const CONFIG_FILE = "config.yaml";
export const TIMESERIES_FILE = "server_metrics_timeseries.json";
export const STAGE_LIFECYCLE_FILE = /^stage_(-?\d+)_lifecycle_metrics\.json$/;
export const stagePrometheusFile = (index: number): string => `stage_${index}_prometheus_metrics.json`;

const num = z.number();
/**
 * `{mean, min, max, p0.1 … median … p99.9}`, or null when the window had no values. Values may be null
 * (e.g. `prompt_tokens.cached` when the server reports no cache counts).
 */
const dist = z.record(z.string(), num.nullable()).nullable().optional();

export const lifecycleFileSchema = z.looseObject({
  benchmark_time_seconds: num.optional(),
  load_summary: z
    .looseObject({
      count: num.optional(),
      schedule_delay: dist,
      send_duration: num.optional(),
      requested_rate: num.nullable().optional(),
      achieved_rate: num.nullable().optional(),
      concurrency: num.nullable().optional(),
    })
    .optional(),
  successes: z.looseObject({
    count: num,
    latency: z
      .looseObject({
        request_latency: dist,
        normalized_time_per_output_token: dist,
        time_per_output_token: dist,
        time_to_first_token: dist,
        inter_token_latency: dist,
      })
      .optional(),
    throughput: z
      .looseObject({
        input_tokens_per_sec: num.optional(),
        output_tokens_per_sec: num.optional(),
        total_tokens_per_sec: num.optional(),
        requests_per_sec: num.optional(),
      })
      .optional(),
    /** Current releases: `{total, cached, uncached, mean, …}`; older ones: `prompt_len` / `output_len` only. */
    prompt_tokens: dist,
    output_tokens: dist,
    prompt_len: dist,
    output_len: dist,
  }),
  failures: z.looseObject({ count: num }).optional(),
});
export type LifecycleFile = z.infer<typeof lifecycleFileSchema>;

const meanOnly = z.looseObject({ mean: num.nullable().optional() }).nullable().optional();

export const prometheusFileSchema = z.looseObject({
  successes: z
    .looseObject({
      queue_len: meanOnly,
      num_requests_running: meanOnly,
      kv_cache_usage_percentage: dist,
    })
    .optional(),
});
export type PrometheusFile = z.infer<typeof prometheusFileSchema>;

/**
 * `kneepoint_prometheus_report.json`: kneepoint's own record beside the Prometheus reports (written by
 * src/scenarios/report/collect-prometheus-reports.ts). The inference-perf files hold 0.0 where a query failed or
 * found nothing, as inference-perf writes them; `report` here has null there, and `queries` says why. Read loosely.
 */
export const KNEEPOINT_PROMETHEUS_FILE = `${KNEEPOINT_PROMETHEUS_REPORT}.json`;
export const kneepointPrometheusFileSchema = z.looseObject({
  prometheus_url: z.string().optional(),
  reports: z.array(
    z.looseObject({
      file: z.string(),
      report: prometheusFileSchema,
      queries: z.array(z.looseObject({ field: z.string(), stat: z.string(), status: z.string(), error: z.string().optional() })).default([]),
    }),
  ),
});
export type KneepointPrometheusFile = z.infer<typeof kneepointPrometheusFileSchema>;

const count = z.number().min(0).nullable();

/**
 * `server_metrics_timeseries.json`: one sample per scrape (or Prometheus step) of the run,
 * `kv_cache_usage_perc` a fraction 0–1 as vLLM's gauge of that name, null where a series was absent;
 * `stages` the epoch windows of the stages, so the charts can shade them.
 */
const timeseriesSample = z.strictObject({
  t_epoch_s: z.number().positive(),
  kv_cache_usage_perc: z
    .number()
    .min(0)
    .max(1, { message: "must be a fraction in [0, 1] (vLLM's kv_cache_usage_perc), not a percentage" })
    .nullable(),
  num_requests_waiting: count,
  num_requests_running: count,
});

/**
 * `pods` (optional): the same samples per replica when the target has several (one per scraped endpoint, or
 * Prometheus' `pod` label), for seed 004's per-pod table and charts; `samples` stays the aggregate
 * (waiting and running summed over pods, KV of the busiest).
 */
export const timeseriesFileSchema = z.strictObject({
  samples: z.array(timeseriesSample),
  pods: z.array(z.strictObject({ pod: z.string().min(1), samples: z.array(timeseriesSample) })).optional(),
  stages: z
    .array(z.strictObject({ stage: z.number().int(), start_epoch_s: z.number().positive(), end_epoch_s: z.number().positive() }))
    .default([]),
});
export type TimeseriesFile = z.infer<typeof timeseriesFileSchema>;
