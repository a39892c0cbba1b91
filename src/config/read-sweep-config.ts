/**
 * Reads the sweep's configuration from its sources and validates it once.
 * Precedence (highest first): command-line flags, the YAML file given with --config, environment variables
 * (the seed's bench-target ConfigMap keys BASE_URL, BENCH_MODEL, TOKENIZER, ENDPOINT, and the
 * bench-target-auth Secret's OPENAI_API_KEY), then the schema's defaults.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../errors.ts";
import { sweepConfigSchema, type SweepConfig, type SweepConfigInput } from "./sweep-config.ts";
import { camel, usageErrorFromZod } from "./config-errors.ts";

export const ENV_KEYS = {
  BASE_URL: "baseUrl",
  BENCH_MODEL: "model",
  TOKENIZER: "tokenizer",
  ENDPOINT: "endpoint",
  OPENAI_API_KEY: "apiKey",
  PROMETHEUS_URL: "prometheusUrl",
} as const satisfies Record<string, keyof SweepConfigInput>;

export function configFromEnv(env: NodeJS.ProcessEnv): Partial<SweepConfigInput> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name]?.trim();
    if (value) out[key] = value;
  }
  return out as Partial<SweepConfigInput>;
}

/** YAML keys are the flag names (`base-url`, `input-len`, …); camelCase is accepted too. */
export async function readConfigFile(path: string): Promise<Partial<SweepConfigInput>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "check the --config path");
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`, "fix the YAML syntax");
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`config file ${path} must be a mapping of flag names to values`, "e.g. `concurrency: [1, 2, 4]`");
  }
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [camel(k), v])) as Partial<SweepConfigInput>;
}

/** Strips a trailing `/v1` (a common copy-paste from OpenAI client settings): endpoints carry it. */
export function normalizeBaseUrl(url: string): { url: string; stripped: boolean } {
  const trimmed = url.replace(/\/+$/, "");
  if (trimmed.endsWith("/v1")) return { url: trimmed.slice(0, -3), stripped: true };
  return { url: trimmed, stripped: false };
}

export interface ResolvedConfig {
  config: SweepConfig;
  warnings: string[];
}

export function resolveSweepConfig(layers: Array<Partial<SweepConfigInput>>, source = "configuration"): ResolvedConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  }
  const parsed = sweepConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw usageErrorFromZod(parsed.error, source, "run `kneepoint sweep --help` for the accepted values");
  }
  const warnings: string[] = [];
  const { url, stripped } = normalizeBaseUrl(parsed.data.baseUrl);
  if (stripped) warnings.push(`base URL ended in /v1; using ${url} (endpoints already start with /v1)`);
  const shard = parsed.data.shard;
  const below = shard ? [...parsed.data.concurrency].sort((a, b) => a - b).filter((c) => c < shard.count) : [];
  if (shard && below.length > 0) {
    // Shards never talk to each other: one that sits a step out goes on to the next step at once.
    warnings.push(
      `--shard ${shard.index}/${shard.count}: concurrency ${below.join(",")} ${below.length > 1 ? "are" : "is"} below the ${shard.count} shards, so some shards sit ${below.length > 1 ? "those steps" : "that step"} out and start the next one early: ` +
        `the later steps start skewed across shards (\`kneepoint merge\` shows by how much); with --shard, use levels of at least ${shard.count}`,
    );
  }
  return { config: { ...parsed.data, baseUrl: url }, warnings };
}
