/**
 * Builds ScenarioRecords for tests: every field a test does not set is the "nothing happened" value of
 * newRequestRecord. Used by the report tests only.
 */
import { newRequestRecord, type RequestError, type ResponseCapture } from "../../src/engine/request-record.ts";
import type { ScenarioRecord } from "../../src/scenarios/types.ts";

export interface RecordSpec {
  stage?: number;
  index?: number;
  scheduledMs: number;
  sendMs: number;
  chunkTimesMs?: number[];
  endMs: number;
  plannedPromptTokens?: number;
  promptTokens?: number | null;
  completionTokens?: number | null;
  /** Default: one per chunk. */
  textChunks?: number;
  error?: RequestError | null;
  /** What a capturing client kept (`kneepoint run`); unset fields are empty, `complete` defaults to true. */
  capture?: Partial<ResponseCapture>;
}

export function scenarioRecord(spec: RecordSpec): ScenarioRecord {
  const base = newRequestRecord(spec.index ?? 0, spec.plannedPromptTokens ?? 0, 1_700_000_000_000 + spec.sendMs);
  const chunks = spec.chunkTimesMs ?? [];
  return {
    ...base,
    sendMs: spec.sendMs,
    chunkTimesMs: chunks,
    promptTokens: spec.promptTokens ?? null,
    completionTokens: spec.completionTokens ?? null,
    textChunks: spec.textChunks ?? chunks.length,
    error: spec.error ?? null,
    stage: spec.stage ?? 0,
    scheduledMs: spec.scheduledMs,
    endMs: spec.endMs,
    ...(spec.capture
      ? { capture: { body: "", contentTimesMs: [], contentChunks: [], contentTexts: [], usage: null, complete: true, ...spec.capture } }
      : {}),
  };
}
