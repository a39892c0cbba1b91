/**
 * The session stage runner with a fake client (no HTTP): the pool, the predecessor order, live substitution, the
 * failure rules of 0.7.0 (a failed request fails the session at once; its successors are never sent; its other
 * branches still run), the session cursor across stages and the stage timeout. Each expected number is counted by
 * hand from the tiny graphs below.
 */
import { describe, expect, it } from "vitest";
import type { PreparedRequest } from "../../engine/openai-stream-client.ts";
import { newRequestRecord, type RequestRecord } from "../../engine/request-record.ts";
import { buildReplayGraph } from "../replay/otel-replay-graph.ts";
import type { RawCall } from "../replay/otel-raw-calls.ts";
import type { ReplaySessionSpec } from "../replay/otel-trace-sessions.ts";
import type { ReplayMessage } from "../replay/replay-graph.ts";
import type { SessionReplayStagePlan } from "../types.ts";
import { runSessionStage, type SessionStageOptions } from "./session-replay-stage.ts";
import { runSessionStages } from "./session-replay-stages.ts";

const call = (id: string, t0: number, t1: number, messages: ReplayMessage[], out: string): RawCall => ({
  callId: id, tStartMs: t0, tEndMs: t1, model: "m", messages, outText: out, promptTokens: null, completionTokens: 3, attributes: {},
});
const u = (content: string): ReplayMessage => ({ role: "user", content });
const a = (content: string): ReplayMessage => ({ role: "assistant", content });

/** A → B (B quotes A's answer), and C, which starts before A ends: a root, in parallel with both. */
function chainSession(name: string): ReplaySessionSpec {
  const calls = [
    call("a", 0, 100, [u(`${name} q1`)], `${name} r1`),
    call("b", 150, 300, [u(`${name} q1`), a(`${name} r1`), u(`${name} q2`)], `${name} r2`),
    call("c", 50, 250, [u(`${name} side`)], `${name} r3`),
  ];
  return { sessionId: name, sourceId: `${name}.json`, graph: buildReplayGraph(calls, `${name}.json`), randomString: null };
}

interface Sent {
  messages: ReplayMessage[];
  atMs: number;
}

/** Answers "live(<last message>)" after `delayMs` (3 × for a "side" call); fails (HTTP 500) when the last message is in `failOn`. */
function fakeClient(delayMs: number, failOn: string[] = []) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (req: PreparedRequest): Promise<RequestRecord> => {
    const messages = (JSON.parse(req.body) as { messages: ReplayMessage[] }).messages;
    sent.push({ messages, atMs: performance.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const rec = newRequestRecord(req.index, req.plannedPromptTokens, Date.now());
    rec.sendMs = performance.now();
    await new Promise((r) => setTimeout(r, messages.at(-1)!.content.endsWith("side") ? 3 * delayMs : delayMs));
    inFlight--;
    rec.endMs = performance.now();
    const last = messages.at(-1)!.content;
    if (failOn.includes(last)) {
      rec.error = { reason: "http", status: 500, message: "HTTP 500: boom" };
      rec.capture = { body: "boom", contentTimesMs: [], contentChunks: [], contentTexts: [], usage: null, complete: true };
      return rec;
    }
    const text = `live(${last})`;
    rec.promptTokens = 10;
    rec.completionTokens = 3;
    rec.chunkTimesMs = [rec.endMs];
    rec.capture = { body: "", contentTimesMs: [rec.endMs], contentChunks: [], contentTexts: [text], usage: { prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } }, complete: true };
    return rec;
  };
  return { send, sent, maxInFlight: () => maxInFlight };
}

const plan = (p: Partial<SessionReplayStagePlan>): SessionReplayStagePlan => ({ kind: "session_replay", rate: 0, durationS: 0, concurrentSessions: 0, sessionRate: null, numSessions: null, timeoutS: null, ...p });

function options(sessions: ReplaySessionSpec[], client: ReturnType<typeof fakeClient>, p: Partial<SessionReplayStagePlan>): SessionStageOptions {
  return {
    stage: 0, plan: plan(p), sessions, firstSession: 0, firstRequest: 0,
    replay: { maxWaitMs: 10, predecessorWaitTimeoutS: 5, disableOutputSubstitution: false, attributeToHeaderMap: null, attributeToLabelMap: null },
    bodyFor: (messages, maxTokens) => JSON.stringify({ messages, max_tokens: maxTokens }),
    countTokens: async (t) => t.split(" ").length,
    streaming: true, maxInFlight: Infinity, send: client.send,
    stop: new AbortController().signal, abort: new AbortController().signal,
    now: () => performance.now(), epochNowS: () => Date.now() / 1000, epochOffsetMs: 0, keepRecords: true,
  };
}

