/**
 * One `load.type: trace_session_replay` stage, as inference-perf 0.7.0 runs it (loadgen/load_generator.py
 * `run_session_stage`, datagen/replay/replay_graph_session_datagen.py): the stage takes the next `num_sessions`
 * sessions of the corpus (all that are left by default) and keeps at most `concurrent_sessions` of them active
 * (0: all at once), starting one every 1/`session_rate` s at most. A dispatched session enqueues all its calls at
 * once (their scheduled time: schedule delay includes the wait for predecessors); each call holds an in-flight slot
 * (num_workers × worker_max_concurrency) while it waits for its predecessors, then min(wait_ms, max_wait_ms), then
 * is sent with the substituted messages (session-messages.ts). A session completes when all its calls succeeded,
 * or at its first failure (a failed request, or a call skipped because a predecessor failed or never came): its
 * other branches still run, its pool slot is freed at once. `timeout` ends the stage (FAILED; TIMED_OUT in the
 * session report): what is in flight finishes, calls not yet sent never are.
 */
import type { PreparedRequest } from "../../engine/openai-stream-client.ts";
import type { RequestRecord } from "../../engine/request-record.ts";
import { errorTypeAndMessage } from "../report/error-labels.ts";
import { liveToolCalls } from "../../engine/response-capture.ts";
import type { ReplaySessionSpec } from "../replay/otel-trace-sessions.ts";
import type { GraphCall, GraphEvent, ReplayMessage } from "../replay/replay-graph.ts";
import { messagesToSend, type EventOutcome } from "../replay/session-messages.ts";
import { mappedAttributes } from "../replay/attribute-maps.ts";
import type { SessionOutcome, SessionRequest, SessionStageInfo } from "../replay/session-outcome.ts";
import type { ScenarioRecord, ScenarioRequest, SessionReplayStagePlan, StageRun } from "../types.ts";
import { createSlots, deferred, type Deferred } from "./session-slots.ts";

export interface SessionReplaySettings {
  maxWaitMs: number;
  /** 0 waits forever. */
  predecessorWaitTimeoutS: number;
  disableOutputSubstitution: boolean;
  /** attribute_to_header_map / attribute_to_label_map (null: none). */
  attributeToHeaderMap: Record<string, string> | null;
  attributeToLabelMap: Record<string, string> | null;
}

export interface SessionStageOptions {
  stage: number;
  plan: SessionReplayStagePlan;
  sessions: readonly ReplaySessionSpec[];
  /** Index of the stage's first session in the corpus (the cursor advances across stages). */
  firstSession: number;
  /** Record index of the stage's first request (counted across the run). */
  firstRequest: number;
  replay: SessionReplaySettings;
  bodyFor(messages: readonly ReplayMessage[], maxTokens: number, call: GraphCall): string;
  /** Client-side token count (0.7.0 count_tokens), for prompts and answers the server gave no usage for. */
  countTokens(text: string): Promise<number>;
  streaming: boolean;
  /** Calls holding a slot at once (waiting or in flight); Infinity: unbounded. */
  maxInFlight: number;
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  stop: AbortSignal;
  abort: AbortSignal;
  now(): number;
  epochNowS(): number;
  epochOffsetMs: number;
  onRecord?(rec: ScenarioRecord): void;
  /** Each request as it is sent, by its record index. */
  onSent?(index: number, req: ScenarioRequest): void;
  keepRecords: boolean;
}

export interface SessionStageResult {
  run: StageRun;
  info: SessionStageInfo;
  sessions: SessionOutcome[];
  requests: SessionRequest[];
  sessionsUsed: number;
  requestsUsed: number;
}

interface SessionState {
  spec: ReplaySessionSpec;
  events: GraphEvent[];
  outcomes: Map<string, EventOutcome>;
  signals: Map<string, Deferred<boolean>>;
  completed: Set<string>;
  failure: { cause: string; reason: string } | null;
  done: boolean;
  dispatchMs: number;
  dispatchEpochS: number;
}

/**
 * 0.7.0's reason for a failed request, f"{type(exception).__name__}: {exception}": an HTTP error reaches the session as
 * Exception("HTTP Error <status>: <body>") (openai_client.py), any other as the exception that ended the request.
 */
export function failureReason(error: { errorType: string; errorMsg: string }): string {
  const text = `${error.errorType}: ${error.errorMsg}`;
  return error.errorType.startsWith("HTTP Error ") ? `Exception: ${text}` : text;
}

