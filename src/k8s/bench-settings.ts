/**
 * What `make bench` / `kneepoint bench` may change, read from flags and the environment (make passes its
 * command-line variables to the recipe's environment: `make bench ENGINE=native CONCURRENCY=1,4,16`). One zod
 * schema holds the defaults; every error names the variable and the fix. Pure.
 */
import { z } from "zod";
import { UsageError } from "../errors.ts";

const positiveInt = (name: string) =>
  z.coerce.number({ error: `${name} must be a whole number` }).int(`${name} must be a whole number`).positive(`${name} must be positive`);

/** "1,2,4" or "1 2 4" → [1, 2, 4]. */
const concurrencyList = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(/[\s,]+/).filter(Boolean);
    const values = parts.map(Number);
    if (parts.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v <= 0)) {
      ctx.addIssue({ code: "custom", message: `CONCURRENCY must be positive whole numbers separated by commas or spaces, got '${s}'` });
      return z.NEVER;
    }
    return values;
  });

export const benchSettingsSchema = z.strictObject({
  engine: z.enum(["vllm", "native"], { error: "ENGINE must be vllm (vllm bench serve in the vLLM image) or native (kneepoint's engine in a node image)" }).default("vllm"),
  namespace: z.string().optional(),
  concurrency: concurrencyList.optional(),
  inputLen: positiveInt("INPUT_LEN").optional(),
  outputLen: positiveInt("OUTPUT_LEN").optional(),
  numPrompts: positiveInt("NUM_PROMPTS").optional(),
  seed: z.coerce.number().int("SEED must be a whole number").nonnegative("SEED must be 0 or more").optional(),
  /** Extra flags for the engine (vllm bench serve's, or kneepoint sweep's), split on spaces by the Job. */
  extraArgs: z.string().optional(),
  /** A Prometheus URL reachable from this machine, or a Service to reach through the API server. */
  prometheusUrl: z.url({ error: "PROMETHEUS_URL must be an http(s) URL" }).optional(),
  prometheusService: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+:[A-Za-z0-9-]+$/, "PROMETHEUS_SERVICE must be namespace/name:port, e.g. monitoring/prometheus-k8s:9090")
    .optional(),
  scrapeIntervalS: z.coerce.number().positive("SCRAPE_INTERVAL must be positive seconds").default(15),
  /**
   * The node image that runs the native engine. Node.js 24 LTS ("Krypton"): maintained until 2028-04-30 (Node 20
   * reached its end of life on 2026-04-30; Node 26 is the newer LTS since 2026-10-28, 24 the one with a year more
   * of use; nodejs/Release). Pinned to a minor version, like the vLLM image. The bundle targets node20
   * (package.json's engines, so the same code runs on a developer's Node 20 and in this image unchanged).
   */
  nodeImage: z.string().min(1).default("node:24.17-bookworm-slim"),
  /**
   * An existing PersistentVolumeClaim for the Job's HOME (the tokenizer in HF_HOME, Python's and vLLM's caches)
   * instead of an emptyDir: the tokenizer is downloaded once, not on every run, and air-gapped clusters can
   * pre-load it (with HF_HUB_OFFLINE=1 in the bench-target ConfigMap).
   */
  cachePvc: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "CACHE_PVC must be the name of a PersistentVolumeClaim in the namespace, e.g. bench-cache" })
    .optional(),
  /** Minutes to wait for the Job's pod to start (scheduling, node provisioning, image pull). */
  startTimeoutMin: z.coerce.number().positive("START_TIMEOUT must be positive minutes").default(20),
  /** Minutes the whole sweep may take once the pod runs. */
  runTimeoutMin: z.coerce.number().positive("RUN_TIMEOUT must be positive minutes").default(120),
  /** benchmarks.md to append to, or null. */
  record: z.string().nullable().default("benchmarks.md"),
  /** Keep the Job after collecting (for `kubectl logs`); it is deleted by its TTL after an hour. */
  keepJob: z.boolean().default(false),
  out: z.string().default("results"),
  charts: z.boolean().default(true),
  /**
   * Load pods (PODS): 1 is the one-pod Job; N ≥ 2 runs the native sweep as an Indexed Job of N pods, each sending
   * its share of every step (`kneepoint sweep --shard i/N`), whose results the runner merges.
   */
  pods: positiveInt("PODS").max(256, "PODS must be at most 256 (a Job's pods are followed one log stream each)").default(1),
  /**
   * Seconds from the runner's clock to the shared start of the shards (SHARD_START_DELAY): time for the Job's N pods
   * to be scheduled, pull the image and unpack the engine before every shard begins at the same instant.
   */
  shardStartDelayS: z.coerce.number().nonnegative("SHARD_START_DELAY must be 0 or more seconds").default(30),
});

