/**
 * deploy/vllm/values.yaml: what a forker changes about the model server (model, dtype, GPU, image). One strict
 * zod schema, so a typo in the file is an error rather than a silently ignored key; every error reads
 * `path: message`. `vllmServerArgs` and `vllmImage` turn the values into the Deployment's container fields;
 * a test checks that deploy/vllm/deployment.yaml equals them for the committed values.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UsageError } from "../errors.ts";

/** The port the server listens on: the Service, the probes and the Job's default BASE_URL use it. */
export const VLLM_PORT = 8000;

/** The addresses `vllm serve` may listen on: every IPv4 address, or every IPv6 (and IPv4-mapped) address. */
export const LISTEN_ADDRESSES = ["0.0.0.0", "::"] as const;

/** Flags derived from the values; setting them again in extraArgs would make two sources of truth. */
const MANAGED_FLAGS = [
  "--model",
  "--served-model-name",
  "--dtype",
  "--max-model-len",
  "--gpu-memory-utilization",
  "--tensor-parallel-size",
  "-tp",
  "--host",
  "--port",
  "--generation-config",
  "--override-generation-config",
] as const;

const quantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((q) => /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(q), {
    message: "must be a Kubernetes quantity such as 2, 500m or 8Gi",
  });

/** A DNS-1123 subdomain: names of Secrets, PVCs, RuntimeClasses, PriorityClasses. */
const objectName = (what: string) =>
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: `must be the name of ${what} (lower-case letters, digits, '-' and '.')` }).max(253);

/** A label key (optional DNS prefix and '/', then a name of up to 63 characters) and value (up to 63, may be empty). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** The labels kneepoint puts on its objects (the bench Job's podAffinity and the Service select by them). */
const OWN_LABEL_PREFIX = "app.kubernetes.io/";

const labels = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .default({})
  .superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      if (!LABEL_KEY.test(k)) ctx.addIssue({ code: "custom", path: [k], message: "must be a label key such as release or example.com/team" });
      else if (k.startsWith(OWN_LABEL_PREFIX)) ctx.addIssue({ code: "custom", path: [k], message: `${OWN_LABEL_PREFIX}* labels are kneepoint's own (selectors match them); use another key` });
      if (!LABEL_VALUE.test(v)) ctx.addIssue({ code: "custom", path: [k], message: "must be a label value: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit" });
    }
  });

/** Where the weights go: a fresh emptyDir per pod (default), or an existing PersistentVolumeClaim that outlives it. */
const modelCache = z
  .strictObject({
    emptyDir: z.strictObject({ sizeLimit: quantity }).optional(),
    persistentVolumeClaim: z.strictObject({ claimName: objectName("a PersistentVolumeClaim in the namespace") }).optional(),
    /** HF_HUB_OFFLINE=1: only what is already in the cache (air-gapped clusters; needs a pre-filled PVC). */
    offline: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.emptyDir && c.persistentVolumeClaim) ctx.addIssue({ code: "custom", message: "set emptyDir or persistentVolumeClaim, not both" });
    if (!c.emptyDir && !c.persistentVolumeClaim) ctx.addIssue({ code: "custom", message: "set emptyDir (with sizeLimit) or persistentVolumeClaim (with claimName)" });
  })
  .default({ emptyDir: { sizeLimit: "4Gi" }, offline: false });

/** Keys of `affinity`, passed through to the pod as they are (the Kubernetes schema checks their contents). */
const affinity = z
  .strictObject({
    nodeAffinity: z.record(z.string(), z.unknown()).optional(),
    podAffinity: z.record(z.string(), z.unknown()).optional(),
    podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
  })
  .optional();

