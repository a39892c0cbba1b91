/**
 * inference-perf's `load` block (research/inference-perf.md §1.3). A stage's fields depend on
 * `load.type`: constant/poisson/trace_replay stages have `rate` + `duration`, concurrent stages
 * `num_requests` + `concurrency_level` (trace_session_replay ones are refused as unsupported). One stage
 * schema holds all of them and scenario-config-schema.ts checks which ones the load type needs.
 */
import { z } from "zod";
import { loraTrafficSplitSchema } from "./lora-split-schema.ts";
import { traceSchema } from "./trace-schema.ts";

export const LOAD_TYPES = ["constant", "poisson", "trace_replay", "concurrent", "trace_session_replay"] as const;

export const stageSchema = z.strictObject({
  rate: z.number().positive({ message: "rate must be > 0 (requests per second)" }).nullable().default(null),
  duration: z.number().int({ message: "duration must be a whole number of seconds" }).positive({ message: "duration must be > 0 seconds" }).nullable().default(null),
  num_requests: z.number().int().positive({ message: "num_requests must be > 0" }).nullable().default(null),
  concurrency_level: z.number().int().positive({ message: "concurrency_level must be > 0" }).nullable().default(null),
  concurrent_sessions: z.number().int().nonnegative().nullable().default(null),
  session_rate: z.number().positive().nullable().default(null),
  num_sessions: z.number().int().positive().nullable().default(null),
  timeout: z.number().positive().nullable().default(null),
});

export const sweepSchema = z.strictObject({
  type: z.enum(["linear", "geometric"], { message: "sweep.type is required: linear or geometric" }),
  num_requests: z.number().int().positive().default(2000),
  timeout: z.number().positive().default(60),
  num_stages: z.number().int().positive().default(5),
  stage_duration: z.number().int().positive().default(180),
  saturation_percentile: z.number().gt(0).lte(100).default(95),
});

export const loadSchema = z.strictObject({
  type: z.enum(LOAD_TYPES, { message: `must be one of ${LOAD_TYPES.join(", ")}` }).default("constant"),
  /** Seconds slept between stages; both releases accept any number (a negative one sleeps 0 s, as asyncio.sleep). */
  interval: z.number().default(1),
  stages: z.array(stageSchema).default([]),
  sweep: sweepSchema.nullable().default(null),
  /** inference-perf's default is the CPU count; readScenarioConfig fills it in the same way. */
  num_workers: z.number().int().nonnegative().default(1),
  worker_max_concurrency: z.number().int().nonnegative().default(100),
  worker_max_tcp_connections: z.number().int().positive().default(2500),
  /** Arrival times for load.type trace_replay (read only for that type, as 0.7.0's load generator). */
  trace: traceSchema.nullable().default(null),
  circuit_breakers: z.array(z.string()).default([]),
  /** Per-request timeout, seconds; ≤ 0 means none, as aiohttp treats a timeout of 0 (run-options.ts). */
  request_timeout: z.number().nullable().default(null),
  /** 0.7.0: extra attempts for a request that failed before any response (src/scenarios/load/request-retries.ts). */
  request_retries: z.number().int().nonnegative().default(0),
  request_retry_backoff_sec: z.number().nonnegative().default(0.5),
  /** 0.7.0: grace for in-flight requests after a stage ends; kneepoint waits for them (written to config.yaml only). */
  stage_teardown_grace_seconds: z.number().nonnegative().default(120),
  /** [{name, split}], splits summing to exactly 1.0 (lora-split-schema.ts). */
  lora_traffic_split: loraTrafficSplitSchema.nullable().default(null),
  /** inference-perf's default is the current time in ms; readScenarioConfig fills it from its clock. */
  base_seed: z.number().int().nonnegative().default(0),
});

export type LoadConfig = z.infer<typeof loadSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
export type SweepConfig = z.infer<typeof sweepSchema>;
