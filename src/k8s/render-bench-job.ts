/**
 * benchmarks/job.yaml as the runner applies it. Pure: the loaded manifest in, a new Job out.
 * - both engines: the namespace, the run-id label, the request shape from the settings (as env values, the
 *   seed's "override the request via env on the Job"), and the vLLM image of deploy/vllm/values.yaml;
 * - ENGINE=native: the container becomes a stock node image that unpacks the bundled engine from the
 *   `kneepoint-engine` ConfigMap and runs `kneepoint sweep --log-results` with the same env and the same
 *   security settings; results travel through the log between the same markers.
 * The golden files test/goldens/job-{vllm,native}.yaml pin the result.
 */
import type { V1Container, V1EnvVar, V1Job, V1Volume } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import { LABEL, objectMeta } from "./manifest-names.ts";
import { BUNDLE_KEY } from "./engine-bundle.ts";
import { shardedVllmRefusal, type BenchSettings } from "./bench-settings.ts";

export const BUNDLE_MOUNT = "/opt/kneepoint";

/**
 * The start of every native container's script (the sweep's, capacity-job-script.ts's). Same target defaults and
 * checks as the vLLM script (a bench-target key wins, else DEFAULT_*); the bundle is unpacked to the writable
 * /tmp and run with the Job's request shape. Never prints the environment (OPENAI_API_KEY is in it).
 */
export const NATIVE_PRELUDE = `set -eu
set -f  # no filename expansion: CONCURRENCY and EXTRA_ARGS are split on spaces only
BASE_URL="\${BASE_URL:-$DEFAULT_BASE_URL}"
BENCH_MODEL="\${BENCH_MODEL:-$DEFAULT_BENCH_MODEL}"
TOKENIZER="\${TOKENIZER:-$DEFAULT_TOKENIZER}"
ENDPOINT="\${ENDPOINT:-$DEFAULT_ENDPOINT}"
node -e 'const z=require("node:zlib"),f=require("node:fs");f.writeFileSync("/tmp/kneepoint.mjs",z.gunzipSync(f.readFileSync("${BUNDLE_MOUNT}/${BUNDLE_KEY}")))'
`;

const SWEEP_ARGS = `set -- sweep --base-url "$BASE_URL" --model "$BENCH_MODEL" --tokenizer "$TOKENIZER" --endpoint "$ENDPOINT" \\
  --concurrency "$(echo $CONCURRENCY | tr ' ' ',')" --input-len "$INPUT_LEN" --output-len "$OUTPUT_LEN" \\
  --prompts-per-step "$PROMPTS_PER_STEP" --seed "$SEED" --out "$RESULT_DIR" \\
  --no-charts --no-server-metrics --log-results
if [ -n "\${NUM_PROMPTS:-}" ]; then set -- "$@" --num-prompts "$NUM_PROMPTS"; fi
`;
const SWEEP_EXEC = `exec node /tmp/kneepoint.mjs "$@" \${EXTRA_ARGS:-}
`;

/** The native container's script for the sweep: the prelude, then `kneepoint sweep --log-results`. */
export const NATIVE_SCRIPT = `${NATIVE_PRELUDE}${SWEEP_ARGS}echo "kneepoint: native engine, target $BASE_URL$ENDPOINT, model $BENCH_MODEL, concurrency $CONCURRENCY"
${SWEEP_EXEC}`;

/**
 * PODS=N: the same sweep as shard $JOB_COMPLETION_INDEX of SHARD_COUNT (the Job controller sets the index on each
 * pod of an Indexed Job), every shard starting at SHARD_START_AT, the instant the runner chose for all of them.
 */
export const SHARDED_NATIVE_SCRIPT = `${NATIVE_PRELUDE}${SWEEP_ARGS}: "\${JOB_COMPLETION_INDEX:?is not set: the Job must run with completionMode Indexed}"
set -- "$@" --shard "$JOB_COMPLETION_INDEX/$SHARD_COUNT" --start-at "$SHARD_START_AT"
echo "kneepoint: native engine, shard $JOB_COMPLETION_INDEX/$SHARD_COUNT starting at $SHARD_START_AT, target $BASE_URL$ENDPOINT, model $BENCH_MODEL, concurrency $CONCURRENCY"
${SWEEP_EXEC}`;

