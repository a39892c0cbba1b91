/**
 * What the load did in one stage, from its records alone (inference-perf's `load_summary`, research
 * inference-perf.md §2.2–2.3): requests sent, schedule delay per request (send − scheduled), the send window,
 * and the requested vs achieved rate. Achieved rate = count / (max send − min send), as inference-perf computes
 * it, so both tools' numbers compare. Pure.
 */
import type { ScenarioRecord, StageRun } from "../types.ts";

export interface StageLoadSummary {
  /** Requests sent in the stage (records), whatever their outcome. */
  count: number;
  /** The stage's planned rate (constant, poisson); null for a closed-loop stage, whose rate is the server's. */
  requestedRateRps: number | null;
  /** count / send window; null with fewer than two sends (no window). */
  achievedRateRps: number | null;
  /** max send − min send, s (0 with fewer than two sends). */
  sendDurationS: number;
  /** send − scheduled per request, ms, in record order. Positive = late. */
  scheduleDelaysMs: number[];
  /** The closed loop's concurrency; null for open-loop stages. */
  concurrency: number | null;
}

/** Reads only the stage's plan and records, so a report can summarize records it holds without the whole StageRun. */
export function summarizeStageLoad(run: Pick<StageRun, "plan"> & { records: readonly ScenarioRecord[] }): StageLoadSummary {
  let minSend = Infinity;
  let maxSend = -Infinity;
  const scheduleDelaysMs = new Array<number>(run.records.length);
  run.records.forEach((r, i) => {
    if (r.sendMs < minSend) minSend = r.sendMs;
    if (r.sendMs > maxSend) maxSend = r.sendMs;
    scheduleDelaysMs[i] = r.sendMs - r.scheduledMs;
  });
  const count = run.records.length;
  const windowMs = count >= 2 ? maxSend - minSend : 0;
  return {
    count,
    requestedRateRps: run.plan.kind === "concurrent" ? null : run.plan.rate,
    achievedRateRps: windowMs / 1000 > 0 ? count / (windowMs / 1000) : null,
    sendDurationS: windowMs / 1000,
    scheduleDelaysMs,
    concurrency: run.plan.kind === "concurrent" ? run.plan.concurrency : run.plan.kind === "session_replay" ? run.plan.concurrentSessions : null,
  };
}