describe("session replay stage", () => {
  it("sends B with A's live answer in place of the recorded one, after A ended; C runs beside them", async () => {
    const client = fakeClient(20);
    const r = (await runSessionStage(options([chainSession("s")], client, { concurrentSessions: 1 })))!;
    const b = client.sent.find((x) => x.messages.at(-1)!.content === "s q2")!;
    expect(b.messages).toEqual([u("s q1"), a("live(s q1)"), u("s q2")]);
    expect(client.sent).toHaveLength(3);
    expect(r.sessions).toHaveLength(1);
    expect(r.sessions[0]).toMatchObject({ numEvents: 3, numEventsCompleted: 3, numEventsCancelled: 0, failure: null });
    expect(r.requests.map((q) => [q.inputTokens, q.outputTokens])).toEqual([[10, 3], [10, 3], [10, 3]]);
    expect(r.run.records).toHaveLength(3);
    expect(r.info).toMatchObject({ status: "COMPLETED", concurrentSessions: 1, sessionRate: null, droppedRequests: 0 });
  });

  it("keeps at most concurrent_sessions sessions active; 0 starts them all at once", async () => {
    const three = ["x", "y", "z"].map(chainSession);
    const one = fakeClient(15);
    await runSessionStage(options(three, one, { concurrentSessions: 1 }));
    expect(one.maxInFlight()).toBe(2); // A and C (or B and C) of one session at a time
    const all = fakeClient(15);
    await runSessionStage(options(three, all, { concurrentSessions: 0 }));
    expect(all.maxInFlight()).toBe(6); // three sessions' A and C together
  });

  it("fails the session at its first failed request: the successor is never sent, the parallel branch still is", async () => {
    const client = fakeClient(10, ["f q1"]); // C answers at 30 ms, after A failed at 10 ms
    const r = (await runSessionStage(options([chainSession("f")], client, { concurrentSessions: 1 })))!;
    expect(client.sent.map((s) => s.messages.at(-1)!.content).sort()).toEqual(["f q1", "f side"]);
    // 3 events, 0 completed when A failed: cancelled = 3 − 0 − 1 = 2
    expect(r.sessions[0]).toMatchObject({ numEventsCompleted: 0, numEventsCancelled: 2, failure: { cause: "request_failed", reason: "Exception: HTTP Error 500: boom" } });
    expect(r.requests.filter((q) => q.failed)).toHaveLength(1);
  });

  it("advances the session cursor across stages: num_sessions 2 then the rest", async () => {
    const client = fakeClient(5);
    const sessions = ["p", "q", "r"].map(chainSession);
    const results: string[][] = [];
    const runs = await runSessionStages({
      stages: [plan({ concurrentSessions: 2, numSessions: 2 }), plan({ concurrentSessions: 2 }), plan({ concurrentSessions: 1 })],
      input: { sessions, settings: { maxWaitMs: 0, predecessorWaitTimeoutS: 0, disableOutputSubstitution: false, attributeToHeaderMap: null, attributeToLabelMap: null }, bodyFor: (m, n) => JSON.stringify({ messages: m, max_tokens: n }), countTokens: async () => 1, sent: new Map() },
      client: { send: client.send, close: async () => {} },
      streaming: true, intervalS: 0, maxInFlight: Infinity,
      stop: new AbortController().signal, abort: new AbortController().signal,
      now: () => performance.now(), epochOffsetMs: 0, keepRecords: false,
      onSessionStage: (res) => results.push(res.sessions.map((s) => s.sessionId)),
    });
    // the third stage finds no session left: skipped and not reported, as 0.7.0
    expect(runs.map((r) => r.index)).toEqual([0, 1]);
    expect(results.map((x) => x.sort())).toEqual([["p", "q"], ["r"]]);
  });

  it("ends the stage at its timeout: FAILED, the unfinished session unreported, nothing sent afterwards", async () => {
    const client = fakeClient(200);
    const r = (await runSessionStage(options([chainSession("t")], client, { concurrentSessions: 1, timeoutS: 0.05 })))!;
    expect(r.run.status).toBe("timed_out");
    expect(r.info.status).toBe("FAILED");
    expect(r.sessions).toEqual([]);
    expect(client.sent.map((s) => s.messages.at(-1)!.content).sort()).toEqual(["t q1", "t side"]); // the two roots; B never
  });

  it("paces session starts by session_rate", async () => {
    const client = fakeClient(1);
    const started = performance.now();
    await runSessionStage(options(["r1", "r2", "r3"].map(chainSession), client, { concurrentSessions: 3, sessionRate: 20 }));
    const firsts = client.sent.filter((s) => s.messages.length === 1 && s.messages[0]!.content.endsWith(" q1")).map((s) => s.atMs - started);
    // starts at 0, 50 and 100 ms (1/20 s apart)
    expect(firsts[1]! - firsts[0]!).toBeGreaterThanOrEqual(45);
    expect(firsts[2]! - firsts[0]!).toBeGreaterThanOrEqual(95);
  });
});
