/**
 * The simulator's options: one zod schema, the single source of defaults. Profile-dependent
 * defaults (served model name, max_model_len, max_num_seqs) are filled by `resolveSimConfig`.
 */
import { z } from "zod";
import { UsageError } from "../errors.ts";
import { getProfile, PROFILE_NAMES, type SimProfile } from "./profiles.ts";
import { kvCapacityBlocks } from "./roofline.ts";
import { ROUTER_STRATEGIES } from "./router.ts";

const rate = z.number().min(0).max(1);

/** One `--lora-modules` entry: `name=path`, or vLLM's JSON form `{"name","path","base_model_name"}`. */
export const loraModuleSchema = z.strictObject({
  name: z.string().min(1),
  path: z.string().min(1),
  base_model_name: z.string().min(1).nullable().default(null),
});
export type LoraModule = z.infer<typeof loraModuleSchema>;
const port = z.number().int().min(0).max(65535);

export const simOptionsSchema = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    /** 0 picks a free port. */
    port: port.default(0),
    profile: z.enum(PROFILE_NAMES).default("h100-8b"),
    /** Served model name; the profile's Hugging Face id when absent. */
    modelName: z.string().min(1).optional(),
    /** Virtual time runs this many times faster than real time (performance model only). */
    speedup: z.number().positive().default(1),
    /** Deterministic mode when both are set: exact TTFT and inter-token latency, no batching. */
    ttftMs: z.number().min(0).optional(),
    itlMs: z.number().min(0).optional(),
    /** Expose vllm:gpu_cache_usage_perc (vLLM ≤ 0.10) instead of vllm:kv_cache_usage_perc. */
    legacyMetrics: z.boolean().default(false),
    /** Also serve the DCGM exporter text at /metrics on this port (0 = a free port). */
    dcgmPort: port.optional(),
    maxModelLen: z.number().int().positive().optional(),
    maxNumSeqs: z.number().int().positive().optional(),
    /** Fraction of requests answered with `faultErrorStatus`. */
    faultErrorRate: rate.default(0),
    faultErrorStatus: z.number().int().min(400).max(599).default(500),
    /** Fraction answered 429 with Retry-After: 1. */
    faultRateLimitRate: rate.default(0),
    /** Fraction whose connection is destroyed mid-stream. */
    faultDisconnectRate: rate.default(0),
    /** Fraction that stall `faultStallMs` before their first token. */
    faultStallRate: rate.default(0),
    faultStallMs: z.number().min(0).default(2000),
    /** Fraction with one data line that is not JSON. */
    faultMalformedRate: rate.default(0),
    /** Fraction whose connection is closed before any response byte (a transport fault a client may retry). */
    faultResetRate: rate.default(0),
    seed: z.number().int().default(42),
    /** vLLM's --lora-modules: adapters served beside the base model (listed in /v1/models, accepted as `model`). */
    loraModules: z.array(loraModuleSchema).default([]),
    /** vLLM's --max-loras: distinct adapters one batch may hold (default 1, as vLLM). */
    maxLoras: z.number().int().positive().default(1),
    /** Serve HTTPS with this certificate chain (PEM file); needs tlsKey. */
    tlsCert: z.string().min(1).optional(),
    /** The private key (PEM file) of tlsCert. */
    tlsKey: z.string().min(1).optional(),
    /** With TLS: require a client certificate signed by this CA (PEM file), refuse the handshake otherwise. */
    tlsClientCa: z.string().min(1).optional(),
    /** vLLM's --enable-prefix-caching (automatic prefix caching, on by default in vLLM V1): prompt blocks already computed are reused. */
    enablePrefixCaching: z.boolean().default(true),
    /** Simulated replicas behind one router (router.ts); each also serves its own port (its /metrics per pod). */
    replicas: z.number().int().min(1).max(64).default(1),
    /** How the router picks a replica (llm-d's strategies; router.ts). */
    router: z.enum(ROUTER_STRATEGIES).default("random"),
  })
  .refine((o) => (o.tlsCert === undefined) === (o.tlsKey === undefined), {
    message: "tlsCert and tlsKey must be given together",
    path: ["tlsCert"],
  })
  .refine((o) => o.tlsClientCa === undefined || o.tlsCert !== undefined, {
    message: "tlsClientCa needs tlsCert and tlsKey (client certificates are a TLS feature)",
    path: ["tlsClientCa"],
  })
  .refine((o) => (o.ttftMs === undefined) === (o.itlMs === undefined), {
    message: "ttftMs and itlMs must be set together (deterministic mode) or not at all",
    path: ["ttftMs"],
  })
  .refine((o) => new Set(o.loraModules.map((m) => m.name)).size === o.loraModules.length, {
    message: "each LoRA adapter name may be given once",
    path: ["loraModules"],
  })
  .refine((o) => o.ttftMs === undefined || o.speedup === 1, {
    message: "speedup applies to the performance model; in deterministic mode (ttftMs/itlMs) timings are exact",
    path: ["speedup"],
  });

export type SimOptions = z.output<typeof simOptionsSchema>;

export interface SimConfig extends SimOptions {
  modelName: string;
  maxModelLen: number;
  maxNumSeqs: number;
  profileSpec: SimProfile;
  totalKvBlocks: number;
  deterministic: { ttftMs: number; itlMs: number } | null;
}

export function parseSimOptions(input: Partial<SimOptions>): SimOptions {
  const result = simOptionsSchema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new UsageError(`simulator option ${first.path.join(".") || "(root)"}: ${first.message}`, "see `kneepoint sim --help`");
  }
  return result.data;
}

export function resolveSimConfig(input: Partial<SimOptions>): SimConfig {
  const options = parseSimOptions(input);
  const profileSpec = getProfile(options.profile);
  const totalKvBlocks = kvCapacityBlocks(profileSpec);
  const maxModelLen = options.maxModelLen ?? profileSpec.serving.maxModelLen;
  const capacityTokens = totalKvBlocks * profileSpec.serving.blockSize;
  if (maxModelLen > capacityTokens) {
    // vLLM refuses to start in this case too.
    throw new UsageError(
      `max_model_len ${maxModelLen} exceeds the KV cache of profile ${options.profile} (${capacityTokens} tokens)`,
      `use --max-model-len ${capacityTokens} or less`,
    );
  }
  return {
    ...options,
    modelName: options.modelName ?? profileSpec.model.hfId,
    maxModelLen,
    maxNumSeqs: options.maxNumSeqs ?? profileSpec.serving.maxNumSeqs,
    profileSpec,
    totalKvBlocks,
    deterministic:
      options.ttftMs !== undefined && options.itlMs !== undefined ? { ttftMs: options.ttftMs, itlMs: options.itlMs } : null,
  };
}