/** PODS=N (N ≥ 2): the Job's pods and the instant every shard starts at. */
export interface ShardedJob {
  count: number;
  startAtEpochMs: number;
  /** How long before that instant the Job is created (SHARD_START_DELAY): the cluster's deadline grows by it. */
  startDelayMs: number;
}

export interface RenderJobOptions {
  settings: Pick<BenchSettings, "engine" | "concurrency" | "inputLen" | "outputLen" | "numPrompts" | "seed" | "extraArgs" | "nodeImage" | "startTimeoutMin" | "runTimeoutMin" | "cachePvc">;
  namespace: string;
  runId: string;
  /** The vLLM image (deploy/vllm/values.yaml), which the vllm engine runs `vllm bench serve` from. */
  vllmImage: string;
  /** Name of the ConfigMap with the native engine's bundle. */
  bundleConfigMap: string;
  /**
   * The model server of deploy/vllm/values.yaml: its served name and model id become the Job's DEFAULT_BENCH_MODEL
   * and DEFAULT_TOKENIZER, so a forker who changes the model there benchmarks it without editing the Job.
   */
  server?: { servedModelName: string; model: string; imagePullSecrets?: Array<{ name: string }> };
  /** ENGINE=native: what the container runs (default: the sweep's NATIVE_SCRIPT, no arguments). */
  native?: NativeCommand;
  /** PODS ≥ 2: an Indexed Job of that many sweep shards (ENGINE=native only). */
  shards?: ShardedJob;
}

/** A script for `/bin/sh -c` and its arguments (the first becomes $0, the rest "$@"). */
export interface NativeCommand {
  script: string;
  args: string[];
}

/** Settings that become env values of the Job's container. */
function envOverrides(s: RenderJobOptions["settings"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.concurrency) out.CONCURRENCY = s.concurrency.join(" ");
  if (s.inputLen !== undefined) out.INPUT_LEN = String(s.inputLen);
  if (s.outputLen !== undefined) out.OUTPUT_LEN = String(s.outputLen);
  if (s.numPrompts !== undefined) out.NUM_PROMPTS = String(s.numPrompts);
  if (s.seed !== undefined) out.SEED = String(s.seed);
  if (s.extraArgs !== undefined) out.EXTRA_ARGS = s.extraArgs;
  return out;
}

function patchEnv(env: V1EnvVar[], overrides: Record<string, string>): V1EnvVar[] {
  const names = new Set(env.map((e) => e.name));
  for (const name of Object.keys(overrides)) {
    if (!names.has(name)) throw new UsageError(`benchmarks/job.yaml has no env entry ${name} to override`, `restore the ${name} entry in the Job's env (git diff benchmarks/job.yaml)`);
  }
  return env.map((e) => (e.name in overrides ? { name: e.name, value: overrides[e.name] } : e));
}

