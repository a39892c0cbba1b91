/**
 * The sweep's configuration: one zod schema, the single source of defaults (CONVENTIONS.md, habit 1).
 * Keys are camelCase here; YAML files and flags use the kebab-case flag names (see read-sweep-config.ts).
 */
import { z } from "zod";
import { MAX_SHARDS } from "../shard/shard-spec.ts";

export const DEFAULT_CONCURRENCY = [1, 2, 4, 8, 16, 32] as const;

const positiveInt = z.number().int().positive();

/**
 * URLs with user:password are refused (and never echoed): Node's fetch rejects them anyway, and a password in a
 * URL would reach logs and config.json. Credentials go in --api-key / OPENAI_API_KEY or PROMETHEUS_TOKEN.
 */
const noCredentials = (u: string) => {
  try {
    const url = new URL(u);
    return url.username === "" && url.password === "";
  } catch {
    return true; // not a URL: z.url() reports that
  }
};
const CREDENTIALS_MESSAGE = "must not contain user:password; pass credentials with --api-key / OPENAI_API_KEY (target) or PROMETHEUS_TOKEN (Prometheus)";

export const sweepConfigSchema = z
  .strictObject({
    baseUrl: z.url({ message: "must be a URL such as http://127.0.0.1:8000" }).refine(noCredentials, CREDENTIALS_MESSAGE).default("http://127.0.0.1:8000"),
    model: z.string().min(1).optional(),
    endpoint: z
      .string()
      .refine((e) => e.startsWith("/") && e.endsWith("completions"), {
        message: "must be a path ending in completions, such as /v1/completions or /v1/chat/completions",
      })
      .default("/v1/completions"),
    tokenizer: z.string().min(1).optional(),
    concurrency: z
      .array(positiveInt)
      .min(1, { message: "needs at least one level, such as 1,2,4" })
      .default([...DEFAULT_CONCURRENCY]),
    inputLen: positiveInt.default(256),
    outputLen: positiveInt.default(128),
    /** Requests per step, the same at every level (as vllm bench serve's --num-prompts per invocation). */
    numPrompts: positiveInt.optional(),
    /** Requests per step per unit of concurrency: a step at concurrency N sends max(minPrompts, K·N). */
    promptsPerStep: positiveInt.default(8),
    /** Floor of the per-step request count when it is derived from promptsPerStep. */
    minPrompts: positiveInt.default(32),
    /** Unmeasured requests sent at the step's concurrency before each measured step. */
    warmup: z.number().int().nonnegative().default(0),
    seed: z.number().int().nonnegative().default(42),
    ignoreEos: z.boolean().default(true),
    apiKey: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Per-request timeout, seconds. */
    timeoutS: z.number().positive().default(600),
    out: z.string().min(1).default("results"),
    percentiles: z.array(z.number().gt(0).lt(100)).default([50, 90, 95, 99]),
    /** Read resource peaks per step (Prometheus, or a direct scrape of the target's /metrics). */
    serverMetrics: z.boolean().default(true),
    /** A Prometheus that scrapes the target (and dcgm-exporter); without it the target is scraped directly. */
    prometheusUrl: z.url({ message: "must be a URL such as http://prometheus:9090" }).refine(noCredentials, CREDENTIALS_MESSAGE).optional(),
    /** Prometheus' scrape interval, seconds: sets the subquery resolution and how long to wait for the last scrape. */
    scrapeIntervalS: z.number().positive().default(15),
    /** RE2 regex of the target's pod (matched against pod and exported_pod) when Prometheus scrapes a cluster. */
    pod: z.string().min(1).optional(),
    /** RE2 regex of the GPU node (DCGM's Hostname/hostname label). */
    gpuHost: z.string().min(1).optional(),
    /** A DCGM exporter's /metrics for direct-scrape mode (the simulator's /dcgm/metrics is found automatically). */
    dcgmUrl: z.url({ message: "must be a URL such as http://node:9400/metrics" }).refine(noCredentials, CREDENTIALS_MESSAGE).optional(),
    /** Direct-scrape mode: the replicas' /metrics (--metrics-url, repeatable), scraped instead of the target's. */
    metricsUrls: z.array(z.url({ message: "must be a URL such as http://10.0.0.7:8000/metrics" }).refine(noCredentials, CREDENTIALS_MESSAGE)).optional(),
    dryRun: z.boolean().default(false),
    /**
     * This process sends shard `index` (0-based) of `count` of the plan (`--shard i/N`): its share of each step's
     * workers and prompts (src/shard/split-sweep.ts); `kneepoint merge` joins the shards' result directories.
     */
    shard: z
      .strictObject({ index: z.number().int().nonnegative(), count: z.number().int().positive().max(MAX_SHARDS) })
      .refine((s) => s.index < s.count, { message: "the index is 0-based and must be below the count, e.g. 0/4 … 3/4" })
      .optional(),
    /** Wall-clock epoch ms at which the first step starts (`--start-at`), so shards on several machines start together. */
    startAtEpochMs: z.number().int().positive().optional(),
  })
  .superRefine((cfg, ctx) => {
    const sorted = [...cfg.concurrency].sort((a, b) => a - b);
    if (new Set(sorted).size !== sorted.length) {
      ctx.addIssue({ code: "custom", path: ["concurrency"], message: "levels must be distinct" });
    }
    if (cfg.numPrompts !== undefined) {
      const tooSmall = cfg.concurrency.filter((c) => c > cfg.numPrompts!);
      if (tooSmall.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["numPrompts"],
          message: `${cfg.numPrompts} requests cannot keep ${tooSmall.join(",")} in flight; use at least ${Math.max(...tooSmall)}`,
        });
      }
    }
    // A shard with no worker at any level would send nothing at all: the run needs fewer shards, not idle pods.
    const top = Math.max(...cfg.concurrency);
    if (cfg.shard && cfg.shard.count > top) {
      ctx.addIssue({
        code: "custom",
        path: ["shard"],
        message: `${cfg.shard.count} shards for a highest concurrency of ${top}: shards ${top}–${cfg.shard.count - 1} would send nothing at any step; use at most ${top} shards`,
      });
    }
  });

export type SweepConfigInput = z.input<typeof sweepConfigSchema>;
export type SweepConfig = z.infer<typeof sweepConfigSchema>;

/** Requests sent in the measured part of a step at this concurrency. */
export function promptsForStep(cfg: Pick<SweepConfig, "numPrompts" | "promptsPerStep" | "minPrompts">, concurrency: number): number {
  return cfg.numPrompts ?? Math.max(cfg.minPrompts, cfg.promptsPerStep * concurrency);
}

/** The API type implied by the endpoint path. */
export function apiKindOf(endpoint: string): "chat" | "completion" {
  return endpoint.endsWith("chat/completions") ? "chat" : "completion";
}
