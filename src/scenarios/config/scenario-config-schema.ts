/**
 * An inference-perf config (both schema generations: v0.2.0 as the AI on EKS chart pins it, and
 * current main; research/inference-perf.md §1, §1.10), as kneepoint runs it. One zod schema, the single
 * source of defaults (CONVENTIONS.md, habit 1). Keys keep inference-perf's snake_case spelling so a
 * config and its effective config.yaml read the same in both tools. Strict objects: a key neither
 * generation knows is an error (schema-keys.ts words it and suggests the nearest key).
 */
import { z } from "zod";
import { checkCircuitBreakers } from "./check-circuit-breakers.ts";
import { checkSessionReplay } from "./check-session-replay.ts";
import { circuitBreakerSchema } from "./circuit-breaker-schema.ts";
import { dataSchema } from "./data-schema.ts";
import { loadSchema } from "./load-schema.ts";
import { checkMultimodalConfig } from "./multimodal-schema.ts";
import { checkSessionData } from "./session-data-rules.ts";
import { metricsSchema, reportSchema, storageSchema } from "./report-storage-schema.ts";

export const API_TYPES = ["completion", "chat", "anthropic_messages"] as const;

/**
 * Structured output (inference-perf 0.7.0 `ResponseFormat`): sent as the body's `response_format`, in vLLM/OpenAI's
 * shape, by responseFormatBody (body-writer.ts). `json_schema` null with type json_schema is sent as `schema: null`,
 * as inference-perf sends it (current vLLM answers 400: no constraint).
 */
export const responseFormatSchema = z.strictObject({
  type: z.enum(["json_schema", "json_object"]).default("json_schema"),
  name: z.string().default("structured_output"),
  json_schema: z.record(z.string(), z.unknown()).nullable().default(null),
});

export type ResponseFormatConfig = z.infer<typeof responseFormatSchema>;

export const apiSchema = z.strictObject({
  type: z.enum(API_TYPES, { message: `must be one of ${API_TYPES.join(", ")}` }).default("completion"),
  /** Needed for TTFT/ITL/TPOT; streamed requests add stream_options.include_usage. */
  streaming: z.boolean().default(false),
  headers: z.record(z.string(), z.string()).nullable().default(null),
  /** Unit of the SLO header values: s, ms (default) or us; 0.7.0 takes any string (another unit counts as seconds). */
  slo_unit: z.string().nullable().default(null),
  slo_tpot_header: z.string().nullable().default(null),
  slo_ttft_header: z.string().nullable().default(null),
  response_format: responseFormatSchema.nullable().default(null),
  session_id_header_key: z.string().nullable().default(null),
  session_token_header_key: z.string().nullable().default(null),
});

export const serverSchema = z.strictObject({
  type: z.enum(["vllm", "sglang", "tgi", "mock"]).default("vllm"),
  /** null: the first id of GET {base_url}/v1/models. */
  model_name: z.string().min(1).nullable().default(null),
  /**
   * Both releases take any string here, and then cannot reach a URL without http(s):// (0.7.0 fails at start when it
   * has to ask /v1/models for the model, and fails every request otherwise): refused here before anything is sent.
   */
  base_url: z.string().regex(/^https?:\/\/[^/\s]/i, { message: "must be an http:// or https:// URL such as http://127.0.0.1:8000 (inference-perf cannot reach one without the scheme either)" }),
  ignore_eos: z.boolean().default(true),
  api_key: z.string().min(1).nullable().default(null),
  cert_path: z.string().nullable().default(null),
  key_path: z.string().nullable().default(null),
});

export type ServerConfig = z.infer<typeof serverSchema>;

export const tokenizerSchema = z.strictObject({
  /** A Hugging Face model id or a local tokenizer.json (file or directory). */
  pretrained_model_name_or_path: z.string().min(1).nullable().default(null),
  trust_remote_code: z.boolean().nullable().default(null),
  token: z.string().min(1).nullable().default(null),
  /** 0.7.0: deadline for loading the tokenizer, seconds (null: none). */
  load_timeout: z.number().positive().nullable().default(300),
});

