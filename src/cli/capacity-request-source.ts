/**
 * The requests a capacity run sends: a scenario config's `data` block (`-c config.yaml`, the data sources of
 * src/scenarios/data, as `kneepoint run` builds them), or the sweep's flags (--input-len/--output-len/--seed) as
 * inference-perf's `random` data with fixed lengths. Either way request i of the run is built on demand and
 * every probe sends requests no earlier probe sent.
 */
import { UsageError } from "../errors.ts";
import type { SweepConfig, SweepConfigInput } from "../config/sweep-config.ts";
import { readScenarioConfig } from "../scenarios/config/read-scenario-config.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { createBodyWriter } from "../scenarios/data/body-writer.ts";
import { createRequestSource } from "../scenarios/data/create-request-source.ts";
import { createRandomSource } from "../scenarios/data/random-source.ts";
import type { ScenarioRequestSource } from "../scenarios/data/request-source-deps.ts";
import { findWordAtoms } from "../scenarios/data/word-atoms.ts";
import { distributionSchema } from "../scenarios/config/distribution-schema.ts";
import type { TokenizerPort } from "../tokenizer/tokenizer-port.ts";
import { apiKindOf } from "../config/sweep-config.ts";

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

export async function createCapacityRequestSource(o: { scenario: ScenarioConfig | null; config: SweepConfig; tokenizer: TokenizerPort; model: string }): Promise<ScenarioRequestSource> {
  if (o.scenario) return createRequestSource(o.scenario, { tokenizer: o.tokenizer, seed: o.config.seed, model: o.model });
  const fixed = (n: number) => distributionSchema.parse({ type: "fixed", mean: n, min: n, max: n });
  const body = createBodyWriter({ api: apiKindOf(o.config.endpoint), model: o.model, ignoreEos: o.config.ignoreEos, streaming: true });
  const lengths = { input: fixed(o.config.inputLen), output: fixed(o.config.outputLen), specialTokens: await o.tokenizer.specialTokenCount() };
  return createRandomSource(lengths, await findWordAtoms(o.tokenizer, o.config.seed), body, o.config.seed);
}
