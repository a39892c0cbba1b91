/**
 * When and over what window inference-perf evaluates its Prometheus report (kubernetes-sigs/inference-perf
 * inference_perf/client/server_metrics/prometheus_client/base.py): after the run it waits scrape_interval + 2 s
 * so the last scrape lands; a stage is evaluated at its end + scrape_interval + 2 s over [stage start, eval];
 * the summary is evaluated at "now" (after that wait) over [run start, now]. Epoch ms. Pure.
 * (The sweep's own peaks evaluate at the step's end instead, src/server-metrics/promql-queries.ts; here we
 * follow inference-perf so the numbers compare with its reports.)
 */
import type { StageRun } from "../types.ts";

export const SCRAPE_BUFFER_S = 2;

export interface PromWindow {
  evalMs: number;
  windowS: number;
}

export function stagePromWindow(stage: Pick<StageRun, "startEpochMs" | "endEpochMs">, scrapeIntervalS: number): PromWindow {
  const evalMs = stage.endEpochMs + (scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
  return { evalMs, windowS: (evalMs - stage.startEpochMs) / 1000 };
}

export function summaryPromWindow(stages: ReadonlyArray<Pick<StageRun, "startEpochMs">>, nowMs: number): PromWindow {
  const runStartMs = Math.min(...stages.map((s) => s.startEpochMs));
  return { evalMs: nowMs, windowS: (nowMs - runStartMs) / 1000 };
}

/** The moment every window's last scrape has landed: the last stage's end + scrape_interval + 2 s. */
export function promReadyAtMs(stages: ReadonlyArray<Pick<StageRun, "endEpochMs">>, scrapeIntervalS: number): number {
  return Math.max(...stages.map((s) => s.endEpochMs)) + (scrapeIntervalS + SCRAPE_BUFFER_S) * 1000;
}
