/**
 * Runs a scenario's load: the sweep's saturation probe when `load.sweep` is set (its generated stages replace
 * `stages`, as in inference-perf), then every stage in order with `load.interval` seconds between them. One
 * keep-alive client serves the whole run; each stage is sent by dispatch-stage.ts. A stop (Ctrl-C) ends the
 * stage in progress with what it measured (status `interrupted`) and runs no further stage.
 * Request i of the source is the run's i-th planned request, counted across stages (probe rungs included), so
 * every stage sends the same prompts whatever happened before it.
 */
import { createStreamClient } from "../../engine/openai-stream-client.ts";
import { createMockClient } from "../../engine/mock-client.ts";
import { withRequestRetries, type RetryPolicy } from "./request-retries.ts";
import type { SessionHeaderKeys } from "../../engine/session-headers.ts";
import { EnvironmentError } from "../../errors.ts";
import type { RequestSource, ScenarioRecord, StagePlan, StageRun } from "../types.ts";
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import { checkLoraAdaptersServed } from "./check-lora-adapters.ts";
import { createStageBreakers, type StageBreakerWatch } from "./stage-breakers.ts";
import { runLoad, sleepUnlessStopped, withoutWarmup, type LoadStage } from "../../load/run-load.ts";
import { runSaturationProbe } from "./run-saturation-probe.ts";
import { DEFAULT_GAIN_THRESHOLD, type RungMeasurement, type SaturationEstimate } from "./saturation-ladder.ts";
import { sweepStages, type SweepSpec } from "./sweep-stages.ts";
import { sessionClient, sessionsOf } from "./session-sender.ts";
import { isSessionReplaySource } from "../replay/session-replay-source.ts";
import { runSessionStages } from "./session-replay-stages.ts";
import type { SessionStageResult } from "./session-replay-stage.ts";

export interface ScenarioClientOptions {
  baseUrl: string;
  /** "/v1/completions" or "/v1/chat/completions". */
  endpoint: string;
  headers: Record<string, string>;
  apiKey?: string;
  /** api.streaming: false reads one JSON answer per request (TTFT = E2EL). */
  streaming: boolean;
  /** load.request_timeout, s; undefined: no per-request timeout. */
  requestTimeoutS?: number;
  /** Keep what inference-perf's report files need of each response (request-record.ts ResponseCapture). */
  capture?: "full" | "text";
  /** load.lora_traffic_split's adapters: each must be listed at /v1/models before anything is sent. */
  loraAdapters?: string[];
  /** The enabled circuit breakers (load.circuit_breakers resolved): a stage stops when one opens (stage-breakers.ts). */
  circuitBreakers?: CircuitBreakerConfig[];
  /** server.cert_path/key_path, read (src/engine/client-certificate.ts). */
  clientCertificate?: { cert: Buffer; key: Buffer };
  /** server.type mock: inference-perf's client-side mock, nothing is sent (src/engine/mock-client.ts). */
  mock?: boolean;
  /** api.type anthropic_messages: the stream client reads Anthropic's events (src/engine/anthropic-events.ts). */
  protocol?: "anthropic";
  /** load.request_retries > 0: transport faults before a response are retried (request-retries.ts). */
  retries?: RetryPolicy;
  /** api.session_id_header_key / session_token_header_key (src/engine/session-headers.ts). */
  sessionHeaders?: SessionHeaderKeys;
}

export interface SweepOutcome {
  estimate: SaturationEstimate;
  /** The stages generated from the estimate, about to run. */
  stages: StagePlan[];
  /** The probe's rungs (stage −1), for the record; not reported as stages. */
  probeRuns: StageRun[];
}

