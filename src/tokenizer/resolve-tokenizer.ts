/**
 * Chooses how prompt lengths are made exact, in this order: a local tokenizer (`--tokenizer`: a
 * tokenizer.json path or a Hugging Face model id), the server's /tokenize + /detokenize, or — with neither —
 * approximate lengths, with a warning. Whatever is chosen, reports count the server's usage.prompt_tokens.
 */
import type { TokenizerPort } from "./tokenizer-port.ts";
import { createServerTokenizer, probeServerTokenizer } from "./server-tokenizer.ts";
import { createApproximateTokenizer } from "./approximate-tokenizer.ts";
import { loadLocalTokenizer } from "./local-tokenizer.ts";
import { EnvironmentError } from "../errors.ts";

export interface ResolvedTokenizer {
  port: TokenizerPort;
  exact: boolean;
  warning: string | null;
}

export async function resolveTokenizer(opts: {
  tokenizer: string | undefined;
  baseUrl: string;
  model: string;
  headers: Record<string, string>;
  env: NodeJS.ProcessEnv;
}): Promise<ResolvedTokenizer> {
  const server = createServerTokenizer({ baseUrl: opts.baseUrl, model: opts.model, headers: opts.headers });
  if (opts.tokenizer) {
    try {
      return { port: await loadLocalTokenizer(opts.tokenizer, opts.env), exact: true, warning: null };
    } catch (err) {
      // A Hugging Face download that fails (no egress from the cluster, HF down) need not end the run when the
      // target tokenizes for us (vLLM, the simulator): that is as exact. A bad local path stays an error.
      if (!(err instanceof EnvironmentError)) throw err;
      const probe = await probeServerTokenizer(server);
      if (!probe.ok) throw err;
      return { port: server, exact: true, warning: `${err.message}; using the target's /tokenize + /detokenize instead (exact for this server)` };
    }
  }
  const probe = await probeServerTokenizer(server);
  if (probe.ok) return { port: server, exact: true, warning: null };
  return {
    port: createApproximateTokenizer(),
    exact: false,
    warning:
      `input lengths are approximate: no --tokenizer given and the target's /tokenize is unavailable (${probe.reason}). ` +
      "Reports count the server's usage.prompt_tokens. Pass --tokenizer (a tokenizer.json path or Hugging Face model id) for exact lengths.",
  };
}
