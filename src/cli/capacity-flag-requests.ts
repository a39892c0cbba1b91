/**
 * The requests of a capacity run without a scenario config: the sweep's flags (--input-len/--output-len/--seed)
 * as inference-perf's `random` data with fixed lengths, request i built on demand. Apart from the scenario
 * sources (capacity-request-source.ts), so the in-cluster Job's bundle, which only ever sends these, stays small.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import { apiKindOf } from "../config/sweep-config.ts";
import { createBodyWriter } from "../scenarios/data/body-writer.ts";
import { createRandomSource } from "../scenarios/data/random-source.ts";
import type { ScenarioRequestSource } from "../scenarios/data/request-source-deps.ts";
import { findWordAtoms } from "../scenarios/data/word-atoms.ts";
import { distributionSchema } from "../scenarios/config/distribution-schema.ts";
import type { TokenizerPort } from "../tokenizer/tokenizer-port.ts";

/** Builds the request source of a run from the target's tokenizer and model (they are known only once it answers). */
export type CapacitySourceFactory = (o: { config: SweepConfig; tokenizer: TokenizerPort; model: string }) => Promise<ScenarioRequestSource>;

export const createFlagRequestSource: CapacitySourceFactory = async (o) => {
  const fixed = (n: number) => distributionSchema.parse({ type: "fixed", mean: n, min: n, max: n });
  const body = createBodyWriter({ api: apiKindOf(o.config.endpoint), model: o.model, ignoreEos: o.config.ignoreEos, streaming: true });
  const lengths = { input: fixed(o.config.inputLen), output: fixed(o.config.outputLen), specialTokens: await o.tokenizer.specialTokenCount() };
  return createRandomSource(lengths, await findWordAtoms(o.tokenizer, o.config.seed), body, o.config.seed);
};
