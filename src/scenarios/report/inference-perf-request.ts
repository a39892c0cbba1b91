/**
 * One ScenarioRecord as inference-perf 0.7.0 would have recorded the same request (its RequestLifecycleMetric:
 * kubernetes-sigs/inference-perf client/modelserver/openai_client.py `process_request`, apis/completion.py and
 * apis/chat.py `process_response`, apis/streaming_parser.py, reportgen/base.py
 * `correct_streamed_response_metrics`). Every inference-perf file kneepoint writes is built from this view, so
 * its definitions, not vLLM's, are the ones in those files. Pure.
 *
 * Success: no `error`. inference-perf sets one only for a non-200 status, an exception while connecting or
 * reading, or a timeout; a 200 whose body was read to its end is a success whatever it held: no content chunk,
 * an SSE `error` event, malformed chunks (skipped), a body that is not SSE, a stream ending inside an event
 * (0 tokens then). A non-streamed 200 whose JSON has no `choices` is a success without response metrics; one
 * whose body is not JSON is a failure (JSONDecodeError). error_type names are the Python exception's
 * (`HTTP Error <status>`, `TimeoutError`, `ClientConnectorError`, `ClientPayloadError`); an HTTP error's
 * message is the whole body (by_label parses its JSON). A failure has no response metrics and 0 input tokens
 * (its InferenceInfo is the empty default).
 *
 * Token times: the arrival times of content-bearing chunks (`choices[0].text` or `delta.content` non-empty; the
 * chat role chunk, usage chunk, reasoning and tool-call deltas are not). With a `tokenizer` block in the config
 * (`retokenizeChunks`), each chunk's text is re-tokenized (add_special_tokens=False) and every token gets its
 * chunk's time, so a chunk of 3 tokens adds two zero gaps; chunks of 0 tokens add none.
 * output_tokens (the client's count): the tokenizer's count of the whole answer's text (`countTokens`); without
 * one, the number of content-bearing chunks (one token per chunk, as vLLM streams) — inference-perf always has a
 * tokenizer (it loads the model's), so that fallback is kneepoint's. Non-streamed: the tokenizer's count of the
 * text, else `usage.completion_tokens`.
 * input_tokens: `usage.prompt_tokens` when the server sent it, else the data generator's planned count
 * (inference-perf: its tokenizer's count of the prompt).
 *
 * A record made without `capture` (tests, older callers) has only kneepoint's timings: its token-bearing chunk
 * times stand in for the content chunk times and its text-chunk count for the token count.
 */
import type { ScenarioRecord } from "../types.ts";

export interface InferencePerfRequestOptions {
  /** api.streaming (default true). */
  streaming?: boolean;
  /** The run's tokenizer: tokens of a text without special tokens. */
  countTokens?: (text: string) => number;
  /** A `tokenizer` block is configured: token times from re-tokenized chunks, and token_count_mismatches. */
  retokenizeChunks?: boolean;
}

export interface InferencePerfError {
  error_type: string;
  error_msg: string;
}

/** inference-perf's StreamedResponseMetrics / UnaryResponseMetrics, in its key order; times in seconds. */
export type InferencePerfResponseMetrics =
  | { output_tokens: number; server_usage: Record<string, unknown> | null; response_chunks: string[]; chunk_times: number[]; output_token_times: number[] }
  | { output_tokens: number; server_usage: Record<string, unknown> | null };

export interface InferencePerfRequest {
  rec: ScenarioRecord;
  startS: number;
  endS: number;
  scheduledS: number;
  error: InferencePerfError | null;
  /** info.request_metrics.text.input_tokens. */
  inputTokens: number;
  responseMetrics: InferencePerfResponseMetrics | null;
  /** Token times when the response was streamed (StreamedResponseMetrics), else null. */
  outputTokenTimesS: number[] | null;
  /** The raw response (`response_data`): the body as received; null when the record kept none. */
  response: string | null;
  /** Re-tokenized chunks disagree with usage.completion_tokens (counted only with retokenizeChunks). */
  tokenCountMismatch: boolean;
  /** load.request_retries: present when the request was retried (retryInfoOf). */
  retries?: RetryInfo;
}

/** 0.7.0's InferenceInfo retries_attempted / retries_recovered / retry_wasted_sec. */
export interface RetryInfo {
  attempted: number;
  /** The request succeeded in the end (0.7.0: no exception and no error on the last attempt). */
  recovered: boolean;
  /** Recovered: from the first send to the last attempt's; else the whole request (0.7.0 retry_wasted_sec), s. */
  wastedS: number;
}

