/**
 * The session sender by hand: a session's turns never overlap and go in the order they were handed over, while
 * other sessions run meanwhile; the body comes from the session when its turn holds it and is kept on the record
 * with the session and turn; the tool-call hold ends the record later; a run stopped while a turn waits sends
 * nothing; a failed answer reaches the session as null; the LoRA adapter replaces the body's model; a turn takes a
 * slot of its session's worker.
 */
import { describe, expect, it } from "vitest";
import type { PreparedRequest } from "../../engine/openai-stream-client.ts";
import { newRequestRecord, type RequestRecord } from "../../engine/request-record.ts";
import { newCapture } from "../../engine/response-capture.ts";
import type { SessionStage } from "../data/session-source.ts";
import type { ScenarioRecord } from "../types.ts";
import { answerText, createSessionSender, withModel } from "./session-sender.ts";
import { createWorkerSlots } from "./session-workers.ts";

interface Pending {
  req: PreparedRequest;
  answer(text: string | null): void;
}

function fakeServer() {
  const pending: Pending[] = [];
  const send = (req: PreparedRequest) =>
    new Promise<RequestRecord>((resolve) => {
      pending.push({
        req,
        answer(text) {
          const rec = newRequestRecord(req.index, req.plannedPromptTokens, 0);
          rec.sendMs = 1;
          rec.capture = newCapture();
          rec.capture.complete = true;
          if (text === null) rec.error = { reason: "http", status: 500, message: "HTTP 500" };
          else rec.capture.contentTexts.push(text);
          rec.endMs = 2;
          resolve(rec);
        },
      });
    });
  return { pending, send };
}

/** Sessions "a" (requests 0, 2) and "b" (1): the body says which turn of which session it is. */
function stage(log: string[], holdS = 0): SessionStage {
  const rounds = new Map<string, number>();
  return {
    turn(k) {
      const id = k === 1 ? "b" : "a";
      return {
        sessionId: id,
        holdAfterS: holdS,
        worker: id === "a" ? 0 : 1,
        async prepare() {
          const round = (rounds.get(id) ?? 0) + 1;
          rounds.set(id, round);
          log.push(`prepare ${id}${round}`);
          return { body: `{"model":"m","prompt":"${id}${round}"}`, plannedPromptTokens: round, round };
        },
        async finish(answer) {
          log.push(`finish ${id} ${answer}`);
        },
      };
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const signal = new AbortController().signal;

describe("session sender", () => {
  it("a session's next turn waits for its previous one; another session does not", async () => {
    const log: string[] = [];
    const server = fakeServer();
    const send = createSessionSender({ stage: stage(log), firstRequest: 10, send: server.send });
    const recs = [10, 11, 12].map((index) => send({ index, body: "static", plannedPromptTokens: 0 }, signal));
    await flush();
    expect(server.pending.map((p) => p.req.body)).toEqual(['{"model":"m","prompt":"a1"}', '{"model":"m","prompt":"b1"}']);
    server.pending[1]!.answer("B");
    await flush();
    expect(server.pending).toHaveLength(2); // b's answer frees nothing of a
    server.pending[0]!.answer("A");
    await flush();
    expect(server.pending[2]!.req).toEqual({ index: 12, body: '{"model":"m","prompt":"a2"}', plannedPromptTokens: 2, sessionId: "a" });
    server.pending[2]!.answer(null);
    const [r0, , r2] = (await Promise.all(recs)) as ScenarioRecord[];
    expect(log).toEqual(["prepare a1", "prepare b1", "finish b B", "finish a A", "prepare a2", "finish a null"]);
    expect([r0!.sentBody, r0!.session]).toEqual(['{"model":"m","prompt":"a1"}', { id: "a", round: 1 }]);
    expect(r2!.session).toEqual({ id: "a", round: 2 });
  });

  it("worker pinning: a turn waits for a slot of its session's worker (0.7.0's per-worker semaphore), not of another's", async () => {
    const log: string[] = [];
    const server = fakeServer();
    // a → worker 0, b → worker 1; one worker with one slot: b waits for a; two workers: it does not
    const one = createSessionSender({ stage: stage(log), firstRequest: 0, send: server.send, workers: createWorkerSlots(1, 1) });
    const both = [one({ index: 0, body: "", plannedPromptTokens: 0 }, signal), one({ index: 1, body: "", plannedPromptTokens: 0 }, signal)];
    await flush();
    expect(server.pending.map((p) => p.req.sessionId)).toEqual(["a"]);
    server.pending[0]!.answer("A");
    await flush();
    expect(server.pending.map((p) => p.req.sessionId)).toEqual(["a", "b"]);
    server.pending[1]!.answer("B");
    await Promise.all(both);
    const two = createSessionSender({ stage: stage([]), firstRequest: 0, send: server.send, workers: createWorkerSlots(2, 1) });
    void two({ index: 0, body: "", plannedPromptTokens: 0 }, signal);
    void two({ index: 1, body: "", plannedPromptTokens: 0 }, signal);
    await flush();
    expect(server.pending.slice(2).map((p) => p.req.sessionId)).toEqual(["a", "b"]);
  });

  it("holds the session for the tool latency after a success: the record ends after it", async () => {
    const log: string[] = [];
    const server = fakeServer();
    let clock = 100;
    const send = createSessionSender({ stage: stage(log, 0.02), firstRequest: 0, send: server.send, now: () => clock });
    const r = send({ index: 0, body: "", plannedPromptTokens: 0 }, signal);
    await flush();
    clock = 500;
    server.pending[0]!.answer("A");
    expect((await r).endMs).toBe(500);
    expect(log).toEqual(["prepare a1", "finish a A"]);
  });

  it("a turn still waiting when the run is aborted is not sent", async () => {
    const log: string[] = [];
    const server = fakeServer();
    const abort = new AbortController();
    const send = createSessionSender({ stage: stage(log), firstRequest: 0, send: server.send });
    const first = send({ index: 0, body: "", plannedPromptTokens: 0 }, abort.signal);
    const second = send({ index: 2, body: "", plannedPromptTokens: 0 }, abort.signal);
    await flush();
    abort.abort();
    server.pending[0]!.answer("A");
    await first;
    const rec = await second;
    expect([rec.sendMs, rec.error?.reason]).toEqual([0, "aborted"]);
    expect(server.pending).toHaveLength(1);
  });

  it("the LoRA adapter drawn for the index becomes the body's model", async () => {
    const server = fakeServer();
    const send = createSessionSender({ stage: stage([]), firstRequest: 0, send: server.send, adapterOf: (i) => `lora-${i}` });
    void send({ index: 0, body: "", plannedPromptTokens: 0 }, signal);
    await flush();
    expect(server.pending[0]!.req.body).toBe('{"model":"lora-0","prompt":"a1"}');
    expect(withModel('{"model":"a\\"b","x":1}', "c")).toBe('{"model":"c","x":1}');
  });

  it("an answer's text as 0.7.0 keeps it: the content chunks joined; null for an HTTP error or a cut stream", () => {
    const rec = newRequestRecord(0, 1, 0);
    rec.capture = { ...newCapture(), complete: true, contentTexts: [" a", " b"] };
    expect(answerText(rec)).toBe(" a b");
    rec.capture.complete = false;
    expect(answerText(rec)).toBeNull();
    rec.capture.complete = true;
    rec.error = { reason: "http", status: 500, message: "" };
    expect(answerText(rec)).toBeNull();
  });
});
