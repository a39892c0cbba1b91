/**
 * POST /v1/messages (the Anthropic Messages API) as vLLM serves it (vllm/entrypoints/anthropic/serving.py
 * `_convert_anthropic_to_openai_request`): the request becomes a chat request — `system` (a string, or text blocks
 * joined) first as a system message, then each message with its text; a message whose content blocks hold no text
 * is dropped — and runs through the chat path, so its prompt is counted with the chat template. `max_tokens` is
 * required and positive (protocol.py `AnthropicMessagesRequest`); fields vLLM's model does not know (`ignore_eos`,
 * `response_format`, `stream_options`) are ignored, as pydantic ignores them there. A streamed request always
 * gets its usage (vLLM sets `include_usage` and `continuous_usage_stats` itself). The simulator reads text blocks
 * only: an image, tool_use or tool_result block is a 400 naming it.
 */
import { apiError, type ApiError } from "./api-error.ts";
import type { ChatMessage } from "./chat-template.ts";

type Fields = Record<string, unknown>;

export interface AnthropicFields {
  messages: ChatMessage[];
  maxTokens: number;
}

/** Text of a `system` or `content` value: a string, or the text of its text blocks; an error for other blocks. */
function blockText(value: unknown, where: string): { text: string; hasText: boolean } | string {
  if (typeof value === "string") return { text: value, hasText: true };
  if (!Array.isArray(value)) return `${where} must be a string or an array of content blocks`;
  const texts: string[] = [];
  for (const [k, block] of value.entries()) {
    const b = block as { type?: unknown; text?: unknown } | null;
    if (b?.type !== "text") return `${where}[${k}]: the simulator accepts only {"type":"text","text":…} blocks, got type ${JSON.stringify(b?.type)}`;
    if (typeof b.text === "string" && b.text !== "") texts.push(b.text);
  }
  return { text: texts.join("\n"), hasText: texts.length > 0 };
}

export function readAnthropicFields(f: Fields): AnthropicFields | ApiError {
  const messages: ChatMessage[] = [];
  if (f.system !== undefined && f.system !== null) {
    const system = blockText(f.system, "system");
    if (typeof system === "string") return apiError(400, system, "system");
    if (system.text !== "") messages.push({ role: "system", content: system.text });
  }
  if (!Array.isArray(f.messages) || f.messages.length === 0) return apiError(400, "`messages` must be a non-empty array", "messages");
  for (const [i, m] of f.messages.entries()) {
    const { role, content } = (m ?? {}) as { role?: unknown; content?: unknown };
    if (role !== "user" && role !== "assistant") return apiError(400, `messages[${i}].role must be "user" or "assistant"`, "messages");
    const text = blockText(content, `messages[${i}].content`);
    if (typeof text === "string") return apiError(400, text, "messages");
    if (typeof content !== "string" && !text.hasText) continue; // vLLM drops a message with no text, tool call or thinking
    messages.push({ role, content: text.text });
  }
  const max = f.max_tokens;
  if (typeof max !== "number" || !Number.isInteger(max) || max <= 0) {
    return apiError(400, `\`max_tokens\` is required: a positive integer, got ${JSON.stringify(max)}`, "max_tokens");
  }
  return { messages, maxTokens: max };
}
