/**
 * The stream client's reading of OpenAI-compatible answers (/v1/completions, /v1/chat/completions): one SSE data
 * payload, or a whole non-streamed JSON answer, applied to the request's record (what counts as a token event and
 * why: openai-stream-client.ts's header). anthropic-events.ts does the same for /v1/messages.
 */
import type { RequestError, RequestRecord } from "./request-record.ts";
import { captureEvent, captureJsonResponse, type ChunkJson } from "./response-capture.ts";

export const EXCERPT = 200;

export function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT ? flat.slice(0, EXCERPT) + "…" : flat;
}

/** `usage` of a final chunk or a whole response: the server's token counts. */
function applyUsage(usage: NonNullable<ChunkJson["usage"]>, rec: RequestRecord): void {
  if (typeof usage.prompt_tokens === "number") rec.promptTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === "number") rec.completionTokens = usage.completion_tokens;
}

/** An `error` object (or string) the server sent with status 200, in a stream or as the whole answer. */
function serverError(error: NonNullable<ChunkJson["error"]>): RequestError {
  return { reason: "stream-error", message: excerpt(typeof error === "string" ? error : (error.message ?? JSON.stringify(error))) };
}

type Choice = NonNullable<ChunkJson["choices"]>[number];

/**
 * A choice that carries a token: completion `text` (a string, even empty), or a chat `delta` with any field (vLLM's
 * role-only opening chunk included, as `vllm bench serve` counts it). A proxy's bare choice — LiteLLM's finish chunk
 * `{"finish_reason": "length", "index": 0}` or its usage chunk's `{"index": 0, "delta": {}}` — carries none; `vllm
 * bench serve` would count those as token events (two extra ~0 ms ITL samples per request behind LiteLLM).
 */
function isTokenChoice(c: Choice | null | undefined): c is Choice {
  if (c === null || typeof c !== "object") return false;
  if (typeof c.text === "string") return true;
  if (c.delta === null || typeof c.delta !== "object") return false;
  for (const _ in c.delta) return true; // any field; no Object.keys array per chunk on the hot path
  return false;
}

/** Applies one SSE data payload to the record; returns an error that ends the request, or null. */
export function applyEvent(data: string, rec: RequestRecord, t: number, keep = false): RequestError | null {
  let json: ChunkJson;
  try {
    json = JSON.parse(data) as ChunkJson;
  } catch {
    return { reason: "malformed-chunk", message: excerpt(`not JSON: ${data}`) };
  }
  if (rec.capture) captureEvent(data, json, rec.capture, t, keep);
  // Usage is read from whichever chunk carries it: vLLM's usage chunk has `choices: []`, LiteLLM's keeps a choice.
  if (json.usage) applyUsage(json.usage, rec);
  const choices = json.choices;
  if (choices && choices.length > 0) {
    const c = choices[0];
    if (isTokenChoice(c)) {
      rec.chunkTimesMs.push(t);
      if (c.text ?? c.delta?.content) rec.textChunks++;
    }
  } else if (json.usage) {
    // vLLM's usage chunk: not a token event.
  } else if (json.error !== undefined) {
    return serverError(json.error);
  } else if (!Array.isArray(choices)) {
    return { reason: "malformed-chunk", message: excerpt(`no "choices" in chunk: ${data}`) };
  }
  return null;
}

/** Applies a whole non-streamed response body to the record, as if it were one final chunk arriving at `t`. */
export function applyJsonResponse(body: string, rec: RequestRecord, t: number): RequestError | null {
  let json: ChunkJson;
  try {
    json = JSON.parse(body) as ChunkJson;
  } catch {
    return { reason: "malformed-chunk", message: excerpt(`response body is not JSON: ${body}`) };
  }
  if (json === null || typeof json !== "object") return { reason: "malformed-chunk", message: excerpt(`response body is not a JSON object: ${body}`) };
  if (rec.capture) captureJsonResponse(json, rec.capture, t);
  if (json.usage) applyUsage(json.usage, rec);
  if (json.error !== undefined && json.error !== null) return serverError(json.error);
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    return { reason: "empty-stream", message: excerpt(`HTTP 200 but the response has no choices: ${body}`) };
  }
  rec.chunkTimesMs.push(t);
  const c = choices[0]!;
  if (c.text ?? c.message?.content) rec.textChunks = 1;
  return null;
}