export async function runSessionStage(o: SessionStageOptions): Promise<SessionStageResult | null> {
  const available = o.sessions.length - o.firstSession;
  if (available <= 0) return null; // 0.7.0: "no sessions remaining", the stage is skipped and not reported
  const count = o.plan.numSessions === null ? available : Math.min(o.plan.numSessions, available);
  const startMs = o.now();
  const startEpochS = o.epochNowS();
  const pending = Array.from({ length: count }, (_, i) => o.firstSession + i);
  const slots = createSlots(o.maxInFlight);
  const records: ScenarioRecord[] = [];
  const outcomes: SessionOutcome[] = [];
  const requests: SessionRequest[] = [];
  const tasks = new Set<Promise<void>>();
  const live = new Set<SessionState>();
  let nextIndex = o.firstRequest;
  let sent = 0;
  let active = 0;
  let finished = 0;
  let draining = false;
  const drained = deferred<boolean>();
  let lastEndMs = startMs;
  let nextDispatchMs = startMs;
  let wake: () => void = () => {};

  const completeSession = (s: SessionState, cancelled: number) => {
    if (s.done) return;
    s.done = true;
    outcomes.push({
      sessionId: s.spec.sessionId,
      stage: o.stage,
      filePath: s.spec.sourceId,
      startEpochS: s.dispatchEpochS,
      endEpochS: o.epochNowS(),
      dispatchMs: s.dispatchMs,
      numEvents: s.events.length,
      numEventsCompleted: s.completed.size,
      numEventsCancelled: s.failure ? cancelled : 0,
      failure: s.failure,
      userFacingEventIds: s.spec.graph!.events.filter((e) => e.isUserFacing).map((e) => e.eventId),
      numStructuredOutputExcluded: s.spec.graph!.events.filter((e) => e.isStructuredOutputCall).length,
    });
    active--;
    finished++;
    wake();
  };

  const fail = (s: SessionState, e: GraphEvent, cause: string, reason: string) => {
    s.signals.get(e.eventId)!.resolve(false);
    if (s.failure) return;
    s.failure = { cause, reason };
    completeSession(s, s.events.length - s.completed.size - 1);
  };

  const runEvent = async (s: SessionState, e: GraphEvent, scheduledMs: number): Promise<void> => {
    const release = await slots.acquire();
    try {
      if (draining) return;
      if (s.failure) return fail(s, e, "session_already_failed", "session already failed (pre-wait check)");
      if (e.predecessorEventIds.length) {
        const waits = Promise.all(e.predecessorEventIds.map((p) => s.signals.get(p)?.promise ?? Promise.resolve(true)));
        const limitS = o.replay.predecessorWaitTimeoutS;
        let timer: NodeJS.Timeout | undefined;
        const outcome = await (limitS > 0 ? Promise.race([waits, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), limitS * 1000)))]) : waits);
        clearTimeout(timer);
        if (draining) return;
        if (outcome === "timeout") return fail(s, e, "predecessor_wait_failed", "predecessor wait failed: TimeoutError");
        if (outcome.includes(false)) return fail(s, e, "predecessor_failed", "predecessor failed");
      }
      const waitMs = Math.min(e.waitMs, o.replay.maxWaitMs);
      if (waitMs > 0) await Promise.race([new Promise((r) => setTimeout(r, waitMs)), drained.promise]);
      if (draining) return;
      const messages = messagesToSend({
        recorded: e.call.messages,
        segments: e.call.inputSegments,
        outcomeOf: (id) => s.outcomes.get(id),
        disableOutputSubstitution: o.replay.disableOutputSubstitution,
        sessionRandom: s.spec.randomString,
      });
      const index = nextIndex++;
      sent++;
      const body = o.bodyFor(messages, e.call.expectedOutputTokens, e.call);
      const headers = mappedAttributes(e.call.attributes, o.replay.attributeToHeaderMap);
      const labels = mappedAttributes(e.call.attributes, o.replay.attributeToLabelMap);
      const request: ScenarioRequest = { body, plannedPromptTokens: 0, plannedOutputTokens: e.call.expectedOutputTokens, sessionId: s.spec.sessionId, graphEventId: e.eventId, ...(headers ? { headers } : {}), ...(labels ? { labels } : {}) };
      o.onSent?.(index, request);
      const rec = await o.send({ index, body, plannedPromptTokens: 0, sessionId: s.spec.sessionId, ...(headers ? { headers } : {}) }, o.abort);
      // The client's count of the prompt (0.7.0 _count_prompt_tokens: each message's text), only when the server sent
      // no usage: counted after the answer, so a tokenizer round trip never delays a call that waited on predecessors.
      let planned = 0;
      if (rec.promptTokens === null) {
        for (const m of messages) if (m.content) planned += await o.countTokens(m.content);
        if (e.call.toolRequest) planned += await o.countTokens(e.call.toolRequest.toolsText);
      }
      request.plannedPromptTokens = planned;
      const srec: ScenarioRecord = { ...rec, plannedPromptTokens: planned, stage: o.stage, scheduledMs, endMs: rec.endMs ?? o.now() };
      lastEndMs = Math.max(lastEndMs, srec.endMs);
      o.onRecord?.(srec);
      if (o.keepRecords) records.push(srec);
      const error = errorTypeAndMessage(srec, o.streaming);
      const text = rec.capture?.contentTexts.join("") ?? "";
      const usage = rec.capture?.usage ?? null;
      requests.push({
        sessionId: s.spec.sessionId,
        eventId: e.eventId,
        failed: error !== null,
        inputTokens: error ? 0 : (rec.promptTokens ?? planned),
        outputTokens: error ? 0 : (rec.completionTokens ?? (await o.countTokens(text))),
        usage,
        firstTokenMs: o.streaming ? (rec.capture?.contentTimesMs[0] ?? null) : null,
        streamed: o.streaming && !error,
        anthropic: rec.capture?.anthropic === true,
        error,
      });
      if (error) return fail(s, e, "request_failed", failureReason(error));
      const toolCalls = liveToolCalls(rec.capture);
      const outputMessage = rec.capture?.noChoices ? null : toolCalls ? { role: "assistant", content: text, tool_calls: toolCalls } : { role: "assistant", content: text };
      s.outcomes.set(e.eventId, { outputText: text, outputMessage, sentMessages: messages });
      s.completed.add(e.eventId);
      s.signals.get(e.eventId)!.resolve(true);
      if (s.completed.size === s.events.length) completeSession(s, 0);
    } finally {
      release();
    }
  };

  const dispatch = (idx: number) => {
    const spec = o.sessions[idx]!;
    if (!spec.graph) {
      finished++; // 0.7.0: an unbuildable session counts as done and is never reported
      return;
    }
    const events = spec.graph.events.filter((e) => e.call.messages.length > 0);
    const s: SessionState = { spec, events, outcomes: new Map(), signals: new Map(events.map((e) => [e.eventId, deferred<boolean>()])), completed: new Set(), failure: null, done: false, dispatchMs: o.now(), dispatchEpochS: o.epochNowS() };
    live.add(s);
    active++;
    for (const e of events) {
      const t = runEvent(s, e, o.now());
      tasks.add(t);
      void t.finally(() => tasks.delete(t));
    }
    if (events.length === 0) completeSession(s, 0);
    if (o.plan.sessionRate !== null) nextDispatchMs = Math.max(nextDispatchMs + 1000 / o.plan.sessionRate, o.now());
  };

  const onSignal = () => wake();
  o.stop.addEventListener("abort", onSignal);
  o.abort.addEventListener("abort", onSignal);
  let status: StageRun["status"] = "completed";
  try {
    for (;;) {
      if (o.stop.aborted || o.abort.aborted) {
        status = "interrupted";
        break;
      }
      const elapsedMs = o.now() - startMs;
      if (o.plan.timeoutS !== null && elapsedMs >= o.plan.timeoutS * 1000) {
        status = "timed_out";
        break;
      }
      while (pending.length && (o.plan.concurrentSessions === 0 || active < o.plan.concurrentSessions) && (o.plan.sessionRate === null || o.now() >= nextDispatchMs)) dispatch(pending.shift()!);
      if (finished >= count || (!pending.length && active === 0)) break;
      const waits = [o.plan.timeoutS !== null ? o.plan.timeoutS * 1000 - elapsedMs : Infinity];
      if (pending.length && o.plan.sessionRate !== null) waits.push(Math.max(0, nextDispatchMs - o.now()));
      const ms = Math.min(...waits);
      await new Promise<void>((resolve) => {
        const t = Number.isFinite(ms) ? setTimeout(resolve, Math.max(0, ms)) : undefined;
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    o.stop.removeEventListener("abort", onSignal);
    o.abort.removeEventListener("abort", onSignal);
  }
  const endEpochS = o.epochNowS();
  const teardownStart = o.now();
  // Teardown: nothing new is sent; calls waiting on predecessors or for a slot are released and return unsent.
  draining = true;
  drained.resolve(true);
  const dropped = slots.waiting();
  for (const s of live) for (const d of s.signals.values()) d.resolve(false);
  await Promise.all([...tasks]);
  const endMs = Math.max(lastEndMs, teardownStart);
  const run: StageRun = {
    index: o.stage,
    plan: o.plan,
    status,
    startMs,
    endMs,
    startEpochMs: startMs + o.epochOffsetMs,
    originEpochMs: startMs + o.epochOffsetMs,
    endEpochMs: endMs + o.epochOffsetMs,
    records,
    sent,
    unsent: 0,
  };
  const info: SessionStageInfo = {
    stage: o.stage,
    status: status === "completed" ? "COMPLETED" : "FAILED",
    timeoutS: o.plan.timeoutS,
    startEpochS,
    endEpochS,
    teardownS: (o.now() - teardownStart) / 1000,
    droppedRequests: dropped,
    concurrentSessions: o.plan.concurrentSessions,
    sessionRate: o.plan.sessionRate,
  };
  return { run, info, sessions: outcomes, requests, sessionsUsed: count, requestsUsed: nextIndex - o.firstRequest };
}
