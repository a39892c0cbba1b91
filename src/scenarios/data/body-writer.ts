/**
 * Request bodies as inference-perf sends them (research/inference-perf.md §1.1; its apis/completion.py and
 * chat.py): completion `{model, prompt, max_tokens, ignore_eos, stream}`, chat `{model, messages, max_tokens,
 * ignore_eos, stream}`, plus `stream_options: {include_usage: true}` only when streaming. `max_tokens` is
 * inference-perf's default 30 when the data sets none. Then, as 0.7.0 adds them: `add_special_tokens: false` for
 * chat-templated completion prompts (data.use_chat_template: the template already holds the BOS), and the configured
 * `response_format` last (openai_client.py `process_request`). The constant parts are serialized once; a body is a
 * few string concatenations around the prompt's JSON literal, cheap enough for the load engine's hot path.
 */
import type { ResponseFormatConfig } from "../config/scenario-config-schema.ts";
import { createAnthropicBodyWriter } from "./anthropic-body.ts";

export const DEFAULT_MAX_TOKENS = 30;

export interface BodyShape {
  /** anthropic_messages: POST /v1/messages bodies (anthropic-body.ts). */
  api: "completion" | "chat" | "anthropic_messages";
  model: string;
  ignoreEos: boolean;
  streaming: boolean;
  /** api.response_format, sent in vLLM/OpenAI's shape (responseFormatBody). */
  responseFormat?: ResponseFormatConfig | null;
  /** False for prompts that already embed their special tokens (chat-templated completion prompts). */
  addSpecialTokens?: boolean | null;
}

/** inference-perf 0.7.0 `ResponseFormat.to_api_format`: json_object alone, else `{type, json_schema: {name, schema}}`. */
export function responseFormatBody(rf: ResponseFormatConfig): Record<string, unknown> {
  if (rf.type === "json_object") return { type: "json_object" };
  return { type: "json_schema", json_schema: { name: rf.name, schema: rf.json_schema } };
}

export interface BodyWriter {
  /** A body for `prompt` (completion: the prompt; chat: one user message). */
  forPrompt(prompt: string, maxTokens: number | null): string;
  /** Same, from the prompt's JSON string literal (for prompts serialized ahead of time). */
  forPromptJson(promptJson: string, maxTokens: number | null): string;
  /** A chat body from a serialized `messages` array. */
  forMessagesJson(messagesJson: string, maxTokens: number | null): string;
}

export function createBodyWriter(shape: BodyShape): BodyWriter {
  if (shape.api === "anthropic_messages") return createAnthropicBodyWriter({ model: shape.model, streaming: shape.streaming, defaultMaxTokens: DEFAULT_MAX_TOKENS });
  const head = `{"model":${JSON.stringify(shape.model)},`;
  const tail =
    `,"ignore_eos":${shape.ignoreEos},"stream":${shape.streaming}${shape.streaming ? `,"stream_options":{"include_usage":true}` : ""}` +
    (shape.addSpecialTokens != null && shape.api === "completion" ? `,"add_special_tokens":${shape.addSpecialTokens}` : "") +
    (shape.responseFormat ? `,"response_format":${JSON.stringify(responseFormatBody(shape.responseFormat))}` : "") +
    "}";
  const maxTokens = (n: number | null) => `"max_tokens":${n ?? DEFAULT_MAX_TOKENS}`;
  const forPromptJson =
    shape.api === "chat"
      ? (json: string, n: number | null) => `${head}"messages":[{"role":"user","content":${json}}],${maxTokens(n)}${tail}`
      : (json: string, n: number | null) => `${head}"prompt":${json},${maxTokens(n)}${tail}`;
  return {
    forPromptJson,
    forPrompt: (prompt, n) => forPromptJson(JSON.stringify(prompt), n),
    forMessagesJson: (json, n) => `${head}"messages":${json},${maxTokens(n)}${tail}`,
  };
}
