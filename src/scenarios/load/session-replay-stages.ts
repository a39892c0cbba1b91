/**
 * The stages of a `load.type: trace_session_replay` run, in order with `load.interval` between them: each takes the
 * next sessions of the corpus (a cursor advances across stages, as 0.7.0's `_session_cursor`); a stage with none
 * left is skipped, unreported, as there. A stop (Ctrl-C) ends the stage in progress and runs no further stage.
 */
import type { StreamClient } from "../../engine/openai-stream-client.ts";
import { sleepUnlessStopped } from "../../load/run-load.ts";
import type { SessionReplayInput } from "../replay/session-replay-source.ts";
import type { ScenarioRecord, StagePlan, StageRun } from "../types.ts";
import { runSessionStage, type SessionStageResult } from "./session-replay-stage.ts";

export interface SessionStagesOptions {
  stages: readonly StagePlan[];
  input: SessionReplayInput;
  client: StreamClient;
  streaming: boolean;
  intervalS: number;
  maxInFlight: number;
  stop: AbortSignal;
  abort: AbortSignal;
  now: () => number;
  epochOffsetMs: number;
  keepRecords: boolean;
  onStageStart?(index: number, plan: StagePlan): void;
  onRecord?(rec: ScenarioRecord): void;
  onStageEnd?(run: StageRun): void | Promise<void>;
  onSessionStage?(result: SessionStageResult): void;
}

export async function runSessionStages(o: SessionStagesOptions): Promise<StageRun[]> {
  const runs: StageRun[] = [];
  let session = 0;
  let request = 0;
  for (let i = 0; i < o.stages.length; i++) {
    if (o.stop.aborted || o.abort.aborted) break;
    if (i > 0 && o.intervalS) await sleepUnlessStopped(o.intervalS * 1000, o.stop);
    const plan = o.stages[i]!;
    if (plan.kind !== "session_replay") throw new Error(`stage ${i} is ${plan.kind}, not a session replay stage`);
    o.onStageStart?.(i, plan);
    const result = await runSessionStage({
      stage: i,
      plan,
      sessions: o.input.sessions,
      firstSession: session,
      firstRequest: request,
      replay: o.input.settings,
      bodyFor: o.input.bodyFor,
      countTokens: o.input.countTokens,
      streaming: o.streaming,
      maxInFlight: o.maxInFlight,
      send: o.client.send,
      stop: o.stop,
      abort: o.abort,
      now: o.now,
      epochNowS: () => (o.now() + o.epochOffsetMs) / 1000,
      epochOffsetMs: o.epochOffsetMs,
      ...(o.onRecord ? { onRecord: o.onRecord } : {}),
      keepRecords: o.keepRecords,
      onSent: (index, req) => o.input.sent.set(index, req),
    });
    if (result === null) continue;
    session += result.sessionsUsed;
    request += result.requestsUsed;
    runs.push(result.run);
    o.onSessionStage?.(result);
    await o.onStageEnd?.(result.run);
    if (result.run.status === "interrupted") break;
  }
  return runs;
}