/** The retry fields of a retried record, from inference-perf's verdict on its last attempt (`error`). */
export function retryInfoOf(rec: ScenarioRecord, error: InferencePerfError | null): RetryInfo | undefined {
  if (!rec.retries) return undefined;
  const recovered = error === null;
  const wastedMs = recovered ? rec.retries.lastAttemptSendMs - rec.sendMs : rec.endMs - rec.sendMs;
  return { attempted: rec.retries.attempts, recovered, wastedS: seconds(wastedMs) };
}

/** aiohttp's message for a chunked body cut before its end, which is what inference-perf records as the error. */
export const PAYLOAD_NOT_COMPLETED =
  "Response payload is not completed: <TransferEncodingError: 400, message='Not enough data to satisfy transfer length header.'>";

const seconds = (ms: number) => ms / 1000;

/** aiohttp's exception class for a failure before any response. */
export function connectionErrorType(message: string): string {
  if (/ECONNRESET|EPIPE|socket hang up/i.test(message)) return "ServerDisconnectedError";
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNABORTED/i.test(message)) return "ClientConnectorError";
  return "ClientOSError";
}

/** inference-perf's `error` of a record, or null when inference-perf would count it a success. */
export function inferencePerfError(rec: ScenarioRecord, streaming: boolean): InferencePerfError | null {
  const e = rec.error;
  if (e === null) return null;
  const complete = rec.capture ? rec.capture.complete : true;
  switch (e.reason) {
    case "http":
      return { error_type: `HTTP Error ${e.status ?? 0}`, error_msg: rec.capture ? rec.capture.body : e.message.replace(/^HTTP \d+:\s*/, "") };
    case "timeout":
      return { error_type: "TimeoutError", error_msg: "Request timed out" };
    case "aborted":
      // inference-perf cancels in-flight requests on Ctrl-C and records none of them; kneepoint keeps them.
      return { error_type: "CancelledError", error_msg: e.message };
    case "connection": {
      const type = connectionErrorType(e.message);
      // aiohttp's ServerDisconnectedError() says "Server disconnected" (0.7.0 labels it "Connection Error" by that).
      return { error_type: type, error_msg: type === "ServerDisconnectedError" ? "Server disconnected" : e.message };
    }
    case "disconnect":
      return rec.capture?.complete ? null : { error_type: "ClientPayloadError", error_msg: PAYLOAD_NOT_COMPLETED };
    case "malformed-chunk":
      if (!streaming) return { error_type: "JSONDecodeError", error_msg: e.message };
      return complete ? null : { error_type: "ClientPayloadError", error_msg: e.message };
    case "empty-stream":
    case "stream-error":
    case "not-a-stream":
      return complete ? null : { error_type: "ClientPayloadError", error_msg: e.message };
  }
}

function serverUsageOf(rec: ScenarioRecord): Record<string, unknown> | null {
  if (rec.capture) return rec.capture.usage;
  if (rec.promptTokens === null && rec.completionTokens === null) return null;
  return {
    ...(rec.promptTokens !== null ? { prompt_tokens: rec.promptTokens } : {}),
    ...(rec.completionTokens !== null ? { completion_tokens: rec.completionTokens } : {}),
  };
}

/** inference-perf `server_reported_tokens`: the first of `keys` present in usage, as a number; null when none. */
export function serverReportedTokens(usage: Record<string, unknown> | null, keys: readonly string[]): number | null {
  if (!usage) return null;
  for (const k of keys) {
    const v = usage[k];
    if (v !== null && v !== undefined) return Number.isFinite(Number(v)) ? Number(v) : 0;
  }
  return null;
}

export const SERVER_PROMPT_TOKEN_KEYS = ["prompt_tokens", "input_tokens"] as const;
export const SERVER_OUTPUT_TOKEN_KEYS = ["completion_tokens", "output_tokens"] as const;

/**
 * api.type anthropic_messages (0.7.0 apis/anthropic_messages.py `process_response`): input and output tokens are the
 * server's `usage.input_tokens`/`output_tokens` when it sent them (else the planned prompt and the tokenizer's count
 * of the text), and with a tokenizer block 0.7.0's `correct_streamed_response_metrics` finds no `choices` in the
 * chunks, so the request keeps no token times at all.
 */
