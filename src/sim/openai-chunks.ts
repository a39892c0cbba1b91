/**
 * vLLM's response shapes, built as strings (per-token hot path: no JSON.stringify of whole objects).
 *
 * Streaming, SSE-framed as `data: <json>\n\n`:
 *   completion: {"id":"cmpl-…","object":"text_completion","created":…,"model":…,
 *                "choices":[{"index":0,"text":"…","logprobs":null,"finish_reason":null,"stop_reason":null}]}
 *   chat:       {"id":"chatcmpl-…","object":"chat.completion.chunk","created":…,"model":…,
 *                "choices":[{"index":0,"delta":{"content":"…"},"logprobs":null,"finish_reason":null}]}
 *               opened by the role-only delta {"role":"assistant","content":""}
 *   the last token's chunk carries finish_reason; with include_usage a final chunk has
 *   "choices":[] and "usage":{prompt_tokens,completion_tokens,total_tokens}; then `data: [DONE]`.
 */
import { anthropicMessageResponse, createAnthropicChunkBuilder } from "./anthropic-chunks.ts";
import type { EndpointKind } from "./openai-request.ts";
import { toolCallDelta, type ToolCall } from "./tool-choice.ts";

export interface ResponseIdentity {
  kind: EndpointKind;
  id: string;
  created: number;
  model: string;
}

export const DONE_EVENT = "data: [DONE]\n\n";

export interface ChunkBuilder {
  token(jsonText: string, finishReason: string | null): string;
  /** Chat: the role-only opening chunk; messages: message_start (with the prompt's tokens). */
  role(promptTokens: number): string;
  usage(promptTokens: number, completionTokens: number): string;
  /** A data line that is not JSON (fault injection). */
  malformed(): string;
  /** What ends a complete stream: `data: [DONE]` (messages: message_stop first). */
  done(): string;
}

/** `toolCall`: chat named function calling, each token a `delta.tool_calls` arguments piece (tool-choice.ts). */
export function createChunkBuilder(r: ResponseIdentity, toolCall?: { id: string; name: string }): ChunkBuilder {
  if (r.kind === "messages") return createAnthropicChunkBuilder(r);
  const head = `{"id":"${r.id}","object":"${r.kind === "chat" ? "chat.completion.chunk" : "text_completion"}","created":${r.created},"model":${JSON.stringify(r.model)},"choices":`;
  const finish = (reason: string | null) => (reason === null ? "null" : `"${reason}"`);
  let firstToolDelta = true;
  const delta = (text: string) => {
    if (!toolCall) return `{"content":${text}}`;
    const d = toolCallDelta(text, firstToolDelta ? toolCall : null);
    firstToolDelta = false;
    return d;
  };
  return {
    token:
      r.kind === "chat"
        ? (text, reason) => `data: ${head}[{"index":0,"delta":${delta(text)},"logprobs":null,"finish_reason":${finish(reason)}}]}\n\n`
        : (text, reason) =>
            `data: ${head}[{"index":0,"text":${text},"logprobs":null,"finish_reason":${finish(reason)},"stop_reason":null}]}\n\n`,
    role: () => `data: ${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    usage: (p, c) => `data: ${head}[],"usage":{"prompt_tokens":${p},"total_tokens":${p + c},"completion_tokens":${c}}}\n\n`,
    malformed: () => `data: ${head}[{"index":0,\n\n`,
    done: () => DONE_EVENT,
  };
}

/** The non-streaming response body. */
export function completeResponse(
  r: ResponseIdentity,
  text: string,
  finishReason: string,
  promptTokens: number,
  completionTokens: number,
  /** Chat tool calling: the calls, with `content: ""` as vLLM answers them. */
  toolCalls?: ToolCall[],
): unknown {
  if (r.kind === "messages") return anthropicMessageResponse(r, text, finishReason, promptTokens, completionTokens);
  const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, prompt_tokens_details: null };
  if (r.kind === "chat") {
    return {
      id: r.id,
      object: "chat.completion",
      created: r.created,
      model: r.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: toolCalls ? "" : text, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: toolCalls ?? [], reasoning_content: null },
          logprobs: null,
          finish_reason: finishReason,
          stop_reason: null,
        },
      ],
      usage,
      prompt_logprobs: null,
      kv_transfer_params: null,
    };
  }
  return {
    id: r.id,
    object: "text_completion",
    created: r.created,
    model: r.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null, prompt_logprobs: null }],
    usage,
    kv_transfer_params: null,
  };
}