export interface RunStagesOptions {
  stages: StagePlan[];
  sweep?: SweepSpec;
  /** load.interval: seconds between stages. */
  intervalS: number;
  source: RequestSource;
  client: ScenarioClientOptions;
  /** num_workers × worker_max_concurrency; 0 or undefined: unbounded. Concurrent stages use their own level. */
  maxInFlight?: number;
  /**
   * load.num_workers and worker_max_concurrency: session data pins each session to a worker, and open-loop stages then
   * cap each worker's in-flight turns instead of the run's (session-workers.ts).
   */
  workers?: { count: number; maxConcurrency: number };
  /** Cuts a stage that runs longer (status timed_out); undefined: stages end when their requests have. */
  stageTimeoutS?: number;
  /** load.base_seed: the arrival times of stage i come from deriveSeed(seed, i). */
  seed: number;
  /** The arrival seed of each stage when it is not deriveSeed(seed, i) (a shard's own arrivals, src/shard/split-stages.ts). */
  stageSeeds?: readonly number[];
  /** False: records reach only onRecord (the run folds them into states as they come); StageRun.records stays empty. */
  keepRecords?: boolean;
  /** epoch ms − monotonic ms for the run's windows; taken at the start by default. */
  epochOffsetMs?: number;
  /** Called once the probe (if any) is done, before the first stage: where a shard waits for `--start-at`. */
  beforeStages?(): Promise<void>;
  /** Ends dispatching; in-flight requests finish. */
  stop: AbortSignal;
  /** Cancels in-flight requests. */
  abort: AbortSignal;
  onStageStart?(index: number, plan: StagePlan): void;
  onRecord?(rec: ScenarioRecord): void;
  onStageEnd?(run: StageRun): void | Promise<void>;
  onProbeRung?(run: StageRun, measurement: RungMeasurement | null): void;
  onSweep?(outcome: SweepOutcome): void | Promise<void>;
  /** Monotonic clock, ms; performance.now() by default. */
  now?: () => number;
  /** A session replay stage's sessions (load.type trace_session_replay), for the session reports. */
  onSessionStage?(result: SessionStageResult): void;
}

