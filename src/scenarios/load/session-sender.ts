/**
 * Sends the requests of a session data source (src/scenarios/data/session-source.ts) as inference-perf 0.7.0 does:
 * the dispatcher hands over request k of a stage when it is due, as for any data; this sender then waits until the
 * turn's session is free (its earlier turns have ended: a session's turns never overlap, and they go in the order
 * they were due), builds the body from the session's history, sends it, gives the answer's text back to the session,
 * holds the session for the turn's tool-call latency, and frees it. As in 0.7.0 (openai_client.py process_request
 * takes `start` after to_request_body, and the worker holds its concurrency slot meanwhile):
 *   - the wait for the session counts as schedule delay (the record's send time is taken when it is written) and the
 *     request holds its in-flight slot while it waits;
 *   - the tool-call latency is inside the request: its end (and latency) is taken after it (0.7.0 sleeps in
 *     process_response, before its end_time);
 *   - a failed request leaves the session as it was (its answer is not history) and holds nothing after.
 * The record keeps the body it sent and its session (id, turn) for the reports: the source cannot rebuild a body
 * that depended on answers. LoRA adapters (load.lora_traffic_split) are drawn per request index as for other data.
 */
import { sleepUnlessStopped } from "../../load/run-load.ts";
import type { PreparedRequest, StreamClient } from "../../engine/openai-stream-client.ts";
import type { RequestRecord } from "../../engine/request-record.ts";
import type { SessionSource, SessionStage } from "../data/session-source.ts";
import type { RequestSource, ScenarioRecord, StagePlan } from "../types.ts";
import { createWorkerSlots, type WorkerSlots } from "./session-workers.ts";

export type SendFn = (req: PreparedRequest, signal: AbortSignal) => Promise<RequestRecord>;

export interface SessionSenderOptions {
  stage: SessionStage;
  /** The run-wide index of the stage's first request (request k of the stage is index firstRequest + k). */
  firstRequest: number;
  send: SendFn;
  /** Open-loop stages: 0.7.0's per-worker slots (session-workers.ts); a turn holds one of its worker's. */
  workers?: WorkerSlots;
  /** load.lora_traffic_split: the adapter request i goes to (the source's request(i).loraAdapter). */
  adapterOf?: (index: number) => string | undefined;
  now?: () => number;
}

/** `body` with its leading `"model"` replaced (every body writer starts with `{"model":<JSON string>,`). */
export function withModel(body: string, model: string): string {
  const start = '{"model":"'.length;
  let i = start;
  while (i < body.length && body[i] !== '"') i += body[i] === "\\" ? 2 : 1;
  return `{"model":${JSON.stringify(model)}${body.slice(i + 1)}`;
}

/** The text of an answer as 0.7.0's client keeps it (model_response), or null when the request failed. */
export function answerText(rec: RequestRecord): string | null {
  const c = rec.capture;
  if (c) return c.complete && rec.error?.reason !== "http" && rec.error?.reason !== "aborted" && rec.error?.reason !== "timeout" ? c.contentTexts.join("") : null;
  return rec.error === null ? "" : null;
}

export function createSessionSender(o: SessionSenderOptions): SendFn {
  const now = o.now ?? (() => performance.now());
  /** Per session id, the end of its last queued turn: a FIFO lock. */
  const tails = new Map<string, Promise<void>>();
  return async (req, signal) => {
    const turn = o.stage.turn(req.index - o.firstRequest);
    const releaseWorker = o.workers ? await o.workers.acquire(turn.worker) : null;
    const previous = tails.get(turn.sessionId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    tails.set(turn.sessionId, mine);
    await previous;
    try {
      if (signal.aborted) {
        const rec: RequestRecord = { index: req.index, plannedPromptTokens: req.plannedPromptTokens, sendMs: 0, chunkTimesMs: [], promptTokens: null, completionTokens: null, textChunks: 0, sendEpochMs: Date.now(), error: { reason: "aborted", message: "run stopped before the request was sent" } };
        return rec;
      }
      const prepared = await turn.prepare();
      const adapter = o.adapterOf?.(req.index);
      const body = adapter === undefined ? prepared.body : withModel(prepared.body, adapter);
      const rec = (await o.send({ index: req.index, body, plannedPromptTokens: prepared.plannedPromptTokens, sessionId: turn.sessionId }, signal)) as ScenarioRecord;
      rec.sentBody = body;
      rec.session = { id: turn.sessionId, round: prepared.round };
      const answer = answerText(rec);
      if (answer !== null && turn.holdAfterS > 0) {
        await sleepUnlessStopped(turn.holdAfterS * 1000, signal);
        rec.endMs = now();
      }
      await turn.finish(answer);
      return rec;
    } finally {
      release();
      if (tails.get(turn.sessionId) === mine) tails.delete(turn.sessionId);
      releaseWorker?.();
    }
  };
}

/**
 * The client each stage sends with: `client` itself for data without sessions; for session data, a sender over a
 * fresh set of the source's sessions per stage (0.7.0 starts every stage's sessions afresh). `lora`: bodies take the
 * adapter the source draws for their index.
 */
export function sessionClient(
  source: RequestSource,
  client: StreamClient,
  o: { lora: boolean; workers?: { count: number; maxConcurrency: number } },
): (stage: number, firstRequest: number, plan?: StagePlan) => StreamClient {
  const sessions = sessionsOf(source);
  if (sessions === undefined) return () => client;
  const w = o.workers;
  return (stage, firstRequest, plan) => ({
    send: createSessionSender({
      stage: sessions.forStage(stage),
      firstRequest,
      send: client.send,
      ...(w && w.count > 0 && w.maxConcurrency > 0 && plan !== undefined && plan.kind !== "concurrent" ? { workers: createWorkerSlots(w.count, w.maxConcurrency) } : {}),
      ...(o.lora ? { adapterOf: (i: number) => source.request(i).loraAdapter } : {}),
    }),
    close: async () => {},
  });
}

/** The source's sessions, when its requests belong to sessions. */
export function sessionsOf(source: RequestSource): SessionSource | undefined {
  return (source as { sessions?: SessionSource }).sessions;
}
