/**
 * The JSON bodies the native engine sends, serialized before a step starts (off the hot path).
 * Shapes follow `vllm bench serve` (research/vllm-bench.md §1.4) minus its vLLM-only `repetition_penalty`
 * and `logprobs: null`, which strict OpenAI proxies can reject. `ignore_eos` is a vLLM extension; with
 * `--no-ignore-eos` it is left out entirely.
 */
export interface BodyOptions {
  apiKind: "chat" | "completion";
  model: string;
  outputLen: number;
  ignoreEos: boolean;
}

export function buildRequestBody(prompt: string, opts: BodyOptions): string {
  const common = {
    model: opts.model,
    stream: true,
    stream_options: { include_usage: true },
    ...(opts.ignoreEos ? { ignore_eos: true } : {}),
  };
  if (opts.apiKind === "chat") {
    return JSON.stringify({ ...common, messages: [{ role: "user", content: prompt }], max_completion_tokens: opts.outputLen });
  }
  return JSON.stringify({ ...common, prompt, max_tokens: opts.outputLen });
}
