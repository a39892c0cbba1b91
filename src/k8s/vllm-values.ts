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
] as const;

const quantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((q) => /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(q), {
    message: "must be a Kubernetes quantity such as 2, 500m or 8Gi",
  });

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
  model: z.string().min(1),
  servedModelName: z.string().regex(/^\S+$/, { message: "must be one word (it is sent as the request's model)" }),
  dtype: z.enum(["auto", "half", "float16", "bfloat16", "float", "float32"]),
  maxModelLen: z.number().int().positive(),
  gpuMemoryUtilization: z.number().gt(0).lte(1),
  gpus: z.number().int().positive(),
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
    "--host", "0.0.0.0",
    "--port", String(VLLM_PORT),
    ...values.extraArgs,
  ];
}

function failValues(source: string, lines: string[]): never {
  throw new UsageError(`invalid ${source}: ${lines.join("; ")}`, "fix the key named before the colon (deploy/vllm/values.yaml documents each key)");
}
