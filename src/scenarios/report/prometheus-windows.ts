/**
 * When and over what window inference-perf 0.7.0 evaluates its Prometheus report
 * (inference_perf/client/server_metrics/prometheus_client/base.py, main.py, loadgen/load_generator.py):
 *  - the run's start is `time.time()` just before the load starts (main.py), so a sweep's probe is inside it;
 *  - after the run it sleeps scrape_interval + 2 s; the summary is evaluated then ("now") over [run start, now];
 *  - a stage (the sweep's probe is stage −1) is evaluated at its end + scrape_interval + 2 s over
 *    [stage start, eval]. Its start is taken one second before its first request is due (run_stage: "allow
 *    generation a second to begin populating the queue"): kneepoint's StageRun starts at its first scheduled
 *    send, so the window starts STAGE_LEAD_S earlier. Its end is the end of the load, before teardown.
 * Epoch ms. Pure. (The sweep's own peaks evaluate at the step's end instead, src/server-metrics/promql-queries.ts.)
 */
import type { StageRun } from "../types.ts";

export const SCRAPE_BUFFER_S = 2;
/** inference-perf's lead between a stage's start and its timer's origin (load_generator.py `perf_counter() + 1`). */
export const STAGE_LEAD_S = 1;

export interface PromWindow {
  evalMs: number;
  windowS: number;
}

type Span = Pick<StageRun, "startEpochMs" | "endEpochMs">;

export function stagePromWindow(stage: Span, scrapeIntervalS: number): PromWindow {
  const evalMs = stage.endEpochMs + (scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
  return { evalMs, windowS: (evalMs - (stage.startEpochMs - STAGE_LEAD_S * 1000)) / 1000 };
}

export function summaryPromWindow(runStartEpochMs: number, nowMs: number): PromWindow {
  return { evalMs: nowMs, windowS: (nowMs - runStartEpochMs) / 1000 };
}

/** The sweep probe's rungs as inference-perf's one stage −1: from the first rung's start to the last one's end. */
export function probeSpan(rungs: readonly Span[]): Span | null {
  if (rungs.length === 0) return null;
  return { startEpochMs: Math.min(...rungs.map((r) => r.startEpochMs)), endEpochMs: Math.max(...rungs.map((r) => r.endEpochMs)) };
}

/** The moment every window's last scrape has landed: the last stage's end + scrape_interval + 2 s. */
export function promReadyAtMs(stages: ReadonlyArray<Pick<StageRun, "endEpochMs">>, scrapeIntervalS: number): number {
  return Math.max(...stages.map((s) => s.endEpochMs)) + (scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
}
