/**
 * A TokenizerPort over the target's vLLM-style `POST /tokenize` and `POST /detokenize`
 * (research/vllm-bench.md §4). Used when no local tokenizer is given; LiteLLM and KServe usually lack them,
 * which `probeServerTokenizer` detects so the run can fall back to approximate lengths and say so.
 */
import type { TokenizerPort } from "./tokenizer-port.ts";

/**
 * The server API does not tell the vocabulary size. Ids in [1000, 32000) are ordinary tokens in every common
 * vocabulary (Llama-2/Mistral 32k, GPT-2 50k, Llama-3 128k, Qwen 151k): specials and byte tokens sit below
 * 1000 or above 32000 in all of them.
 */
export const SERVER_TOKEN_ID_RANGE = [1000, 32000] as const;

export interface ServerTokenizerOptions {
  baseUrl: string;
  model: string;
  headers: Record<string, string>;
  fetchFn?: typeof fetch;
}

async function postJson(opts: ServerTokenizerOptions, path: string, body: unknown): Promise<unknown> {
  const res = await (opts.fetchFn ?? fetch)(opts.baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...opts.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

function tokensOf(json: unknown, path: string): number[] {
  const tokens = (json as { tokens?: unknown }).tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) {
    throw new Error(`${path} returned no integer "tokens" array`);
  }
  return tokens as number[];
}

export function createServerTokenizer(opts: ServerTokenizerOptions): TokenizerPort {
  let special: Promise<number> | undefined;
  return {
    source: "server /tokenize + /detokenize",
    idRange: SERVER_TOKEN_ID_RANGE,
    async encode(text) {
      return tokensOf(await postJson(opts, "/tokenize", { model: opts.model, prompt: text, add_special_tokens: false }), "/tokenize");
    },
    async decode(ids) {
      const json = await postJson(opts, "/detokenize", { model: opts.model, tokens: ids });
      const prompt = (json as { prompt?: unknown }).prompt;
      if (typeof prompt !== "string") throw new Error(`/detokenize returned no "prompt" string`);
      return prompt;
    },
    specialTokenCount() {
      special ??= postJson(opts, "/tokenize", { model: opts.model, prompt: "", add_special_tokens: true }).then(
        (json) => tokensOf(json, "/tokenize").length,
      );
      return special;
    },
  };
}

/** True when the server's tokenizer endpoints work; false (never throws) when they are absent or broken. */
export async function probeServerTokenizer(port: TokenizerPort): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const ids = await port.encode("hello world");
    await port.decode(ids);
    await port.specialTokenCount();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
