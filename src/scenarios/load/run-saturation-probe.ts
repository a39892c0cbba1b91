/**
 * Runs the sweep's saturation ladder (saturation-ladder.ts) against the target: closed-loop rungs at
 * concurrency 1, 2, 4, … as stage −1, each cut after load.sweep.timeout seconds, until the knee, the concurrency
 * ceiling (load.sweep.num_requests, and the in-flight cap), errors, or a stop. The rungs are returned for the
 * record; they are not reported as stages.
 */
import type { PreparedRequest } from "../../engine/openai-stream-client.ts";
import type { RequestRecord } from "../../engine/request-record.ts";
import type { RequestSource, StageRun } from "../types.ts";
import { dispatchStage } from "../../load/dispatch-stage.ts";
import { estimateSaturation, measureRung, nextLadderStep, rungSize, type RungMeasurement, type SaturationEstimate } from "./saturation-ladder.ts";
import type { SweepSpec } from "./sweep-stages.ts";
import { toStageRun } from "./stage-run.ts";

export interface ProbeOptions {
  sweep: SweepSpec;
  /** min(load.sweep.num_requests, the in-flight cap). */
  maxConcurrency: number;
  gainThreshold: number;
  source: RequestSource;
  /** Source index of the probe's first request. */
  firstRequest: number;
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  stop: AbortSignal;
  abort: AbortSignal;
  now(): number;
  epochOffsetMs: number;
  onRung?(run: StageRun, measurement: RungMeasurement | null): void;
}

export interface ProbeResult {
  /** null when no rung could be measured (every request failed, or the first rung was stopped). */
  estimate: SaturationEstimate | null;
  stoppedBy: SaturationEstimate["stoppedBy"];
  runs: StageRun[];
  /** Source indices the probe used (planned requests of every rung it started). */
  requestsUsed: number;
}

export async function runSaturationProbe(o: ProbeOptions): Promise<ProbeResult> {
  const rungs: RungMeasurement[] = [];
  const runs: StageRun[] = [];
  let used = 0;
  let stoppedBy: SaturationEstimate["stoppedBy"];
  const ladder = { maxConcurrency: o.maxConcurrency, gainThreshold: o.gainThreshold };
  for (;;) {
    if (o.stop.aborted || o.abort.aborted) {
      stoppedBy = "interrupted";
      break;
    }
    const step = nextLadderStep(rungs, ladder);
    if ("stop" in step) {
      stoppedBy = step.stop;
      break;
    }
    const concurrency = step.next;
    const count = rungSize(concurrency);
    const res = await dispatchStage({
      stage: -1,
      count,
      offsetsMs: null,
      maxInFlight: concurrency,
      firstRequest: o.firstRequest + used,
      source: o.source,
      send: o.send,
      stop: o.stop,
      abort: o.abort,
      timeoutMs: o.sweep.timeoutS * 1000,
      now: o.now,
    });
    used += count;
    const run = toStageRun(-1, { kind: "concurrent", concurrency, numRequests: count }, res, o.epochOffsetMs);
    runs.push(run);
    const m = res.status === "interrupted" ? null : measureRung(res.records, concurrency, res.dispatchEndMs);
    o.onRung?.(run, m);
    if (res.status === "interrupted") {
      stoppedBy = "interrupted";
      break;
    }
    if (m === null) {
      // Not one successful answer after the first wave: within load.sweep.timeout, or at all.
      stoppedBy = res.status === "timed_out" ? "timeout" : "errors";
      break;
    }
    rungs.push(m);
  }
  return { estimate: estimateSaturation(rungs, stoppedBy, o.gainThreshold), stoppedBy, runs, requestsUsed: used };
}