export function renderBenchJob(source: V1Job, opts: RenderJobOptions): V1Job {
  const job = structuredClone(source);
  const meta = objectMeta("bench-job", opts.runId);
  job.metadata = { ...job.metadata, name: meta.name, namespace: opts.namespace, labels: { ...job.metadata?.labels, ...meta.labels } };
  const template = job.spec?.template;
  const pod = template?.spec;
  const [container, ...others] = pod?.containers ?? [];
  if (!template || !pod || !container || others.length > 0) {
    throw new UsageError("benchmarks/job.yaml must hold a Job with one container", "restore it with `git checkout benchmarks/job.yaml`");
  }
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [LABEL.runId]: opts.runId } };
  // If the runner dies (a laptop asleep, a lost VPN), the Job must still stop loading the server: the cluster ends
  // it when the runner's own timeouts would have.
  job.spec!.activeDeadlineSeconds = Math.ceil((opts.settings.startTimeoutMin + opts.settings.runTimeoutMin) * 60);
  const server: Record<string, string> = opts.server ? { DEFAULT_BENCH_MODEL: opts.server.servedModelName, DEFAULT_TOKENIZER: opts.server.model } : {};
  container.env = patchEnv(container.env ?? [], { ...server, ...envOverrides(opts.settings) });
  if (opts.settings.cachePvc) {
    // HOME on the user's claim: the tokenizer stays between runs. fsGroup makes a fresh volume writable for uid 1000.
    pod.volumes = (pod.volumes ?? []).map((v) => (v.name === "home" ? { name: "home", persistentVolumeClaim: { claimName: opts.settings.cachePvc! } } : v));
    pod.securityContext = { ...pod.securityContext, fsGroup: pod.securityContext?.fsGroup ?? container.securityContext?.runAsUser ?? 1000 };
  }
  if (opts.settings.engine === "vllm") {
    if (opts.shards && opts.shards.count > 1) throw shardedVllmRefusal(opts.shards.count);
    container.image = opts.vllmImage;
    // The server's image from the server's registry: the Job needs the Secrets the server pulls it with.
    if (opts.server?.imagePullSecrets?.length) pod.imagePullSecrets = opts.server.imagePullSecrets.map((s) => ({ ...s }));
    return job;
  }
  const shards = opts.shards && opts.shards.count > 1 ? opts.shards : undefined;
  if (shards && opts.native) throw new UsageError(`only the sweep runs as ${shards.count} load pods`, "run it with PODS=1");
  pod.containers = [nativeContainer(container, opts.settings.nodeImage, opts.native ?? { script: shards ? SHARDED_NATIVE_SCRIPT : NATIVE_SCRIPT, args: [] })];
  const volume: V1Volume = { name: "engine", configMap: { name: opts.bundleConfigMap, items: [{ key: BUNDLE_KEY, path: BUNDLE_KEY }] } };
  pod.volumes = [...(pod.volumes ?? []).filter((v) => v.name !== "engine"), volume];
  if (shards) indexShards(job, shards, opts.runId, opts.settings);
  return job;
}

/**
 * PODS=N: one pod per completion index, all at once. backoffLimitPerIndex 0: a failed index is not retried (a second
 * attempt would send its share again after the others ended) and does not stop the others, whose results are kept;
 * the Job-wide backoffLimit is left to its default for per-index limits, since 0 would end every index at the first
 * failure. Preferred anti-affinity spreads the load pods over nodes, so one node's CPU is not what limits the load.
 */
function indexShards(job: V1Job, shards: ShardedJob, runId: string, settings: RenderJobOptions["settings"]): void {
  const spec = job.spec!;
  const pod = spec.template.spec!;
  delete spec.backoffLimit;
  Object.assign(spec, { completionMode: "Indexed", completions: shards.count, parallelism: shards.count, backoffLimitPerIndex: 0 });
  spec.activeDeadlineSeconds = Math.ceil((settings.startTimeoutMin + settings.runTimeoutMin) * 60 + shards.startDelayMs / 1000);
  pod.affinity = {
    ...pod.affinity,
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { [LABEL.runId]: runId } } } },
      ],
    },
  };
  const container = pod.containers[0]!;
  container.env = [
    ...(container.env ?? []),
    { name: "SHARD_COUNT", value: String(shards.count) },
    { name: "SHARD_START_AT", value: new Date(shards.startAtEpochMs).toISOString() },
  ];
}

function nativeContainer(vllm: V1Container, image: string, native: NativeCommand): V1Container {
  return {
    ...vllm,
    image,
    command: ["/bin/sh", "-c", native.script],
    ...(native.args.length ? { args: native.args } : {}),
    // Node needs far less than Python with torch: one core for the event loop, memory for the samples.
    resources: { requests: { cpu: "1", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
    volumeMounts: [...(vllm.volumeMounts ?? []), { name: "engine", mountPath: BUNDLE_MOUNT, readOnly: true }],
  };
}

/**
 * Moves a sharded Job's shared start (SHARD_START_AT) to `startAtEpochMs`: the runner stamps it again just before it
 * creates the Job, so the time spent bundling the engine and deleting a previous Job does not eat into the delay.
 */
export function setShardStart(job: V1Job, startAtEpochMs: number): string {
  const env = job.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === "SHARD_START_AT");
  if (!env) throw new Error("the Job is not sharded: it has no SHARD_START_AT");
  env.value = new Date(startAtEpochMs).toISOString();
  return env.value;
}
