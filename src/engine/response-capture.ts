/**
 * What `kneepoint run` keeps of a response for inference-perf's report files (request-record.ts ResponseCapture),
 * read the way inference-perf's client reads it (apis/streaming_parser.py, openai_client.py): usage merged from any
 * event, and the time and text of each content-bearing chunk (completion `text`, chat `delta.content`; role-only,
 * empty, reasoning and tool-call chunks carry none). Off the sweep's path: the stream client calls these only when
 * a record has a capture.
 */
import type { ResponseCapture, ToolCallJson } from "./request-record.ts";

/** The fields read from a chunk or from a whole non-streamed response (same shape, `choices[0].text`/`message`). */
export interface ChunkJson {
  choices?: Array<{ text?: string | null; delta?: { content?: string | null } | null; message?: { content?: string | null } | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** inference-perf's `parse_sse_stream` on one parsed event: usage merged, a content-bearing chunk recorded. */
export function captureEvent(data: string, json: ChunkJson, capture: ResponseCapture, t: number, keepChunk: boolean): void {
  if (!isPlainObject(json)) return;
  const usage = isPlainObject(json.usage) ? json.usage : isPlainObject((json as { message?: { usage?: unknown } }).message?.usage) ? (json as { message: { usage: Record<string, unknown> } }).message.usage : null;
  if (usage) capture.usage = { ...(capture.usage ?? {}), ...usage };
  const c = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isPlainObject(c)) return;
  if (isPlainObject(c.delta) && Array.isArray((c.delta as { tool_calls?: unknown }).tool_calls)) addToolCallDeltas(capture, (c.delta as { tool_calls: unknown[] }).tool_calls);
  const text = typeof c.text === "string" && c.text !== "" ? c.text : isPlainObject(c.delta) && typeof c.delta.content === "string" ? c.delta.content : "";
  if (text === "") return;
  capture.contentTimesMs.push(t);
  if (keepChunk) capture.contentChunks.push(data);
  capture.contentTexts.push(text);
}

/** inference-perf's non-streamed `process_response`: usage, and the answer's text (completion: choices[0].text; chat: every message). */
export function captureJsonResponse(json: ChunkJson, capture: ResponseCapture, t: number): void {
  if (isPlainObject(json.usage)) capture.usage = json.usage;
  const choices = Array.isArray(json.choices) ? json.choices : [];
  if (choices.length === 0) {
    capture.noChoices = true;
    return;
  }
  const first = choices[0];
  const text =
    isPlainObject(first) && "text" in first
      ? String(first.text ?? "")
      : choices.map((c) => (isPlainObject(c) && isPlainObject(c.message) && typeof c.message.content === "string" ? c.message.content : "")).join("");
  capture.contentTimesMs.push(t);
  capture.contentTexts.push(text);
  const calls = isPlainObject(first) && isPlainObject(first.message) ? (first.message as { tool_calls?: unknown }).tool_calls : undefined;
  if (Array.isArray(calls) && calls.length > 0) capture.toolCalls = Object.fromEntries(calls.map((call, i) => [i, call as ToolCallJson]));
}

/** 0.7.0's streamed tool calls: a piece opens its index's call (id, type), then names and arguments are appended. */
function addToolCallDeltas(capture: ResponseCapture, pieces: unknown[]): void {
  for (const piece of pieces) {
    if (!isPlainObject(piece)) continue;
    const index = typeof piece.index === "number" ? piece.index : 0;
    const calls = (capture.toolCalls ??= {});
    const call = (calls[index] ??= { id: piece.id ?? "", type: piece.type ?? "function", function: { name: "", arguments: "" } }) as { id: unknown; function: { name: string; arguments: string } };
    const fn = isPlainObject(piece.function) ? piece.function : {};
    if (fn.name) call.function.name += String(fn.name);
    if (fn.arguments) call.function.arguments += String(fn.arguments);
    if (piece.id) call.id = piece.id;
  }
}

/** A capture's tool calls in index order, or null when the answer called none. */
export function liveToolCalls(capture: ResponseCapture | undefined): ToolCallJson[] | null {
  if (!capture?.toolCalls) return null;
  return Object.keys(capture.toolCalls)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => capture.toolCalls![i]!);
}

export const newCapture = (): ResponseCapture => ({ body: "", contentTimesMs: [], contentChunks: [], contentTexts: [], usage: null, complete: false });
