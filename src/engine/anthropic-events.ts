/**
 * The stream client's reading of the Anthropic Messages API (POST /v1/messages, `api.type: anthropic_messages`):
 * what openai-stream-client.ts does with `choices` chunks, for Anthropic's events. Streamed events (`event: <type>`
 * lines are ignored, as inference-perf's parser ignores them; the `data` JSON carries the type too):
 *   message_start        `message.usage`: input_tokens (vLLM: the prompt's tokens) and output_tokens 0
 *   content_block_start  a text block; its `text` (vLLM: "") is a token event only when non-empty
 *   content_block_delta  a token event (text_delta; a thinking or tool-input delta too, with no text to count)
 *   message_delta        `usage`: the final output_tokens (vLLM repeats input_tokens)
 *   error                the server's error: the request's error (reason stream-error)
 *   message_stop, content_block_stop, ping: nothing to record
 * `usage.input_tokens`/`output_tokens` fill the record's promptTokens/completionTokens, the last value winning.
 * Not streamed: `{content: [{type: "text", text}], usage, stop_reason}`; its arrival is the one token event, as for
 * the OpenAI APIs. The capture (`kneepoint run`) keeps what inference-perf 0.7.0 keeps (apis/anthropic_messages.py
 * `_build_anthropic_stream_handlers`, apis/streaming_parser.py): usage merged from `usage` or `message.usage` of
 * any event, and as content-bearing chunks the text blocks and text deltas with non-empty text.
 */
import { excerpt } from "./openai-events.ts";
import type { RequestError, RequestRecord, ResponseCapture } from "./request-record.ts";

/** 0.7.0 ANTHROPIC_VERSION: sent with `x-api-key` when an API key is set. */
export const ANTHROPIC_VERSION = "2023-06-01";


type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** 0.7.0 process_request: `x-api-key` and `anthropic-version` instead of `Authorization: Bearer`. */
export function anthropicAuthHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { "x-api-key": apiKey, "anthropic-version": ANTHROPIC_VERSION } : {};
}

function applyUsage(usage: Json, rec: RequestRecord, capture: ResponseCapture | undefined): void {
  if (typeof usage.input_tokens === "number") rec.promptTokens = usage.input_tokens;
  if (typeof usage.output_tokens === "number") rec.completionTokens = usage.output_tokens;
  if (capture) capture.usage = { ...(capture.usage ?? {}), ...usage };
}

function errorOf(json: Json): RequestError {
  const e = json.error;
  const message = isObject(e) && typeof e.message === "string" ? e.message : JSON.stringify(e ?? json);
  return { reason: "stream-error", message: excerpt(message) };
}

/** The text a content-bearing event carries (0.7.0 `extract_content`), "" for any other event. */
function eventText(json: Json): string {
  if (json.type === "content_block_start") {
    const block = json.content_block;
    return isObject(block) && block.type === "text" && typeof block.text === "string" ? block.text : "";
  }
  if (json.type === "content_block_delta") {
    const delta = json.delta;
    return isObject(delta) && delta.type === "text_delta" && typeof delta.text === "string" ? delta.text : "";
  }
  return "";
}

/** One SSE data payload of a /v1/messages stream; returns an error that ends the request, or null. */
export function applyAnthropicEvent(data: string, rec: RequestRecord, t: number, keep: boolean): RequestError | null {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { reason: "malformed-chunk", message: excerpt(`not JSON: ${data}`) };
  }
  if (!isObject(json)) return { reason: "malformed-chunk", message: excerpt(`not a JSON object: ${data}`) };
  const usage = isObject(json.usage) ? json.usage : isObject(json.message) && isObject(json.message.usage) ? json.message.usage : null;
  if (usage) applyUsage(usage, rec, rec.capture);
  if (json.type === "error") return errorOf(json);
  const text = eventText(json);
  if (json.type === "content_block_delta" || text !== "") {
    rec.chunkTimesMs.push(t);
    if (text !== "") rec.textChunks++;
  }
  if (rec.capture && text !== "") {
    rec.capture.contentTimesMs.push(t);
    if (keep) rec.capture.contentChunks.push(data);
    rec.capture.contentTexts.push(text);
  }
  return null;
}

/** A whole non-streamed /v1/messages answer arriving at `t`. */
export function applyAnthropicJson(body: string, rec: RequestRecord, t: number): RequestError | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { reason: "malformed-chunk", message: excerpt(`response body is not JSON: ${body}`) };
  }
  if (!isObject(json)) return { reason: "malformed-chunk", message: excerpt(`response body is not a JSON object: ${body}`) };
  if (isObject(json.usage)) applyUsage(json.usage, rec, undefined);
  if (rec.capture && isObject(json.usage)) rec.capture.usage = json.usage;
  if (json.type === "error") return errorOf(json);
  const blocks = Array.isArray(json.content) ? json.content : [];
  const text = blocks.map((b) => (isObject(b) && b.type === "text" ? String(b.text ?? "") : "")).join("");
  if (rec.capture) {
    rec.capture.contentTimesMs.push(t);
    rec.capture.contentTexts.push(text);
  }
  if (!Array.isArray(json.content)) return { reason: "empty-stream", message: excerpt(`HTTP 200 but the response has no content: ${body}`) };
  rec.chunkTimesMs.push(t);
  if (text !== "") rec.textChunks = 1;
  return null;
}
