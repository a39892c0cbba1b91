/** The session reports from hand-made outcomes; every number is computed by hand in the comments. */
import { describe, expect, it } from "vitest";
import type { SessionOutcome, SessionRequest, SessionStageInfo } from "../replay/session-outcome.ts";
import { pythonJsonDumps } from "./python-json.ts";
import { buildSessionEntries, buildSessionLifecycleFiles, sessionNumberType, summarizeSessions } from "./session-lifecycle-report.ts";

const outcome = (id: string, o: Partial<SessionOutcome>): SessionOutcome => ({
  sessionId: id, stage: 0, filePath: `${id}.json`, startEpochS: 100, endEpochS: 102, dispatchMs: 1000, numEvents: 2, numEventsCompleted: 2, numEventsCancelled: 0,
  failure: null, userFacingEventIds: ["e1"], numStructuredOutputExcluded: 0, ...o,
});
const request = (sessionId: string, eventId: string, o: Partial<SessionRequest>): SessionRequest => ({
  sessionId, eventId, failed: false, inputTokens: 10, outputTokens: 5, usage: null, firstTokenMs: null, streamed: true, anthropic: false, error: null, ...o,
});

const SESSIONS = [
  outcome("ok", { startEpochS: 100, endEpochS: 102 }),
  outcome("bad", { startEpochS: 101, endEpochS: 104, numEventsCompleted: 0, numEventsCancelled: 1, failure: { cause: "request_failed", reason: "HTTP Error 500: boom" } }),
];
const REQUESTS = [
  // ok: cached 4 of 10, then 6 of 20 → 10 of 30; its user-facing e1's first token 250 ms after dispatch
  request("ok", "e1", { usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 4 } }, firstTokenMs: 1250 }),
  request("ok", "e2", { inputTokens: 20, usage: { prompt_tokens: 20, prompt_tokens_details: { cached_tokens: 6 } } }),
  request("bad", "e1", { failed: true, inputTokens: 0, outputTokens: 0, streamed: false, error: { errorType: "HTTP Error 500", errorMsg: "boom" } }),
];

describe("session lifecycle reports", () => {
  it("enriches each session from its requests (0.7.0 _enrich_sessions, _compute_tfut)", () => {
    const [ok, bad] = buildSessionEntries(SESSIONS, REQUESTS);
    expect(ok).toMatchObject({ success: true, error: null, total_input_tokens: 30, total_output_tokens: 10, total_cached_tokens: 10, total_cacheable_input_tokens: 30, duration_sec: 2, tfut_sec: 0.25, tfut_none_reason: null });
    // the session's own cause wins over the request's error; its only user-facing call was not streamed (failed)
    expect(bad).toMatchObject({ success: false, error: { error_type: "request_failed", error_msg: "HTTP Error 500: boom" }, total_input_tokens: 0, total_cached_tokens: null, tfut_sec: null, tfut_none_reason: "non_streaming" });
  });

  it("an Anthropic stream keeps no token times once 0.7.0 re-derived them: no TFUT, no_output_tokens", () => {
    const anthropic = REQUESTS.map((r) => ({ ...r, anthropic: true }));
    expect(buildSessionEntries(SESSIONS, anthropic, true)[0]).toMatchObject({ tfut_sec: null, tfut_none_reason: "no_output_tokens" });
    expect(buildSessionEntries(SESSIONS, anthropic, false)[0]).toMatchObject({ tfut_sec: 0.25, tfut_none_reason: null });
  });

  it("summarizes: counts, rate over the sessions' span, cache hit rates, failures by cause", () => {
    const s = summarizeSessions(buildSessionEntries(SESSIONS, REQUESTS), [50], 100);
    expect(s).toMatchObject({
      num_sessions: 2, num_sessions_succeeded: 1, num_sessions_failed: 1,
      failures: { count: 1, by_label: { request_failed: { count: 1, messages: [{ message: "HTTP Error 500: boom", session_ids: ["bad"] }] } } },
      total_events: 4, total_events_completed: 2, total_events_cancelled: 1,
      sessions_per_second: 2 / 4, // 2 sessions over 104 − 100 s
      session_duration_sec: { mean: 2.5, min: 2, max: 3, median: 2.5 },
      sessions_with_cache_info: 1,
      kv_cache_hit_percent: (100 * 10) / 30,
      tfut_sec: { mean: 0.25, min: 0.25, max: 0.25, median: 0.25 },
      sessions_with_tfut: 1,
      tfut_none_reasons: { non_streaming: 1 },
    });
  });

  it("writes stage_metadata first, TIMED_OUT when a failed stage ran its whole timeout, and Python's int/float types", () => {
    const info: SessionStageInfo = { stage: 0, status: "FAILED", timeoutS: 3, startEpochS: 100, endEpochS: 103.5, teardownS: 0.25, droppedRequests: 2, concurrentSessions: 4, sessionRate: null };
    const files = buildSessionLifecycleFiles(SESSIONS, REQUESTS, [info], { summary: true, perStage: true, perSession: true, percentiles: [50], maxErrorMessages: 100, anthropicTokenTimesDropped: false });
    expect(files.map((f) => f.name)).toEqual(["summary_session_lifecycle_metrics", "stage_0_session_lifecycle_metrics", "per_session_lifecycle_metrics"]);
    const stage = (files[1] as { contents: Record<string, unknown> }).contents;
    expect(Object.keys(stage)[0]).toBe("stage_metadata");
    expect(stage.stage_metadata).toEqual({ stage_id: 0, status: "TIMED_OUT", timeout_configured: 3, actual_duration: 3.5, teardown_duration: 0.25, dropped_requests: 2, concurrent_sessions: 4, session_rate: null });
    const text = pythonJsonDumps(stage.stage_metadata, { numberType: (p, v) => sessionNumberType(["stage_metadata", ...p], v) });
    expect(text).toBe('{"stage_id": 0, "status": "TIMED_OUT", "timeout_configured": 3.0, "actual_duration": 3.5, "teardown_duration": 0.25, "dropped_requests": 2, "concurrent_sessions": 4, "session_rate": null}');
    const per = pythonJsonDumps((files[2] as { contents: unknown[] }).contents[0], { numberType: (p, v) => sessionNumberType([0, ...p], v) });
    expect(per).toContain('"start_time": 100.0, "end_time": 102.0, "duration_sec": 2.0, "num_events": 2');
    expect(per).toContain('"total_input_tokens": 30,');
  });

  it("writes nothing without sessions", () => {
    expect(buildSessionLifecycleFiles([], [], [], { summary: true, perStage: true, perSession: true, percentiles: [50], maxErrorMessages: 100, anthropicTokenTimesDropped: false })).toEqual([]);
  });
});
