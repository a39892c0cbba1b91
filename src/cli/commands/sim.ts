import type { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { FAULT_HEADER_HELP } from "../../sim/fault-injection.ts";
import { PROFILES, PROFILE_NAMES, type ProfileName } from "../../sim/profiles.ts";
import { decodeStepCost, kvCapacityTokens } from "../../sim/roofline.ts";
import { startSimulator } from "../../sim/server.ts";
import { ROUTER_STRATEGIES, type RouterStrategy } from "../../sim/router.ts";
import { parseLoraModules } from "../../sim/lora-modules.ts";
import { parseSimOptions, type SimOptions } from "../../sim/sim-options.ts";

interface SimFlags {
  port: string;
  host?: string;
  profile?: string;
  servedModelName?: string;
  speedup?: string;
  ttftMs?: string;
  itlMs?: string;
  legacyMetrics?: boolean;
  dcgmPort?: string;
  maxNumSeqs?: string;
  maxModelLen?: string;
  faultErrorRate?: string;
  faultErrorStatus?: string;
  faultRateLimitRate?: string;
  faultDisconnectRate?: string;
  faultStallRate?: string;
  faultStallMs?: string;
  faultMalformedRate?: string;
  faultResetRate?: string;
  seed?: string;
  loraModules?: string[];
  maxLoras?: string;
  enablePrefixCaching?: boolean;
  replicas?: string;
  router?: string;
  enableLora?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

interface NumberRule {
  integer?: boolean;
  min: number;
  max?: number;
  exclusiveMin?: boolean;
}

/** Parses one numeric flag, or throws a UsageError naming it. */
function numberFlag(flag: string, raw: string | undefined, rule: NumberRule): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const belowMin = rule.exclusiveMin ? value <= rule.min : value < rule.min;
  if (raw.trim() === "" || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || belowMin || value > (rule.max ?? Infinity)) {
    const kind = rule.integer ? "an integer" : "a number";
    const range = `${rule.exclusiveMin ? ">" : "≥"} ${rule.min}${rule.max !== undefined ? ` and ≤ ${rule.max}` : ""}`;
    throw new UsageError(`${flag} must be ${kind} ${range}, got "${raw}"`, `e.g. ${flag} ${rule.min + (rule.exclusiveMin ? 1 : 0)}`);
  }
  return value;
}

export function simOptionsFromFlags(flags: SimFlags): Partial<SimOptions> {
  if (flags.profile !== undefined && !(PROFILE_NAMES as string[]).includes(flags.profile)) {
    throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(", ")}, got "${flags.profile}"`, "run `kneepoint sim --help` for the list");
  }
  if ((flags.ttftMs === undefined) !== (flags.itlMs === undefined)) {
    throw new UsageError("--ttft-ms and --itl-ms must be given together (deterministic mode)", "e.g. --ttft-ms 50 --itl-ms 10");
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key must be given together", "e.g. --tls-cert server.pem --tls-key server.key");
  }
  if (flags.tlsClientCa !== undefined && flags.tlsCert === undefined) {
    throw new UsageError("--tls-client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)", "add --tls-cert server.pem --tls-key server.key");
  }
  if (flags.ttftMs !== undefined && flags.speedup !== undefined) {
    throw new UsageError("--speedup applies to the performance model; with --ttft-ms/--itl-ms timings are already exact", "drop --speedup");
  }
  const rate = (flag: string, raw: string | undefined) => numberFlag(flag, raw, { min: 0, max: 1 });
  const options: Partial<SimOptions> = {
    host: flags.host,
    port: numberFlag("--port", flags.port, { integer: true, min: 0, max: 65535 }),
    profile: flags.profile as ProfileName | undefined,
    modelName: flags.servedModelName,
    speedup: numberFlag("--speedup", flags.speedup, { min: 0, exclusiveMin: true }),
    ttftMs: numberFlag("--ttft-ms", flags.ttftMs, { min: 0 }),
    itlMs: numberFlag("--itl-ms", flags.itlMs, { min: 0 }),
    legacyMetrics: flags.legacyMetrics === true,
    dcgmPort: numberFlag("--dcgm-port", flags.dcgmPort, { integer: true, min: 0, max: 65535 }),
    maxNumSeqs: numberFlag("--max-num-seqs", flags.maxNumSeqs, { integer: true, min: 1 }),
    maxModelLen: numberFlag("--max-model-len", flags.maxModelLen, { integer: true, min: 1 }),
    faultErrorRate: rate("--fault-error-rate", flags.faultErrorRate),
    faultErrorStatus: numberFlag("--fault-error-status", flags.faultErrorStatus, { integer: true, min: 400, max: 599 }),
    faultRateLimitRate: rate("--fault-rate-limit-rate", flags.faultRateLimitRate),
    faultDisconnectRate: rate("--fault-disconnect-rate", flags.faultDisconnectRate),
    faultStallRate: rate("--fault-stall-rate", flags.faultStallRate),
    faultStallMs: numberFlag("--fault-stall-ms", flags.faultStallMs, { min: 0 }),
    faultMalformedRate: rate("--fault-malformed-rate", flags.faultMalformedRate),
    faultResetRate: rate("--fault-reset-rate", flags.faultResetRate),
    seed: numberFlag("--seed", flags.seed, { integer: true, min: -(2 ** 31) }),
    loraModules: flags.loraModules ? parseLoraModules(flags.loraModules) : undefined,
    maxLoras: numberFlag("--max-loras", flags.maxLoras, { integer: true, min: 1 }),
    tlsCert: flags.tlsCert,
    tlsKey: flags.tlsKey,
    tlsClientCa: flags.tlsClientCa,
    enablePrefixCaching: flags.enablePrefixCaching,
    replicas: numberFlag("--replicas", flags.replicas, { integer: true, min: 1 }),
    router: flags.router === undefined ? undefined : routerFlag(flags.router),
  };
  // drop unset keys so the schema's defaults apply
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<SimOptions>;
}

function routerFlag(value: string): RouterStrategy {
  if ((ROUTER_STRATEGIES as readonly string[]).includes(value)) return value as RouterStrategy;
  throw new UsageError(`--router ${value} is not a strategy`, `use one of ${ROUTER_STRATEGIES.join(", ")}`);
}

function profilesHelp(): string {
  return PROFILE_NAMES.map((name) => {
    const p = PROFILES[name];
    const kv = kvCapacityTokens(p).toLocaleString("en-US");
    const decodeMs = decodeStepCost(p, 1, 256).durationMs.toFixed(1);
    return `  ${name.padEnd(11)} ${p.summary}; KV ${kv} tokens, batch-1 decode ${decodeMs} ms, max_num_seqs ${p.serving.maxNumSeqs}`;
  }).join("\n");
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Registers `kneepoint sim` (the vLLM-compatible simulator). */
export function registerSimCommand(program: Command): void {
  const defaults = parseSimOptions({}); // the schema is the source of defaults; the CLI only changes the port
  program
    .command("sim")
    .description("run a vLLM-compatible simulator: OpenAI endpoints, vLLM /metrics, DCGM-style GPU metrics, fault injection")
    .option("--port <n>", "port to listen on (0 picks a free port)", "8000")
    .option("--host <addr>", `address to bind (default ${defaults.host})`)
    .option("--profile <name>", `GPU + model profile: ${PROFILE_NAMES.join(", ")} (default ${defaults.profile})`)
    .option("--served-model-name <name>", "model name clients must send (default: the profile's model id)")
    .option("--speedup <x>", `run the performance model x times faster than real time (default ${defaults.speedup})`)
    .option("--ttft-ms <n>", "deterministic mode: first token exactly n ms after the request (needs --itl-ms)")
    .option("--itl-ms <n>", "deterministic mode: one token every n ms after the first (0 and 0: as fast as possible)")
    .option("--legacy-metrics", "expose vllm:gpu_cache_usage_perc instead of vllm:kv_cache_usage_perc")
    .option("--dcgm-port <n>", "also serve DCGM-exporter metrics at /metrics on this port (they are always at /dcgm/metrics)")
    .option("--max-num-seqs <n>", "continuous-batching limit (default: the profile's)")
    .option("--max-model-len <n>", "context limit in tokens (default: the profile's)")
    .option("--fault-error-rate <p>", "fraction of requests answered with --fault-error-status (default 0)")
    .option("--fault-error-status <code>", `HTTP status of injected errors (default ${defaults.faultErrorStatus})`)
    .option("--fault-rate-limit-rate <p>", "fraction answered 429 with Retry-After: 1 (default 0)")
    .option("--fault-disconnect-rate <p>", "fraction whose connection is destroyed mid-stream (default 0)")
    .option("--fault-stall-rate <p>", "fraction that stall before their first token (default 0)")
    .option("--fault-stall-ms <n>", `length of an injected stall (default ${defaults.faultStallMs})`)
    .option("--fault-malformed-rate <p>", "fraction with one SSE data line that is not JSON (default 0)")
    .option("--fault-reset-rate <p>", "fraction whose connection is closed before any response byte (default 0)")
    .option("--seed <n>", `seed for answers, early stops and fault draws (default ${defaults.seed})`)
    .option("--lora-modules <name=path...>", "LoRA adapters to serve, vLLM's syntax: name=path or '{\"name\":…,\"path\":…,\"base_model_name\":…}' (implies --enable-lora)")
    .option("--enable-lora", "accepted for vLLM compatibility; --lora-modules enables LoRA by itself")
    .option("--replicas <n>", "simulated vLLM replicas behind one router on --port; replica i also serves --port + 1 + i (its own /metrics, as a pod's); default 1")
    .option("--router <strategy>", `how the router picks a replica: ${ROUTER_STRATEGIES.join(", ")} (llm-d's random-picker; queue + KV scorers; + approximate prefix scorer, the default scheduling; + precise prefix scorer over the replicas' real caches); default random`)
    .option("--enable-prefix-caching", "vLLM's automatic prefix caching, on by default as in vLLM V1: a prompt's leading KV blocks already computed (same tokens, same adapter) are reused, not prefilled; vllm:prefix_cache_hits_total / queries_total count it")
    .option("--no-enable-prefix-caching", "turn automatic prefix caching off (vLLM's flag): every prompt is prefilled in full")
    .option("--max-loras <n>", `distinct LoRA adapters one batch may hold (default ${defaults.maxLoras}, as vLLM)`)
    .option("--tls-cert <file>", "serve HTTPS with this certificate chain (PEM; needs --tls-key)")
    .option("--tls-key <file>", "the private key of --tls-cert (PEM)")
    .option("--tls-client-ca <file>", "require a client certificate signed by this CA (PEM); handshakes without one are refused")
    .addHelpText(
      "after",
      `\nProfiles:\n${profilesHelp()}\n\n` +
        `Per-request faults (for tests), as a request header:\n  ${FAULT_HEADER_HELP}\n\n` +
        "LoRA (--lora-modules): each adapter is a model of its own in /v1/models (root = its path, parent = the base\n" +
        "model) and in requests; vllm:lora_requests_info shows the running and waiting adapters. Cost: at most\n" +
        "--max-loras adapters per batch (vLLM's scheduler rule), and 0.5 ms per distinct adapter per engine step.\n\n" +
        "TLS (--tls-cert, --tls-key): the simulator serves https:// (the DCGM port stays http). With --tls-client-ca\n" +
        "it requires a client certificate that CA signed, as an mTLS gateway does (server.cert_path/key_path).\n\n" +
        "Images and audio (chat content parts image_url / input_audio, base64 data: URLs) count as vLLM counts them\n" +
        "for Qwen2-VL and Qwen2-Audio: an image of h×w is round(h/28)·round(w/28) tokens after smart_resize\n" +
        "(min 3,136 / max 12,845,056 pixels) + 2 (1920×1080: 2,693); audio 25 tokens per second (max 30 s) + 2.\n" +
        "They are in usage.prompt_tokens and vllm:prompt_tokens. video_url (MP4) is refused: send frames.\n\n" +
        "Endpoints: /v1/completions, /v1/chat/completions, /v1/models, /health, /version, /tokenize, /detokenize,\n" +
        "/metrics (vLLM names), /dcgm/metrics (DCGM exporter names).\n\n" +
        "Examples:\n" +
        "  kneepoint sim --port 8000                          # h100-8b in real time\n" +
        "  kneepoint sim --profile kv-starved --speedup 10    # KV-cache pressure, 10x faster\n" +
        "  kneepoint sim --port 0 --ttft-ms 50 --itl-ms 10    # exact timings for checking a client\n" +
        "  kneepoint sim --lora-modules sql=/adapters/sql chat=/adapters/chat --max-loras 2  # multi-LoRA\n" +
        "  kneepoint sim --replicas 4 --router prefix-precise   # llm-d's precise scheduling over 4 replicas",
    )
    .action(async (flags: SimFlags) => {
      const options = simOptionsFromFlags(flags);
      const sim = await startSimulator(options);
      const profile = flags.profile ?? defaults.profile;
      const loras = options.loraModules?.length ? `, LoRA adapters ${options.loraModules.map((m) => m.name).join(", ")} (max_loras ${options.maxLoras ?? defaults.maxLoras})` : "";
      const dcgm = `${loras}${sim.dcgmUrl ? `, DCGM exporter ${sim.dcgmUrl}` : ""}`;
      const mode = flags.ttftMs !== undefined ? `deterministic ttft ${flags.ttftMs} ms, itl ${flags.itlMs} ms` : `speedup ${flags.speedup ?? defaults.speedup}`;
      const tls = options.tlsClientCa ? ", TLS with client certificates" : "";
      process.stdout.write(`kneepoint sim listening on ${sim.url} (profile ${profile}, ${mode}${dcgm}${tls})\n`);
      if (sim.replicaUrls) process.stdout.write(`  ${sim.replicaUrls.length} replicas behind the ${options.router ?? "random"} router: ${sim.replicaUrls.join(", ")}\n`);
      await waitForSignal();
      await sim.close();
    });
}
