/** What a session replay stage measured, before the session reports are built (session-lifecycle-report.ts). */

export interface SessionOutcome {
  sessionId: string;
  stage: number;
  /** The trace the session came from (0.7.0's `file_path`). */
  filePath: string;
  /** Epoch seconds (time.time()) of the session's dispatch and of the moment the stage saw it complete. */
  startEpochS: number;
  endEpochS: number;
  /** Monotonic ms of the dispatch: TFUT's anchor. */
  dispatchMs: number;
  numEvents: number;
  /** Events whose request succeeded when the session completed. */
  numEventsCompleted: number;
  /** Events left when the session failed (total − completed − 1), 0 when it did not. */
  numEventsCancelled: number;
  /** 0.7.0's cause code (SessionFailureCause) and prose for the first failure; null when none. */
  failure: { cause: string; reason: string } | null;
  userFacingEventIds: string[];
  numStructuredOutputExcluded: number;
}

/** One request of a session, as the session report enriches from it (0.7.0 `_enrich_sessions`). */
export interface SessionRequest {
  sessionId: string;
  eventId: string;
  failed: boolean;
  /** Server usage.prompt_tokens, else the client's count; 0 for a failed request. */
  inputTokens: number;
  /** Server usage.completion_tokens, else the client's count of the answer; 0 for a failed request. */
  outputTokens: number;
  usage: Record<string, unknown> | null;
  /** Monotonic ms of the first content chunk of a streamed answer; null when none arrived or not streamed. */
  firstTokenMs: number | null;
  streamed: boolean;
  /** Answered over POST /v1/messages (api.type anthropic_messages). */
  anthropic: boolean;
  /** The error (0.7.0's error_type, error_msg) of a failed request. */
  error: { errorType: string; errorMsg: string } | null;
}

/** The stage as 0.7.0's StageRuntimeInfo records it for `stage_metadata`. */
export interface SessionStageInfo {
  stage: number;
  status: "COMPLETED" | "FAILED";
  timeoutS: number | null;
  startEpochS: number;
  endEpochS: number;
  teardownS: number;
  droppedRequests: number;
  concurrentSessions: number;
  sessionRate: number | null;
}