const toleration = z.strictObject({
  key: z.string().min(1).optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

export const vllmValuesSchema = z.strictObject({
  image: z.strictObject({
    repository: z.string().regex(/^[a-z0-9]+([._\/-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
      message: "must be an image repository such as vllm/vllm-openai",
    }),
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: "must be an image tag such as v0.31.0" })
      .refine((t) => t !== "latest", { message: "must be a pinned version such as v0.31.0, not latest" }),
    /** Optional content digest (`sha256:…`) to pin the exact image behind the tag. */
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, { message: "must be sha256: followed by 64 hex digits" })
      .optional(),
  }),
  /**
   * `make vllm-up` compares the image's CUDA with the GPU nodes' NVIDIA driver before applying (image-driver-check.ts);
   * false skips that (an image whose CUDA is read wrongly, or CUDA forward compatibility on datacenter GPUs).
   */
  imageCheck: z.boolean().default(true),
  model: z.string().min(1),
  servedModelName: z.string().regex(/^\S+$/, { message: "must be one word (it is sent as the request's model)" }),
  dtype: z.enum(["auto", "half", "float16", "bfloat16", "float", "float32"]),
  maxModelLen: z.number().int().positive(),
  gpuMemoryUtilization: z.number().gt(0).lte(1),
  gpus: z.number().int().positive(),
  /**
   * Server pods behind the one Service (`make vllm-up REPLICAS=N` overrides it): each a full copy of the model on
   * its own `gpus`. The Service spreads connections over them; the per-pod tables and charts show how evenly.
   */
  replicas: z.number().int().min(1).max(64).default(1),
  /**
   * `vllm serve --host`: 0.0.0.0 (every IPv4 address) or :: (every IPv6 address, and IPv4 too where the kernel maps
   * it, the Linux default): IPv6-only and IPv6-first dual-stack clusters give pods an IPv6 address, which 0.0.0.0
   * never listens on, so the probes and the Service would find nothing.
   */
  listenAddress: z.enum(LISTEN_ADDRESSES, { error: `must be ${LISTEN_ADDRESSES.join(" or ")} (IPv4, or IPv6 and dual-stack)` }).default("0.0.0.0"),
  extraArgs: z
    .array(z.string())
    .default([])
    .superRefine((args, ctx) => {
      for (const arg of args) {
        const flag = arg.split("=")[0] ?? arg;
        if ((MANAGED_FLAGS as readonly string[]).includes(flag)) {
          ctx.addIssue({ code: "custom", message: `${flag} comes from its own key in values.yaml; set it there` });
        }
      }
    }),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  tolerations: z.array(toleration).default([]),
  resources: z.strictObject({
    requests: z.strictObject({ cpu: quantity, memory: quantity }),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
  }),
  /** The first start's budget: periodSeconds × failureThreshold. */
  startupProbe: z
    .strictObject({
      periodSeconds: z.number().int().min(1),
      failureThreshold: z.number().int().min(1),
    })
    .default({ periodSeconds: 10, failureThreshold: 180 }),
  /** 0 = the image's root user (not admitted under Pod Security "restricted"). */
  runAsUser: z.number().int().min(0).default(1000),
  modelCache,
  /** The /dev/shm emptyDir (medium Memory): counts against the memory limit. */
  shmSize: quantity.default("2Gi"),
  /**
   * `vllm serve --generation-config`: `vllm` (vLLM's own sampling defaults, the same for every model), `auto` (the
   * model's generation_config.json: temperature, top_p, top_k… differ per model) or a folder inside the container.
   */
  generationConfig: z
    .string()
    .refine((g) => g === "vllm" || g === "auto" || g.startsWith("/"), { message: "must be vllm, auto, or an absolute folder path inside the container" })
    .default("vllm"),
  /** `--override-generation-config` as JSON, e.g. { temperature: 0 }: sampling defaults for requests that set none. */
  overrideGenerationConfig: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  runtimeClassName: objectName("a RuntimeClass").optional(),
  imagePullSecrets: z.array(z.strictObject({ name: objectName("a Secret in the namespace") })).default([]),
  priorityClassName: objectName("a PriorityClass").optional(),
  affinity,
  podMonitor: z
    .strictObject({
      /** Added to the PodMonitor's labels: kube-prometheus-stack's Prometheus selects by `release: <helm release>`. */
      labels,
    })
    .default({ labels: {} }),
}).superRefine((v, ctx) => {
  if (v.modelCache.offline && !v.modelCache.persistentVolumeClaim && !v.model.startsWith("/")) {
    ctx.addIssue({
      code: "custom",
      path: ["modelCache", "offline"],
      message: "needs modelCache.persistentVolumeClaim holding the weights (an emptyDir starts empty), or model as a path inside the container",
    });
  }
});

export type VllmValues = z.infer<typeof vllmValuesSchema>;

/** Validates a parsed values document; `source` names the file in errors. */
export function parseVllmValues(doc: unknown, source: string): VllmValues {
  const parsed = vllmValuesSchema.safeParse(doc ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".") || "(top level)";
    if (issue.code === "unrecognized_keys") {
      return `${path}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    }
    return `${path}: ${issue.message}`;
  });
  return failValues(source, lines);
}

export async function readVllmValues(path: string): Promise<VllmValues> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "run from the repository root");
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: "1.1" });
  } catch (err) {
    return failValues(path, [`not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
  }
  return parseVllmValues(doc, path);
}

/** REPLICAS from the environment (make vllm-up REPLICAS=N) over the values file's `replicas`; a bad value is a UsageError. */
export function withReplicasFromEnv(values: VllmValues, env: string | undefined): VllmValues {
  if (env === undefined || env.trim() === "") return values;
  const n = Number(env.trim());
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`REPLICAS must be a whole number of server pods from 1 to 64, got '${env}'`, "e.g. make vllm-up REPLICAS=4");
  return { ...values, replicas: n };
}

export function vllmImage(values: Pick<VllmValues, "image">): string {
  const { repository, tag, digest } = values.image;
  return `${repository}:${tag}${digest ? `@${digest}` : ""}`;
}

/** Arguments of `vllm serve` (the container's command): the model first, then the flags. */
export function vllmServerArgs(values: VllmValues): string[] {
  return [
    values.model,
    "--served-model-name", values.servedModelName,
    "--dtype", values.dtype,
    "--max-model-len", String(values.maxModelLen),
    "--gpu-memory-utilization", String(values.gpuMemoryUtilization),
    "--tensor-parallel-size", String(values.gpus),
    "--host", values.listenAddress,
    "--port", String(VLLM_PORT),
    "--generation-config", values.generationConfig,
    ...(Object.keys(values.overrideGenerationConfig).length > 0 ? ["--override-generation-config", JSON.stringify(values.overrideGenerationConfig)] : []),
    ...values.extraArgs,
  ];
}

/** One line for the record and vllm-up's output: which sampling defaults the server applies to requests without their own. */
export function samplingDefaults(values: Pick<VllmValues, "generationConfig" | "overrideGenerationConfig">): string {
  const base =
    values.generationConfig === "vllm"
      ? "vLLM's defaults (--generation-config vllm: the model's generation_config.json is not applied)"
      : values.generationConfig === "auto"
        ? "the model's generation_config.json (--generation-config auto)"
        : `the generation config in ${values.generationConfig}`;
  const o = values.overrideGenerationConfig;
  return Object.keys(o).length > 0 ? `${base}, overridden with ${JSON.stringify(o)}` : base;
}

function failValues(source: string, lines: string[]): never {
  throw new UsageError(`invalid ${source}: ${lines.join("; ")}`, "fix the key named before the colon (deploy/vllm/values.yaml documents each key)");
}
