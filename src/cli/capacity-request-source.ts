/**
 * The requests a capacity run sends: a scenario config's `data` block (`-c config.yaml`, the data sources of
 * src/scenarios/data, as `kneepoint run` builds them), or the sweep's flags (--input-len/--output-len/--seed) as
 * inference-perf's `random` data with fixed lengths (capacity-flag-requests.ts). Either way request i of the run is
 * built on demand and every probe sends requests no earlier probe sent.
 */
import { UsageError } from "../errors.ts";
import type { SweepConfigInput } from "../config/sweep-config.ts";
import { readScenarioConfig } from "../scenarios/config/read-scenario-config.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { createRequestSource } from "../scenarios/data/create-request-source.ts";
import { createFlagRequestSource, type CapacitySourceFactory } from "./capacity-flag-requests.ts";

/** What a scenario config sets of the sweep-shaped target settings (flags still win). */
export function targetFromScenario(cfg: ScenarioConfig): Partial<SweepConfigInput> {
  const out: Partial<SweepConfigInput> = { baseUrl: cfg.server.base_url, endpoint: cfg.api.type === "chat" ? "/v1/chat/completions" : "/v1/completions", ignoreEos: cfg.server.ignore_eos };
  if (cfg.server.model_name) out.model = cfg.server.model_name;
  if (cfg.server.api_key) out.apiKey = cfg.server.api_key;
  if (cfg.api.headers) out.headers = cfg.api.headers;
  if (cfg.tokenizer?.pretrained_model_name_or_path) out.tokenizer = cfg.tokenizer.pretrained_model_name_or_path;
  return out;
}

export async function readCapacityScenario(path: string): Promise<ScenarioConfig> {
  const cfg = await readScenarioConfig(path, []);
  if (!cfg.api.streaming) {
    throw new UsageError(`${path}: api.streaming is false, so TTFT and ITL cannot be measured`, "set api.streaming: true in the config (capacity SLOs are on streamed latencies)");
  }
  return cfg;
}

/** The scenario config's data sources when there is one, else the flags' (capacity-flag-requests.ts). */
export function capacitySourceOf(scenario: ScenarioConfig | null): CapacitySourceFactory {
  if (!scenario) return createFlagRequestSource;
  return async (o) => createRequestSource(scenario, { tokenizer: o.tokenizer, seed: o.config.seed, model: o.model });
}
