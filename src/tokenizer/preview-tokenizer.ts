/**
 * The tokenizer of `kneepoint run --dry-run`, which sends nothing to the target: the config's tokenizer.json (a
 * local file, or a Hub id already cached or downloadable), else word-level estimates, and the reason, so the
 * preview says its token counts are approximate. A Hub id is not fetched when HF_HUB_OFFLINE is set (as the
 * Hugging Face libraries read it), and a download that fails (no network) falls back instead of failing the
 * preview; a missing local file is still an error.
 */
import { existsSync } from "node:fs";
import { EnvironmentError } from "../errors.ts";
import { hubOffline } from "../hub/hub-settings.ts";
import { createApproximateTokenizer } from "./approximate-tokenizer.ts";
import { cachedHubTokenizerFile, loadLocalTokenizer } from "./local-tokenizer.ts";
import type { TokenizerPort } from "./tokenizer-port.ts";

export interface PreviewTokenizer {
  port: TokenizerPort;
  /** Why the counts are approximate, or null when they come from the config's tokenizer. */
  approximateBecause: string | null;
}

export async function loadPreviewTokenizer(spec: string | null | undefined, env: NodeJS.ProcessEnv): Promise<PreviewTokenizer> {
  if (!spec) return { port: createApproximateTokenizer(), approximateBecause: "no tokenizer is configured (the run uses the target's /tokenize)" };
  const local = existsSync(spec) || spec.startsWith(".") || spec.startsWith("/") || spec.endsWith(".json");
  if (!local && hubOffline(env) && cachedHubTokenizerFile(spec, env) === null) {
    return { port: createApproximateTokenizer(), approximateBecause: `HF_HUB_OFFLINE is set and ${spec}'s tokenizer is not cached` };
  }
  try {
    return { port: await loadLocalTokenizer(spec, env), approximateBecause: null };
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    return { port: createApproximateTokenizer(), approximateBecause: `${spec}'s tokenizer could not be downloaded (${err.message})` };
  }
}
