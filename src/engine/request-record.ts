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
}

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
