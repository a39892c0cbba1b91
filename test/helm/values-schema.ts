/**
 * charts/kneepoint/values.schema.json, built from kneepoint's own config schema: each scenario's values are the
 * input JSON Schema of the zod schemas `kneepoint run` parses a config with (src/scenarios/config/*), so a key or
 * type the chart lets through is one the engine accepts, and a typo fails at `helm install` instead of in the pod.
 * The rest of `benchmark` (target, image, job, resources, scheduling, files) is written here. values-schema.test.ts
 * compares the committed file with this (UPDATE_GOLDENS=1 rewrites it), so the chart cannot drift from the engine.
 * Zod's cross-field rules (superRefine: "rate is required for load.type constant", …) have no JSON Schema form; the
 * engine still checks them when the pod reads the config.
 */
import { z } from "zod";
import { circuitBreakerSchema } from "../../src/scenarios/config/circuit-breaker-schema.ts";
import { dataSchema } from "../../src/scenarios/config/data-schema.ts";
import { loadSchema } from "../../src/scenarios/config/load-schema.ts";
import { metricsSchema, reportSchema, storageSchema } from "../../src/scenarios/config/report-storage-schema.ts";
import { apiSchema, serverSchema } from "../../src/scenarios/config/scenario-config-schema.ts";

/** The scenarios the chart ships (benchmarks/scenarios/<name>.yaml), in values.yaml's order. */
export const SHIPPED_SCENARIOS = ["baseline", "saturation", "sweep", "production", "shared-prefix", "trace-replay"] as const;

/** A scenario's config as values: everything but server and tokenizer, which come from benchmark.target. */
const scenarioValuesSchema = z.strictObject({
  api: apiSchema.optional(),
  data: dataSchema.optional(),
  load: loadSchema.optional(),
  report: reportSchema.optional(),
  metrics: metricsSchema.nullable().optional(),
  circuit_breakers: z.array(circuitBreakerSchema).nullable().optional(),
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Zod's output without what only adds noise to helm's messages and the file: `default` annotations (helm applies no
 * schema defaults; values.yaml holds them) and the 2^53−1 bound zod puts on every integer.
 */
function prune(node: Json): Json {
  if (Array.isArray(node)) return node.map(prune);
  if (node === null || typeof node !== "object") return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "default" || k === "$schema") continue;
    if ((k === "maximum" && v === Number.MAX_SAFE_INTEGER) || (k === "minimum" && v === Number.MIN_SAFE_INTEGER)) continue;
    out[k] = prune(v);
  }
  return out;
}

function fromZod(schema: z.ZodType): Json {
  return prune(z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json);
}

const strict = (properties: Record<string, Json>, extra: Record<string, Json> = {}): Json => ({ type: "object", additionalProperties: false, properties, ...extra });
const str = (description: string, extra: Record<string, Json> = {}): Json => ({ type: "string", description, ...extra });
const nullableInt = (description: string, minimum: number): Json => ({ description, anyOf: [{ type: "integer", minimum }, { type: "null" }] });

/** A Kubernetes resource quantity ("500m", "2Gi", 4): the API server's own pattern (apimachinery's Quantity). */
const QUANTITY: Json = { anyOf: [{ type: "string", pattern: "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$" }, { type: "number", minimum: 0 }] };
const RESOURCE_LIST: Json = { type: "object", additionalProperties: QUANTITY };
/** A ConfigMap key: the file name in /workspace. */
const FILE_NAME = "^[-._a-zA-Z0-9]+$";
const LABEL_MAP: Json = { type: "object", additionalProperties: { type: "string" } };

const TOLERATION: Json = strict({
  key: { type: "string" },
  operator: { enum: ["Exists", "Equal"] },
  value: { type: "string" },
  effect: { enum: ["NoSchedule", "PreferNoSchedule", "NoExecute", ""] },
  tolerationSeconds: { type: "integer" },
});

export function buildValuesSchema(): Json {
  // One definition for the six scenarios.
  const scenario = fromZod(scenarioValuesSchema) as { properties: { load: { properties: { stages: { items: Json } } } } };
  // `--set …stages[2].duration=7` gives helm the list [null, null, {duration: 7}]: a null stage is the shipped stage
  // at that index (the chart fills it in, and fails naming the stage when there is none).
  const stages = scenario.properties.load.properties.stages;
  stages.items = { anyOf: [stages.items, { type: "null" }] };
  const serverTypes = (fromZod(serverSchema) as { properties: { type: Json } }).properties.type;
  const benchmark = strict(
    {
      scenario: { description: "which entry of benchmark.scenarios runs", enum: [...SHIPPED_SCENARIOS] },
      target: strict(
        {
          baseUrl: str("the server's URL, as the Job's pod reaches it", { pattern: "^https?://[^/\\s@]+(/\\S*)?$" }),
          modelName: str("the served model name; empty: the first id of GET {baseUrl}/v1/models"),
          tokenizerPath: str("a Hugging Face model id or a path in the pod; empty: the server's /tokenize"),
          serverType: { ...(serverTypes as object), description: "inference-perf's server.type" },
          ignoreEos: { type: "boolean" },
        },
        { required: ["baseUrl"] },
      ),
      image: strict({
        repository: str("a Node.js image (node ≥ 20) that runs the engine bundle", { minLength: 1 }),
        tag: { anyOf: [{ type: "string", minLength: 1 }, { type: "number" }] },
        pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] },
      }),
      engineConfigMap: str("the ConfigMap with kneepoint.mjs.gz (kneepoint creates it)", { pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
      bucketsConfigMap: str("the ConfigMap with the bucket clients' bundle (optional in the pod)", { pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
      extraArgs: { type: "array", description: "more flags for the pod's `kneepoint run`", items: { type: "string" } },
      storage: { description: "inference-perf's storage block for the config (null: reports through the log only)", anyOf: [fromZod(storageSchema), { type: "null" }] },
      serviceAccountName: str("the pod's ServiceAccount (a bucket's credentials); empty: the namespace's default", { pattern: "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$", maxLength: 253 }),
      job: strict({
        backoffLimit: { type: "integer", minimum: 0 },
        ttlSecondsAfterFinished: nullableInt("seconds before a finished Job is deleted (null: kept)", 0),
        activeDeadlineSeconds: nullableInt("seconds after which the cluster ends the Job (null: never)", 1),
      }),
      resources: strict({ main: strict({ requests: RESOURCE_LIST, limits: RESOURCE_LIST }) }),
      nodeSelector: LABEL_MAP,
      tolerations: { type: "array", items: TOLERATION },
      affinity: { type: "object", description: "the pod's affinity, as Kubernetes spells it" },
      files: { type: "object", description: "extra files in /workspace: name → content", propertyNames: { pattern: FILE_NAME }, additionalProperties: { type: "string" } },
      scenarios: strict(Object.fromEntries(SHIPPED_SCENARIOS.map((name) => [name, { $ref: "#/$defs/scenario" }]))),
    },
    { required: ["scenario", "target", "scenarios"] },
  );
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "kneepoint benchmark chart values",
    $defs: { scenario },
    type: "object",
    additionalProperties: false,
    properties: { benchmark, global: { type: "object" } },
    required: ["benchmark"],
  };
}

/** The file's text: stable key order as built, two-space indent, final newline. */
export function valuesSchemaText(): string {
  return `${JSON.stringify(buildValuesSchema(), null, 2)}\n`;
}
