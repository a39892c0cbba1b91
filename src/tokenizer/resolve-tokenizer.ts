/**
 * Chooses how prompt lengths are made exact, in this order: a local tokenizer (`--tokenizer`: a
 * tokenizer.json path or a Hugging Face model id), the server's /tokenize + /detokenize, or — with neither —
 * approximate lengths, with a warning. Whatever is chosen, reports count the server's usage.prompt_tokens.
 */
import type { TokenizerPort } from "./tokenizer-port.ts";
import { createServerTokenizer, probeServerTokenizer } from "./server-tokenizer.ts";
import { createApproximateTokenizer } from "./approximate-tokenizer.ts";
import { loadLocalTokenizer } from "./local-tokenizer.ts";

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
  if (opts.tokenizer) {
    return { port: await loadLocalTokenizer(opts.tokenizer, opts.env), exact: true, warning: null };
  }
  const server = createServerTokenizer({ baseUrl: opts.baseUrl, model: opts.model, headers: opts.headers });
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
