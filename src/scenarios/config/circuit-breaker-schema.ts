/**
 * Top-level `circuit_breakers` as inference-perf 0.7.0 defines them (config/circuit_breaker/config.py:19-53):
 *   - name: <unique name, enabled for a run by listing it in load.circuit_breakers>
 *     metrics: {matches: [JMESPath…] (≥ 1), rules: [JMESPath…] (default [])}
 *     triggers: [{type: consecutive, threshold: int ≥ 1}
 *              | {type: rate_over_window, window_sec: > 0, threshold: 0..1, min_samples: int ≥ 0 (default 0)}]
 * These are pydantic `BaseModel`s, not the strict models of the rest of the config: keys they do not know are ignored
 * by 0.7.0, and so here (z.object strips them). The expressions are compiled when the config is read
 * (scenario-config-schema.ts), so one kneepoint cannot evaluate is refused before anything is sent.
 */
import { z } from "zod";

export const consecutiveTriggerSchema = z.object({
  type: z.literal("consecutive"),
  threshold: z.number().int().min(1, { message: "threshold must be ≥ 1 (consecutive hits that trip the breaker)" }),
});

export const rateOverWindowTriggerSchema = z.object({
  type: z.literal("rate_over_window"),
  window_sec: z.number().gt(0, { message: "window_sec must be > 0 (seconds)" }),
  threshold: z.number().min(0).max(1, { message: "threshold is a hit rate between 0.0 and 1.0" }),
  min_samples: z.number().int().min(0).default(0),
});

export const triggerSchema = z.discriminatedUnion("type", [consecutiveTriggerSchema, rateOverWindowTriggerSchema], {
  message: "type must be consecutive or rate_over_window",
});

export const circuitBreakerSchema = z.object({
  name: z.string(),
  metrics: z.object({
    matches: z.array(z.string()).min(1, { message: "matches needs at least one JMESPath expression" }),
    rules: z.array(z.string()).default([]),
  }),
  triggers: z.array(triggerSchema),
});

export type TriggerConfig = z.infer<typeof triggerSchema>;
export type CircuitBreakerConfig = z.infer<typeof circuitBreakerSchema>;
