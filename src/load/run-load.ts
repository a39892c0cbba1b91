/**
 * The one load pipeline's runner: a plan of stages (closed loop at N, open loop at a rate with an arrival process,
 * a trace's due times) sent in order by the one dispatcher (dispatch-stage.ts), every record handed on as it comes.
 * `kneepoint sweep` (a plan of closed-loop stages with warm-ups, a fresh connection pool per stage) and
 * `kneepoint run` (a scenario's stages on one pool, with breakers and an interval) are two ways to make the plan;
 * what they make of the records (vLLM's keys, inference-perf's files) is theirs.
 *
 * Request i of the source is the run's i-th request counted across stages (warm-ups included), so a stage sends
 * the same requests whatever happened before it. A stop (Ctrl-C) ends the stage in progress with what it measured
 * (status `interrupted`) and runs no further stage.
 */
import type { StreamClient } from "../engine/openai-stream-client.ts";
import type { RequestSource, ScenarioRecord, StagePlan, StageRun } from "../scenarios/types.ts";
import { plannedRequestCount, stageOffsetsMs } from "../scenarios/load/stage-offsets.ts";
import { deriveSeed } from "../workload/rng.ts";
import { dispatchStage } from "./dispatch-stage.ts";
import { toStageRun } from "../scenarios/load/stage-run.ts";

/** A stage of the plan: a StagePlan, optionally after `warmup` unmeasured closed-loop requests at its concurrency. */
export type LoadStage = StagePlan & { warmup?: number };

/** What watches a stage while it runs (a scenario's circuit breakers): it may end the stage early. */
export interface StageWatch {
  stop: AbortSignal;
  onRecord(rec: ScenarioRecord): void;
}

export interface RunLoadOptions {
  stages: readonly LoadStage[];
  source: RequestSource;
  /** Index in `source` of the plan's first request (after requests a probe already used). */
  firstRequest?: number;
  /** The client stage i sends with (its first request is `firstRequest` of the source), and what happens to it after the stage (a per-stage pool is closed). */
  clientFor(index: number, stage: LoadStage, firstRequest: number): StreamClient;
  releaseClient?(index: number, client: StreamClient): Promise<void>;
  /** Seconds between stages (load.interval); 0 by default. */
  intervalS?: number;
  /** The in-flight cap of open-loop stages (num_workers × worker_max_concurrency); Infinity by default. */
  maxInFlight?: number;
  /** Cuts a stage that runs longer (status timed_out). */
  stageTimeoutS?: number;
  /** The seed of stage i's arrival times: deriveSeed(seed, i) unless `stageSeed` says otherwise. */
  seed: number;
  stageSeed?(index: number): number;
  /** Ends dispatching; in-flight requests finish. */
  stop: AbortSignal;
  /** Cancels in-flight requests. */
  abort: AbortSignal;
  /** False: records reach only onRecord (a run that is summarized as it goes holds none); StageRun.records is empty. */
  keepRecords?: boolean;
  onStageStart?(index: number, stage: LoadStage): void;
  watch?(index: number): StageWatch | null;
  onRecord?(rec: ScenarioRecord): void;
  /** Called with each stage's run; returning false runs no further stage. */
  onStageEnd?(run: StageRun, index: number): boolean | void | Promise<boolean | void>;
  /** Monotonic clock, ms; performance.now() by default. */
  now?: () => number;
  /** epoch ms − monotonic ms, taken once per run (so stage windows line up with Prometheus); now by default. */
  epochOffsetMs?: number;
}

export interface LoadResult {
  runs: StageRun[];
  /** Source indices used (warm-ups and unsent requests included). */
  requestsUsed: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** The stage as the dispatcher and the reports know it (its warm-up is the runner's business). */
export function withoutWarmup(stage: LoadStage): StagePlan {
  const { warmup: _warmup, ...plan } = stage;
  return plan as StagePlan;
}

/** The concurrency of a stage that has one (closed loop), else null. */
export function stageConcurrency(stage: StagePlan): number | null {
  return stage.kind === "concurrent" ? stage.concurrency : null;
}

export async function runLoad(o: RunLoadOptions): Promise<LoadResult> {
  const now = o.now ?? (() => performance.now());
  const epochOffsetMs = o.epochOffsetMs ?? Date.now() - now();
  const cap = o.maxInFlight ?? Infinity;
  const stopped = () => o.stop.aborted || o.abort.aborted;
  const runs: StageRun[] = [];
  let next = o.firstRequest ?? 0;
  for (let i = 0; i < o.stages.length && !stopped(); i++) {
    if (i > 0 && o.intervalS) {
      await sleepUnlessStopped(o.intervalS * 1000, o.stop);
      if (stopped()) break;
    }
    const stage = o.stages[i]!;
    const client = o.clientFor(i, stage, next);
    try {
      const warmup = stage.warmup ?? 0;
      if (warmup > 0) {
        // Unmeasured, at the stage's concurrency (or one at a time for an open-loop stage): its records go nowhere.
        await dispatchStage({
          stage: i,
          count: warmup,
          offsetsMs: null,
          maxInFlight: Math.max(1, Math.min(stageConcurrency(stage) ?? 1, warmup)),
          firstRequest: next,
          source: o.source,
          send: client.send,
          stop: o.stop,
          abort: o.abort,
          now,
          keepRecords: false,
        });
        next += warmup;
        if (stopped()) break;
      }
      const plan = withoutWarmup(stage);
      const count = plannedRequestCount(plan);
      o.onStageStart?.(i, stage);
      const watch = o.watch?.(i) ?? null;
      const onRecord = watch ? watch.onRecord : o.onRecord;
      const res = await dispatchStage({
        stage: i,
        count,
        offsetsMs: stageOffsetsMs(plan, o.stageSeed ? o.stageSeed(i) : deriveSeed(o.seed, i)),
        maxInFlight: stage.kind === "concurrent" ? Math.max(1, stage.concurrency) : cap,
        firstRequest: next,
        source: o.source,
        send: client.send,
        stop: watch ? AbortSignal.any([o.stop, watch.stop]) : o.stop,
        abort: o.abort,
        ...(o.stageTimeoutS === undefined ? {} : { timeoutMs: o.stageTimeoutS * 1000 }),
        now,
        ...(onRecord ? { onRecord } : {}),
        keepRecords: o.keepRecords !== false,
      });
      next += count;
      const run = toStageRun(i, plan, res, epochOffsetMs);
      runs.push(run);
      const goOn = await o.onStageEnd?.(run, i);
      if (run.status === "interrupted" || goOn === false) break;
    } finally {
      await o.releaseClient?.(i, client);
    }
  }
  return { runs, requestsUsed: next };
}