function anthropicRequest(
  base: Pick<InferencePerfRequest, "rec" | "startS" | "endS" | "scheduledS" | "response">,
  rec: ScenarioRecord,
  usage: Record<string, unknown> | null,
  streaming: boolean,
  opts: InferencePerfRequestOptions,
): InferencePerfRequest {
  const cap = rec.capture!;
  const fromUsage = (key: string) => (usage?.[key] !== undefined && usage[key] !== null ? Math.trunc(Number(usage[key])) : null);
  const inputTokens = fromUsage("input_tokens") ?? rec.plannedPromptTokens;
  const text = cap.contentTexts.join("");
  const outputTokens = fromUsage("output_tokens") ?? (opts.countTokens ? opts.countTokens(text) : cap.contentTexts.length);
  const common = { ...base, error: null, inputTokens, tokenCountMismatch: false };
  // Not streamed, 0.7.0's UnaryResponseMetrics gets no server_usage.
  if (!streaming) return { ...common, responseMetrics: { output_tokens: outputTokens, server_usage: null }, outputTokenTimesS: null };
  const chunkTimesS = cap.contentTimesMs.map(seconds);
  const outputTokenTimesS = opts.retokenizeChunks && opts.countTokens && cap.contentTexts.length > 0 ? [] : chunkTimesS;
  return {
    ...common,
    responseMetrics: { output_tokens: outputTokens, server_usage: usage, response_chunks: cap.contentChunks, chunk_times: chunkTimesS, output_token_times: outputTokenTimesS },
    outputTokenTimesS,
  };
}

export function toInferencePerfRequest(rec: ScenarioRecord, opts: InferencePerfRequestOptions): InferencePerfRequest {
  const ip = viewOf(rec, opts);
  const retries = retryInfoOf(rec, ip.error);
  return retries ? { ...ip, retries } : ip;
}

function viewOf(rec: ScenarioRecord, opts: InferencePerfRequestOptions): InferencePerfRequest {
  const streaming = opts.streaming !== false;
  const base = {
    rec,
    startS: seconds(rec.sendMs),
    endS: seconds(rec.endMs),
    scheduledS: seconds(rec.scheduledMs),
    response: rec.capture ? rec.capture.body : null,
  };
  const error = inferencePerfError(rec, streaming);
  if (error !== null) {
    return { ...base, error, inputTokens: 0, responseMetrics: null, outputTokenTimesS: null, tokenCountMismatch: false };
  }

  const usage = serverUsageOf(rec);
  const cap = rec.capture;
  if (cap?.anthropic) return anthropicRequest(base, rec, usage, streaming, opts);
  const prompt = usage?.prompt_tokens;
  const inputTokens = prompt !== null && prompt !== undefined ? Math.trunc(Number(prompt)) : rec.plannedPromptTokens;
  const count = opts.countTokens;

  if (!streaming) {
    if (cap?.noChoices || (!cap && rec.chunkTimesMs.length === 0)) {
      return { ...base, error, inputTokens, responseMetrics: null, outputTokenTimesS: null, tokenCountMismatch: false };
    }
    const text = cap ? cap.contentTexts.join("") : null;
    const outputTokens = text !== null && count ? count(text) : (rec.completionTokens ?? rec.textChunks);
    return { ...base, error, inputTokens, responseMetrics: { output_tokens: outputTokens, server_usage: usage }, outputTokenTimesS: null, tokenCountMismatch: false };
  }

  const chunkTimesS = (cap ? cap.contentTimesMs : rec.chunkTimesMs).map(seconds);
  const outputTokens = cap ? (count ? count(cap.contentTexts.join("")) : cap.contentTexts.length) : rec.textChunks;
  let outputTokenTimesS = chunkTimesS;
  let tokenCountMismatch = false;
  if (opts.retokenizeChunks && count && cap && cap.contentTexts.length > 0) {
    outputTokenTimesS = [];
    for (let i = 0; i < cap.contentTexts.length; i++) {
      const n = count(cap.contentTexts[i] as string);
      for (let k = 0; k < n; k++) outputTokenTimesS.push(chunkTimesS[i] as number);
    }
    const expected = usage?.completion_tokens;
    tokenCountMismatch = expected !== null && expected !== undefined && outputTokenTimesS.length !== expected;
  }
  return {
    ...base,
    error,
    inputTokens,
    responseMetrics: { output_tokens: outputTokens, server_usage: usage, response_chunks: cap ? cap.contentChunks : [], chunk_times: chunkTimesS, output_token_times: outputTokenTimesS },
    outputTokenTimesS,
    tokenCountMismatch,
  };
}
