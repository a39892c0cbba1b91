/**
 * Which LoRA adapter request i is sent to (load.lora_traffic_split). inference-perf 0.7.0 draws one per request,
 * at enqueue time in its main process, with `np.random.choice(adapters, p=splits)` (loadgen/load_generator.py:620-624,
 * called at 1191 for every request of a stage): i.i.d. categorical draws whose cumulative table is normalized by its
 * last entry and searched with side='right'. Its main process never seeds numpy's global generator (only workers do,
 * load_generator.py:491-492), so its choice differs run to run whatever load.base_seed says. kneepoint draws the same
 * distribution from load.base_seed — one uniform per request index, so request i goes to the same adapter in every
 * run with that seed, whatever stage it falls in. Pure.
 * The chosen adapter is sent as the request's `model` (client/modelserver/openai_client.py:453-454
 * `effective_model_name = lora_adapter if lora_adapter else model_name`).
 */
import { deriveSeed, mulberry32 } from "../../workload/rng.ts";
import type { LoraAdapterSplit } from "../config/lora-split-schema.ts";
import type { ScenarioRequest } from "../types.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";

/** Stream tag so the adapter draws never share a sequence with prompts or arrivals. */
const LORA_STREAM = 0x10a4;

/** The adapter at uniform `u` ∈ [0, 1): numpy's choice — the first i whose cdf[i] / cdf[last] > u. */
export function adapterAt(split: readonly LoraAdapterSplit[], u: number): string {
  const cdf: number[] = [];
  let acc = 0;
  for (const a of split) cdf.push((acc += a.split));
  const total = cdf[cdf.length - 1]!;
  for (let i = 0; i < cdf.length; i++) if (cdf[i]! / total > u) return split[i]!.name;
  return split[split.length - 1]!.name;
}

export function loraAdapterFor(split: readonly LoraAdapterSplit[], seed: number, index: number): string {
  return adapterAt(split, mulberry32(deriveSeed(seed, LORA_STREAM, index))());
}

/**
 * The source with each body's `model` replaced by the request's adapter. Every body writer starts with
 * `{"model":<name>,` (body-writer.ts), so the swap is one string splice, cheap enough for the send path.
 */
export function withLoraTrafficSplit(source: ScenarioRequestSource, model: string, split: readonly LoraAdapterSplit[], seed: number): ScenarioRequestSource {
  const head = `{"model":${JSON.stringify(model)},`;
  return {
    ...source,
    request(i: number): ScenarioRequest {
      const r = source.request(i);
      const adapter = loraAdapterFor(split, seed, i);
      if (!r.body.startsWith(head)) throw new Error(`request ${i}: body does not start with ${head}`);
      return { ...r, body: `{"model":${JSON.stringify(adapter)},${r.body.slice(head.length)}`, loraAdapter: adapter };
    },
    describe: () => `${source.describe()}; LoRA adapters ${split.map((a) => `${a.name} ${a.split}`).join(", ")}`,
  };
}
