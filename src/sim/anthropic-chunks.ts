/**
 * vLLM's /v1/messages answers (vllm/entrypoints/anthropic/serving.py `message_stream_converter` and
 * `messages_full_converter`, protocol.py, api_router.py), built as strings on the per-token path.
 *
 * Streaming: each event framed `event: <type>\ndata: <json>\n\n`, the JSON dumped with pydantic's exclude_unset
 * (only the fields vLLM set, in the model's field order: type, message, delta, content_block, index, usage):
 *   message_start        {"type":"message_start","message":{"id","content":[],"model","stop_reason":null,
 *                         "stop_sequence":null,"usage":{"input_tokens":P,"output_tokens":0}}}   (at the first token)
 *   content_block_start  {"type":"content_block_start","content_block":{"type":"text","text":""},"index":0}
 *   content_block_delta  {"type":"content_block_delta","delta":{"type":"text_delta","text":"…"},"index":0}  (per token)
 *   content_block_stop   {"type":"content_block_stop","index":0}
 *   message_delta        {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":P,"output_tokens":N}}
 *   message_stop         {"type":"message_stop"}
 * then vLLM's own `data: [DONE]`. stop_reason: finish "stop" → "end_turn", "length" → "max_tokens".
 * Not streamed: `{"id","type":"message","role":"assistant","content":[{"type":"text","text"}],"model","stop_reason",
 * "usage":{"input_tokens","output_tokens"}}` (exclude_none: no stop_sequence). Errors: `{"type":"error","error":
 * {"type","message"}}` with the status of the chat path's error.
 */
import type { ServerResponse } from "node:http";
import type { ApiError } from "./api-error.ts";
import { DONE_EVENT, type ChunkBuilder, type ResponseIdentity } from "./openai-chunks.ts";

const STOP_REASONS: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use" };

export const anthropicStopReason = (finishReason: string | null): string => STOP_REASONS[finishReason ?? "stop"] ?? "end_turn";

const event = (type: string, json: string) => `event: ${type}\ndata: ${json}\n\n`;

export function createAnthropicChunkBuilder(r: ResponseIdentity): ChunkBuilder {
  let blockOpen = false;
  let finish: string | null = null;
  const open = () => {
    if (blockOpen) return "";
    blockOpen = true;
    return event("content_block_start", `{"type":"content_block_start","content_block":{"type":"text","text":""},"index":0}`);
  };
  return {
    role: (promptTokens) =>
      event(
        "message_start",
        `{"type":"message_start","message":{"id":"${r.id}","content":[],"model":${JSON.stringify(r.model)},"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${promptTokens},"output_tokens":0}}}`,
      ),
    token(text, reason) {
      if (reason !== null) finish = reason;
      return open() + event("content_block_delta", `{"type":"content_block_delta","delta":{"type":"text_delta","text":${text}},"index":0}`);
    },
    usage(p, c) {
      const stop = blockOpen ? event("content_block_stop", `{"type":"content_block_stop","index":0}`) : "";
      return stop + event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"${anthropicStopReason(finish)}"},"usage":{"input_tokens":${p},"output_tokens":${c}}}`);
    },
    done: () => event("message_stop", `{"type":"message_stop"}`) + DONE_EVENT,
    malformed: () => open() + `event: content_block_delta\ndata: {"type":"content_block_delta","delta":\n\n`,
  };
}

/** The non-streamed /v1/messages body. */
export function anthropicMessageResponse(r: ResponseIdentity, text: string, finishReason: string, promptTokens: number, completionTokens: number): unknown {
  return {
    id: r.id,
    type: "message",
    role: "assistant",
    content: text === "" ? [] : [{ type: "text", text }],
    model: r.model,
    stop_reason: anthropicStopReason(finishReason),
    usage: { input_tokens: promptTokens, output_tokens: completionTokens },
  };
}

/** api_router.py `translate_error_response`: the chat path's error in Anthropic's envelope, same status. */
export function sendAnthropicError(res: ServerResponse, error: ApiError): void {
  const body = JSON.stringify({ type: "error", error: { type: error.type, message: error.message } });
  res.writeHead(error.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...error.headers });
  res.end(body);
}