export type BenchSettings = z.infer<typeof benchSettingsSchema>;
export type BenchSettingsInput = z.input<typeof benchSettingsSchema>;

/** The environment variables `make bench` documents, mapped onto settings keys. */
const ENV_KEYS: Record<string, keyof BenchSettingsInput> = {
  ENGINE: "engine",
  NAMESPACE: "namespace",
  CONCURRENCY: "concurrency",
  INPUT_LEN: "inputLen",
  OUTPUT_LEN: "outputLen",
  NUM_PROMPTS: "numPrompts",
  SEED: "seed",
  EXTRA_ARGS: "extraArgs",
  PROMETHEUS_URL: "prometheusUrl",
  PROMETHEUS_SERVICE: "prometheusService",
  SCRAPE_INTERVAL: "scrapeIntervalS",
  NODE_IMAGE: "nodeImage",
  CACHE_PVC: "cachePvc",
  START_TIMEOUT: "startTimeoutMin",
  RUN_TIMEOUT: "runTimeoutMin",
  PODS: "pods",
  SHARD_START_DELAY: "shardStartDelayS",
};

/** Settings from the environment (empty values count as unset, as `make bench ENGINE=` means "default"). */
export function benchSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<BenchSettingsInput> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name]?.trim();
    if (v) out[key] = v;
  }
  if (env.KEEP_JOB?.trim() && env.KEEP_JOB.trim() !== "0") out.keepJob = true;
  return out as Partial<BenchSettingsInput>;
}

/** Flags win over the environment; errors name the variable. */
export function resolveBenchSettings(...layers: Array<Partial<BenchSettingsInput>>): BenchSettings {
  const merged = Object.assign({}, ...layers) as BenchSettingsInput;
  const parsed = benchSettingsSchema.safeParse(merged);
  if (parsed.success) {
    if (parsed.data.prometheusUrl && parsed.data.prometheusService) {
      throw new UsageError("PROMETHEUS_URL and PROMETHEUS_SERVICE are both set", "set one: a URL this machine reaches, or namespace/name:port of the in-cluster Service");
    }
    if (parsed.data.pods > 1 && parsed.data.engine === "vllm") throw shardedVllmRefusal(parsed.data.pods);
    return parsed.data;
  }
  const lines = parsed.error.issues.map((i) => i.message);
  throw new UsageError(`invalid bench settings: ${lines.join("; ")}`, "fix the variable named (see `make help` and `kneepoint bench --help`)");
}

/**
 * PODS > 1 with ENGINE=vllm: `vllm bench serve` prints percentiles, not the samples or histograms behind them, and
 * percentiles of parts do not combine into the percentile of the whole; N such results cannot be merged exactly.
 */
export function shardedVllmRefusal(pods: number): UsageError {
  return new UsageError(
    `ENGINE=vllm cannot run as PODS=${pods} load pods: vllm bench serve reports percentiles only, and the percentiles of ${pods} shards cannot be merged into the run's exactly`,
    `use ENGINE=native with PODS=${pods} (kneepoint's engine keeps mergeable state per shard), or PODS=1 with ENGINE=vllm`,
  );
}
