/**
 * What the native client records for one request: raw timestamps and counts, nothing derived.
 * Every metric (TTFT, ITL, TPOT, E2EL, throughput) is computed from these in src/metrics/.
 * Times are milliseconds on the monotonic clock (performance.now()) of the process that sent the request.
 */
export type ErrorReason =
  | "http" // non-200 status (status and a body excerpt in message)
  | "timeout" // the per-request timeout fired
  | "disconnect" // the connection closed mid-stream, before [DONE]
  | "malformed-chunk" // an SSE data line that is not valid JSON or lacks `choices` (non-streamed: a body that is not JSON)
  | "empty-stream" // HTTP 200 but no token-bearing chunk arrived (non-streamed: no `choices`)
  | "stream-error" // the server sent an error object inside the stream (non-streamed: in the response)
  | "not-a-stream" // HTTP 200 but not text/event-stream (stream:true ignored, or a proxy's page)
  | "connection" // could not connect / socket error before a response
  | "aborted"; // the run was stopped (Ctrl-C) while the request was in flight

export interface RequestError {
  reason: ErrorReason;
  /** HTTP status when reason is "http". */
  status?: number;
  /** Human-readable detail, at most ~200 characters (body excerpt, error code). */
  message: string;
}

export interface RequestRecord {
  /** Index of the request in the step's plan. */
  index: number;
  /** Prompt length the plan intended (client-side count), used when the server reports no usage. */
  plannedPromptTokens: number;
  /** Monotonic ms just before the request was written to the socket. */
  sendMs: number;
  /** Monotonic ms at which each token-bearing chunk (non-empty `choices`) was parsed, in arrival order. */
  chunkTimesMs: number[];
  /** `usage.prompt_tokens` from the final usage chunk, or null when the server sent none. */
  promptTokens: number | null;
  /** `usage.completion_tokens` from the final usage chunk, or null when the server sent none. */
  completionTokens: number | null;
  /**
   * Chunks whose text (`choices[0].text`, or `delta.content` for chat) was non-empty: the fallback
   * output-token count when usage is missing. The chat stream's role-only opening chunk is a
   * token-bearing chunk for timing (as in `vllm bench serve`) but carries no text, so it is not counted here.
   */
  textChunks: number;
  /** Wall-clock epoch ms at send time, for lining requests up with server metrics. */
  sendEpochMs: number;
  /**
   * Monotonic ms when the request settled: its response ended (or failed, timed out, was cancelled). Set by the
   * client; absent on records made elsewhere (e.g. the benchmark's raw reader). Request latency = endMs − sendMs.
   */
  endMs?: number;
  /** null when the request succeeded (HTTP 200 and at least one token-bearing chunk). */
  error: RequestError | null;
  /** What inference-perf's reports need beyond the timings; only when the client was asked to capture (`capture`). */
  capture?: ResponseCapture;
  /**
   * load.request_retries (src/scenarios/load/request-retries.ts): extra attempts made after transport faults, and
   * the monotonic ms the last one was sent; `sendMs` stays the first attempt's. Absent when the request was sent once.
   */
  retries?: { attempts: number; lastAttemptSendMs: number };
}

/**
 * The response as inference-perf's client keeps it (kubernetes-sigs/inference-perf apis/streaming_parser.py
 * `parse_sse_stream`, openai_client.py `response_content`), recorded by `kneepoint run` only: `kneepoint sweep`
 * never pays for it. A chunk is content-bearing when `choices[0].text` or `choices[0].delta.content` is a
 * non-empty string: the chat role-only chunk, empty text, reasoning and tool-call deltas are not.
 */
export interface ResponseCapture {
  /**
   * The whole response body as received: the SSE text (capture "full" only, else ""), the JSON document, the
   * error body, or a 200 that was not an event stream (never cut).
   */
  body: string;
  /** Monotonic ms of each content-bearing chunk (inference-perf's `chunk_times`). */
  contentTimesMs: number[];
  /** The SSE data string of each content-bearing chunk (`response_chunks`); streamed answers, capture "full" only. */
  contentChunks: string[];
  /** The text each content-bearing chunk carried; for a non-streamed answer, its one text. */
  contentTexts: string[];
  /** Every `usage` object of the answer merged in arrival order (`server_usage`), or null when there was none. */
  usage: Record<string, unknown> | null;
  /** The body was read to its end (or to `[DONE]`): inference-perf's success for a 200, whatever the chunks held. */
  complete: boolean;
  /** A non-streamed answer whose `choices` were missing or empty (inference-perf then records no response metrics). */
  noChoices?: boolean;
  /** The answer came from POST /v1/messages (src/engine/anthropic-events.ts): inference-perf counts its tokens from usage. */
  anthropic?: boolean;
  /**
   * Chat answers that called tools: a non-streamed `message.tool_calls` as sent, or the streamed `delta.tool_calls`
   * pieces joined by their index (0.7.0's session replay substitutes them into later calls). Absent when none.
   */
  toolCalls?: Record<number, ToolCallJson>;
}

/** One tool call of an answer, as 0.7.0's session replay keeps it (`{id, type, function: {name, arguments}}` when streamed). */
export type ToolCallJson = Record<string, unknown>;

/** A record before its request is sent: nothing measured yet. The one constructor every client and test uses. */
export function newRequestRecord(index: number, plannedPromptTokens: number, sendEpochMs: number): RequestRecord {
  return {
    index,
    plannedPromptTokens,
    sendMs: 0,
    chunkTimesMs: [],
    promptTokens: null,
    completionTokens: null,
    textChunks: 0,
    sendEpochMs,
    error: null,
  };
}