export const scenarioConfigSchema = z
  .strictObject({
    api: apiSchema.prefault({}),
    data: dataSchema.prefault({}),
    load: loadSchema.prefault({}),
    metrics: metricsSchema.nullable().default(null),
    report: reportSchema.prefault({}),
    storage: storageSchema.nullable().prefault({}),
    server: serverSchema.nullable().default(null),
    tokenizer: tokenizerSchema.nullable().default(null),
    circuit_breakers: z.array(circuitBreakerSchema).nullable().default(null),
  })
  .superRefine((cfg, ctx) => {
    const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: "custom", path, message });
    if (cfg.server === null) issue(["server"], "is required: add a server block with base_url (and model_name)");

    const { data, load } = cfg;
    if (data.type === "synthetic" || (data.type === "random" && data.trace === null)) {
      if (data.input_distribution === null) issue(["data", "input_distribution"], `is required for data.type ${data.type}`);
      if (data.output_distribution === null) issue(["data", "output_distribution"], `is required for data.type ${data.type}`);
      // Both releases' random/synthetic generators raise "Mean cannot be outside min and max range" before sending.
      for (const key of ["input_distribution", "output_distribution"] as const) {
        const d = data[key];
        if (d?.type === "normal" && (d.mean < d.min || d.mean > d.max)) {
          issue(["data", key, "mean"], `mean (${d.mean}) must lie within [min ${d.min}, max ${d.max}] for a normal distribution of data.type ${data.type} (inference-perf refuses it at start too)`);
        }
      }
    }
    // 0.7.0: only the random generator reads data.trace (any other asks get_request_count and raises), and
    // load.type trace_replay without load.trace raises "Trace file is required for trace replay load generator".
    if (data.trace !== null && data.type !== "random") issue(["data", "trace"], `is read only by data.type random (inference-perf 0.7.0 fails a ${data.type} run with it); set data.type random or remove data.trace`);
    if (data.trace !== null && load.type !== "trace_replay") issue(["data", "trace"], `sets the request count of a load.type trace_replay stage; with load.type ${load.type} it is not supported yet by kneepoint run: set load.type trace_replay with load.trace`);
    if (load.type === "trace_replay" && load.trace === null) issue(["load", "trace"], "is required for load.type trace_replay: {file: <trace CSV>, format: AzurePublicDataset}");
    if (load.type === "trace_replay" && load.sweep !== null) issue(["load", "sweep"], "with load.type trace_replay is not supported by kneepoint run (the trace sets the arrival times); use load.stages");
    if (data.type === "shared_prefix" && data.shared_prefix === null) issue(["data", "shared_prefix"], "is required for data.type shared_prefix");
    checkSessionData(data, cfg.api.type, issue);
    // 0.7.0's DataConfig validator: only the random generator wraps its prompts in the chat template.
    if (data.use_chat_template && data.type !== "random") {
      issue(["data", "use_chat_template"], `is only supported by data.type random (inference-perf 0.7.0 refuses it with data.type ${data.type} too); unset it or set data.type random`);
    }
    if (data.use_chat_template && cfg.api.type !== "completion") {
      issue(["data", "use_chat_template"], `wraps completion prompts in the chat template; with api.type ${cfg.api.type} the server applies the template itself: set api.type completion or unset it`);
    }
    // inference-perf's random and synthetic generators refuse api.type chat; kneepoint sends their prompt as one
    // user message instead, so the AI on EKS pages' `api.type: chat` + `data.type: synthetic` configs run.

    if (load.stages.length === 0 && load.sweep === null) issue(["load", "stages"], "set at least one stage, or a sweep block");
    if (load.sweep !== null && (load.type === "concurrent" || load.type === "trace_session_replay")) {
      issue(["load", "sweep"], `cannot be used with load.type ${load.type}`);
    }
    load.stages.forEach((s, i) => {
      const at = (k: string) => ["load", "stages", i, k];
      if (load.type === "concurrent") {
        if (s.num_requests == null) issue(at("num_requests"), "is required for load.type concurrent");
        if (s.concurrency_level == null) issue(at("concurrency_level"), "is required for load.type concurrent");
      } else if (load.type !== "trace_session_replay") {
        if (s.rate == null) issue(at("rate"), `is required for load.type ${load.type}`);
        if (s.duration == null) issue(at("duration"), `is required for load.type ${load.type}`);
        if (s.num_requests != null) issue(at("num_requests"), `is only for load.type concurrent, not ${load.type}`);
        if (s.concurrency_level != null) issue(at("concurrency_level"), `is only for load.type concurrent, not ${load.type}`);
      }
    });

    checkCircuitBreakers(cfg.circuit_breakers, load.circuit_breakers, issue);
    checkMultimodalConfig(cfg, issue);
    checkSessionReplay(data, load, cfg.api.type, issue);

    if (cfg.metrics?.type === "prometheus") {
      const p = cfg.metrics.prometheus;
      if (p === null) issue(["metrics", "prometheus"], "is required when metrics.type is prometheus (set prometheus.url)");
      else if ((p.url !== null) === p.google_managed) issue(["metrics", "prometheus", "url"], "set exactly one of url or google_managed");
    }
  })
  // The refinement above guarantees a server block; the type says so too (this runs only when it passed).
  .transform((cfg) => cfg as typeof cfg & { server: ServerConfig });

export type ScenarioConfig = z.infer<typeof scenarioConfigSchema>;
export type ScenarioConfigInput = z.input<typeof scenarioConfigSchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
