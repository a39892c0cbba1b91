/** What every data generator gets from the run (the tokenizer port, the seed, the model name). */
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { RequestSource } from "../types.ts";
import type { SessionSource } from "./session-source.ts";

export interface RequestSourceDeps {
  tokenizer: TokenizerPort;
  /** The run's seed (load.base_seed): the same seed gives byte-identical requests. */
  seed: number;
  /** The model name sent in every body (server.model_name, or the server's first model). */
  model: string;
  /** Requests the plan sends in all (sizes ShareGPT's pool; no other source needs it). */
  requestCount?: number;
  /** Hugging Face Hub datasets: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the cache (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where a Hub download tells its progress (one line at a time; default: nowhere). */
  progress?: (line: string) => void;
}

/** A RequestSource plus what the run must tell the user about it (e.g. approximate lengths). */
export interface ScenarioRequestSource extends RequestSource {
  warnings: string[];
  /** Set when the requests belong to multi-turn sessions (session-source.ts): the load engine builds their bodies. */
  sessions?: SessionSource;
}
