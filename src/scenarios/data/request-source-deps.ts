/** What every data generator gets from the run (the tokenizer port, the seed, the model name). */
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { RequestSource } from "../types.ts";

export interface RequestSourceDeps {
  tokenizer: TokenizerPort;
  /** The run's seed (load.base_seed): the same seed gives byte-identical requests. */
  seed: number;
  /** The model name sent in every body (server.model_name, or the server's first model). */
  model: string;
  /** Requests the plan sends in all (sizes ShareGPT's pool; no other source needs it). */
  requestCount?: number;
}

/** A RequestSource plus what the run must tell the user about it (e.g. approximate lengths). */
export interface ScenarioRequestSource extends RequestSource {
  warnings: string[];
}
