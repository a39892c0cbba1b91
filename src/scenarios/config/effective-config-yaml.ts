/**
 * The effective config (defaults applied) as the `config.yaml` inference-perf writes beside its reports:
 * every field, shared_prefix counts under the alias names inference-perf serializes
 * (`num_unique_system_prompts`, `num_users_per_system_prompt`), stages in the shape of their load type.
 * Secrets (server.api_key, tokenizer.token, credential-bearing headers) are written as "[redacted]".
 */
import { stringify } from "yaml";
import { REDACTED, redactHeaders } from "../../redact.ts";
import type { Distribution } from "./distribution-schema.ts";
import type { ScenarioConfig } from "./scenario-config-schema.ts";
import type { SharedPrefixConfig } from "./data-schema.ts";
import type { LoadConfig, StageConfig } from "./load-schema.ts";

function distribution(d: Distribution | null) {
  if (d === null) return null;
  return { min: d.min, max: d.max, mean: d.mean, std_dev: d.std_dev, total_count: d.total_count, type: d.type, variance: d.variance, skew: d.skew };
}

const length = (v: number | Distribution) => (typeof v === "number" ? v : distribution(v));

function sharedPrefix(s: SharedPrefixConfig | null) {
  if (s === null) return null;
  return {
    num_unique_system_prompts: s.num_groups,
    num_users_per_system_prompt: s.num_prompts_per_group,
    system_prompt_len: length(s.system_prompt_len),
    question_len: length(s.question_len),
    output_len: length(s.output_len),
    seed: s.seed,
    question_distribution: distribution(s.question_distribution),
    output_distribution: distribution(s.output_distribution),
    enable_multi_turn_chat: s.enable_multi_turn_chat,
    multimodal: s.multimodal,
  };
}

function stage(s: StageConfig, type: LoadConfig["type"]) {
  return type === "concurrent"
    ? { num_requests: s.num_requests, concurrency_level: s.concurrency_level, rate: s.rate, duration: s.duration }
    : { rate: s.rate, duration: s.duration, num_requests: s.num_requests, concurrency_level: s.concurrency_level };
}

/** The effective config as a plain object in inference-perf's serialized shape (secrets redacted). */
export function effectiveConfig(cfg: ScenarioConfig): Record<string, unknown> {
  return {
    api: { ...cfg.api, headers: cfg.api.headers && redactHeaders(cfg.api.headers) },
    data: {
      ...cfg.data,
      input_distribution: distribution(cfg.data.input_distribution),
      output_distribution: distribution(cfg.data.output_distribution),
      shared_prefix: sharedPrefix(cfg.data.shared_prefix),
    },
    load: { ...cfg.load, stages: cfg.load.stages.map((s) => stage(s, cfg.load.type)) },
    metrics: cfg.metrics,
    report: cfg.report,
    storage: cfg.storage,
    server: { ...cfg.server, api_key: cfg.server.api_key === null ? null : REDACTED },
    tokenizer: cfg.tokenizer && { ...cfg.tokenizer, token: cfg.tokenizer.token === null ? null : REDACTED },
    circuit_breakers: cfg.circuit_breakers,
  };
}

export function effectiveConfigYaml(cfg: ScenarioConfig): string {
  return stringify(effectiveConfig(cfg), { lineWidth: 0 });
}