export async function runStages(opts: RunStagesOptions): Promise<StageRun[]> {
  const now = opts.now ?? (() => performance.now());
  const epochOffsetMs = opts.epochOffsetMs ?? Date.now() - now();
  const cap = opts.maxInFlight ? opts.maxInFlight : Infinity;
  const concurrencies = opts.stages.flatMap((s) => (s.kind === "concurrent" ? [s.concurrency] : []));
  // Sockets for every request that may be in flight: one waiting for a socket would have its send time taken
  // before it is written, hiding client-side queueing inside TTFT.
  const connections = Number.isFinite(cap) ? Math.max(cap, ...concurrencies) : Infinity;
  const { client: c } = opts;
  const timeoutMs = c.requestTimeoutS === undefined ? Infinity : c.requestTimeoutS * 1000;
  const sender = c.mock ? createMockClient({ timeoutMs }) : createStreamClient({
    baseUrl: c.baseUrl,
    endpoint: c.endpoint,
    headers: c.headers,
    ...(c.apiKey ? { apiKey: c.apiKey } : {}),
    connections,
    timeoutMs,
    streaming: c.streaming,
    ...(c.capture ? { capture: c.capture } : {}),
    ...(c.clientCertificate ? { clientCertificate: c.clientCertificate } : {}),
    ...(c.protocol ? { protocol: c.protocol } : {}),
    ...(c.sessionHeaders ? { sessionHeaders: c.sessionHeaders } : {}),
  });
  const client = c.retries && c.retries.retries > 0 && !c.mock ? withRequestRetries(sender, c.retries) : sender;
  const stopped = () => opts.stop.aborted || opts.abort.aborted;
  if (c.loraAdapters?.length && !c.mock) {
    await checkLoraAdaptersServed(c.baseUrl, { ...c.headers, ...(c.apiKey ? { authorization: `Bearer ${c.apiKey}` } : {}) }, c.loraAdapters);
  }
  // Session data (conversations, multi-turn chat): each stage's turns are sent through its own sessions.
  const forStage = sessionClient(opts.source, client, { lora: c.loraAdapters?.length ? true : false, ...(opts.workers ? { workers: opts.workers } : {}) });
  const pinned = sessionsOf(opts.source) !== undefined && opts.workers !== undefined && opts.workers.count > 0 && opts.workers.maxConcurrency > 0;
  const breakers = c.circuitBreakers?.length ? createStageBreakers(c.circuitBreakers, { source: opts.source, streaming: c.streaming }) : null;
  try {
    if (isSessionReplaySource(opts.source)) {
      return await runSessionStages({
        stages: opts.stages,
        input: opts.source.sessionReplay,
        client,
        streaming: c.streaming,
        intervalS: opts.intervalS,
        maxInFlight: cap,
        stop: opts.stop,
        abort: opts.abort,
        now,
        epochOffsetMs,
        keepRecords: opts.keepRecords !== false,
        ...(opts.onStageStart ? { onStageStart: opts.onStageStart } : {}),
        ...(opts.onRecord ? { onRecord: opts.onRecord } : {}),
        ...(opts.onStageEnd ? { onStageEnd: opts.onStageEnd } : {}),
        ...(opts.onSessionStage ? { onSessionStage: opts.onSessionStage } : {}),
      });
    }
    let stages = opts.stages;
    let nextRequest = 0;
    if (opts.sweep) {
      const probe = await runSaturationProbe({
        sweep: opts.sweep,
        maxConcurrency: Math.min(cap, opts.sweep.numRequests),
        gainThreshold: DEFAULT_GAIN_THRESHOLD,
        source: opts.source,
        firstRequest: 0,
        send: forStage(-1, 0).send,
        stop: opts.stop,
        abort: opts.abort,
        now,
        epochOffsetMs,
        ...(opts.onProbeRung ? { onRung: opts.onProbeRung } : {}),
      });
      nextRequest = probe.requestsUsed;
      if (probe.stoppedBy === "interrupted") return [];
      if (!probe.estimate) {
        const firstError = probe.runs.flatMap((r) => r.records).find((r) => r.error)?.error?.message ?? "no request ended";
        throw new EnvironmentError(
          `load.sweep: the saturation probe measured no throughput (stopped by ${probe.stoppedBy}): ${firstError}`,
          `check that ${c.baseUrl}${c.endpoint} answers with a one-stage run (load.stages), or raise load.sweep.timeout (${opts.sweep.timeoutS} s) if one request takes longer`,
        );
      }
      stages = sweepStages(probe.estimate.rateRps, opts.sweep);
      await opts.onSweep?.({ estimate: probe.estimate, stages, probeRuns: probe.runs });
      await sleepUnlessStopped(opts.intervalS * 1000, opts.stop);
    }
    await opts.beforeStages?.();
    const watches = new Map<number, StageBreakerWatch>();
    const { runs } = await runLoad({
      stages,
      source: opts.source,
      firstRequest: nextRequest,
      clientFor: (i, stage, first) => forStage(i, first, stage),
      intervalS: opts.intervalS,
      // Pinned sessions: each worker's slots cap its turns (session-workers.ts), not one cap for the run.
      maxInFlight: pinned ? Infinity : cap,
      ...(opts.stageTimeoutS === undefined ? {} : { stageTimeoutS: opts.stageTimeoutS }),
      seed: opts.seed,
      ...(opts.stageSeeds ? { stageSeed: (i: number) => opts.stageSeeds![i]! } : {}),
      stop: opts.stop,
      abort: opts.abort,
      now,
      epochOffsetMs,
      ...(opts.keepRecords === false ? { keepRecords: false } : {}),
      ...(opts.onStageStart ? { onStageStart: (i: number, stage: LoadStage) => opts.onStageStart!(i, withoutWarmup(stage)) } : {}),
      ...(opts.onRecord ? { onRecord: opts.onRecord } : {}),
      watch: (i) => {
        const w = breakers?.forStage(i, opts.onRecord);
        if (w) watches.set(i, w);
        return w ?? null;
      },
      onStageEnd: async (run, i) => {
        const trip = watches.get(i)?.trip();
        // 0.7.0 marks a stage its breaker ended FAILED (load_generator.py:1214-1217, 1234), whatever was left unsent.
        if (trip && !stopped()) Object.assign(run, { status: "failed", circuitBreakerTrip: trip });
        await opts.onStageEnd?.(run);
        // The breaker stays open (0.7.0 never resets one): 0.7.0 starts each later stage and ends it at once, sending
        // nothing; kneepoint does not start them.
        return !breakers?.open();
      },
    });
    return runs;
  } finally {
    await client.close();
  }
}
