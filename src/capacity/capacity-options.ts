/**
 * `kneepoint capacity`'s own settings (the target and request shape are the sweep's: src/config/sweep-config.ts).
 * One zod schema, the single source of defaults; keys are the flags' camelCase names.
 */
import { z } from "zod";

export const SEARCH_AXES = ["both", "rate", "concurrency"] as const;
/** poisson and constant are inference-perf's timers (src/scenarios/load); periodic is evenly spaced (periodic-offsets.ts). */
export const ARRIVALS = ["poisson", "constant", "periodic"] as const;

const positive = z.number().positive();
const positiveInt = z.number().int().positive();

export const capacityOptionsSchema = z
  .strictObject({
    slo: z.array(z.string().min(1)).min(1, { message: "needs at least one SLO, e.g. --slo 'p95(ttft)<=500ms'" }),
    search: z.enum(SEARCH_AXES).default("both"),
    arrival: z.enum(ARRIVALS).default("poisson"),
    /** First open-loop rate; default: the throughput the closed loop achieved at its answer (or 1 req/s). */
    startRate: positive.optional(),
    minRate: positive.default(0.05),
    maxRate: positive.default(100_000),
    startConcurrency: positiveInt.default(4),
    maxConcurrency: positiveInt.default(1024),
    /** Bisection stops when (first fail − last pass) / last pass ≤ this. */
    tolerance: z.number().gt(0).lt(1).default(0.04),
    /** Probe-length rule (probe-length.ts). */
    tailSamples: positiveInt.default(5),
    minRequests: positiveInt.default(50),
    minProbeS: z.number().min(0).default(10),
    warmupFraction: z.number().min(0).max(1).default(0.1),
    /** A verdict is close when a value is within this fraction of its limit; it is then measured again. */
    closeMargin: z.number().min(0).lt(1).default(0.05),
    repeats: z.number().int().min(0).default(1),
  })
  .superRefine((o, ctx) => {
    if (o.minRate > o.maxRate) ctx.addIssue({ code: "custom", path: ["minRate"], message: `must be ≤ --max-rate (${o.maxRate})` });
    if (o.startRate !== undefined && (o.startRate < o.minRate || o.startRate > o.maxRate)) ctx.addIssue({ code: "custom", path: ["startRate"], message: `must be within --min-rate … --max-rate (${o.minRate} … ${o.maxRate})` });
    if (o.startConcurrency > o.maxConcurrency) ctx.addIssue({ code: "custom", path: ["startConcurrency"], message: `must be ≤ --max-concurrency (${o.maxConcurrency})` });
  });

export type CapacityOptionsInput = z.input<typeof capacityOptionsSchema>;
export type CapacityOptions = z.infer<typeof capacityOptionsSchema>;

/** Used when the rate search has no closed-loop answer to start from. */
export const FALLBACK_START_RATE_RPS = 1;
