/**
 * Runs one capacity probe against the target with the existing load code: an open-loop probe is one stage of
 * dispatch-stage.ts (the arrival offsets of src/scenarios/load, or evenly spaced ones), a closed-loop probe is
 * src/load/closed-loop.ts (the same dispatcher, no due times) at the probe's concurrency. The first requests of a probe are its warm-up and are left out;
 * a repeated level pools its attempts' measured requests. Server metrics are read per probe (keyed by the
 * probe's index). Returns the probe's row, or null when Ctrl-C cut it short (its partial row is still reported).
 */
import type { PreparedRequest, StreamClient } from "../engine/openai-stream-client.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import { runClosedLoop } from "../load/closed-loop.ts";
import { dispatchStage } from "../load/dispatch-stage.ts";
import { plannedRequestCount, stageOffsetsMs } from "../scenarios/load/stage-offsets.ts";
import type { RequestSource } from "../scenarios/types.ts";
import type { ServerMetricsSource } from "../server-metrics/server-metrics-source.ts";
import { deriveSeed } from "../workload/rng.ts";
import { percentile } from "../metrics/stats.ts";
import { summarizeStep, type StepResult } from "../metrics/summarize-step.ts";
import type { CapacityOptions } from "../capacity/capacity-options.ts";
import type { Axis } from "../capacity/capacity-plan.ts";
import type { CapacityProbe } from "../capacity/capacity-result.ts";
import { measureProbe } from "../capacity/measure-probe.ts";
import { periodicOffsetsMs } from "../capacity/periodic-offsets.ts";
import { probeLength, type ProbeLengthRule } from "../capacity/probe-length.ts";
import type { Slo } from "../capacity/slo.ts";

export interface ProbeRunnerOptions {
  slos: Slo[];
  rule: ProbeLengthRule;
  options: CapacityOptions;
  source: RequestSource;
  client: StreamClient;
  metrics: ServerMetricsSource | null;
  seed: number;
  /** For the per-probe step summaries (probe-<n>.json, vLLM's keys). */
  model: string;
  tokenizerId: string;
  stop: AbortSignal;
  abort: AbortSignal;
  onProbeStart?(axis: Axis, level: number, attempt: number, requests: number): void;
  onRecord?(done: number, errors: number): void;
}

interface Round {
  measured: RequestRecord[];
  warmup: number;
  startMs: number;
  endMs: number;
  delaysMs: number[];
  interrupted: boolean;
}

const MAX_CLOSED_ROUNDS = 4;

export interface ProbeOutcome {
  probe: CapacityProbe;
  /** This attempt's measured requests summarized with vLLM's keys, as a sweep step (the BR export reads it). */
  summary: StepResult;
}

export interface ProbeRunner {
  run(axis: Axis, level: number, attempt: number): Promise<ProbeOutcome>;
  /** Source indices used so far (each request of the run is distinct). */
  readonly requestsUsed: number;
}

export function createProbeRunner(o: ProbeRunnerOptions): ProbeRunner {
  let next = 0;
  let probeIndex = 0;
  const pooled = new Map<string, RequestRecord[]>();
  const now = () => performance.now();
  const epochOffsetMs = Date.now() - now();

  const prepare = (count: number): PreparedRequest[] =>
    Array.from({ length: count }, (_, i) => {
      const r = o.source.request(next + i);
      return { index: next + i, body: r.body, plannedPromptTokens: r.plannedPromptTokens };
    });

  async function openLoopRound(rateRps: number, measured: number, warmup: number, probe: number, counter: { done: number; errors: number }): Promise<Round> {
    const total = measured + warmup;
    const plan = { kind: o.options.arrival === "poisson" ? ("poisson" as const) : ("constant" as const), rate: rateRps, durationS: total / rateRps };
    const offsets = o.options.arrival === "periodic" ? periodicOffsetsMs(rateRps, total) : stageOffsetsMs(plan, deriveSeed(o.seed, 0xca9, probe))!;
    const count = o.options.arrival === "periodic" ? total : plannedRequestCount(plan);
    const first = next;
    next += count;
    const res = await dispatchStage({
      stage: probe,
      count,
      offsetsMs: offsets,
      maxInFlight: Infinity,
      firstRequest: first,
      source: o.source,
      send: o.client.send,
      stop: o.stop,
      abort: o.abort,
      now,
      onRecord: (r) => o.onRecord?.(++counter.done, (counter.errors += r.error ? 1 : 0)),
    });
    const kept = res.records.filter((r) => r.index - first >= warmup && r.error?.reason !== "aborted");
    const startMs = kept.length ? Math.min(...kept.map((r) => r.scheduledMs)) : res.startMs;
    return { measured: kept, warmup, startMs, endMs: res.endMs, delaysMs: kept.map((r) => r.sendMs - r.scheduledMs), interrupted: res.status === "interrupted" };
  }

  async function closedLoopRound(concurrency: number, measured: number, warmup: number, counter: { done: number; errors: number }): Promise<Round> {
    const requests = prepare(measured + warmup);
    const first = next;
    next += requests.length;
    const loop = await runClosedLoop({ concurrency, requests, send: o.client.send, stop: o.stop, abort: o.abort, now, onRecord: (r) => o.onRecord?.(++counter.done, (counter.errors += r.error ? 1 : 0)) });
    // Closed loop sends in index order: the first `warmup` indices went out first (the synchronized first wave).
    const kept = loop.records.filter((r) => r.index - first >= warmup && r.error?.reason !== "aborted");
    const startMs = kept.length ? Math.min(...kept.map((r) => r.sendMs)) : loop.startMs;
    return { measured: kept, warmup, startMs, endMs: loop.endMs, delaysMs: [], interrupted: loop.unsent > 0 || o.stop.aborted || loop.records.some((r) => r.error?.reason === "aborted") };
  }

  return {
    get requestsUsed() {
      return next;
    },
    async run(axis, level, attempt) {
      const index = ++probeIndex;
      const len = axis === "rate" ? probeLength(o.slos, o.rule, { axis, rateRps: level }) : probeLength(o.slos, o.rule, { axis, concurrency: level });
      o.onProbeStart?.(axis, level, attempt, len.measured + len.warmup);
      o.metrics?.beginStep(index);
      const counter = { done: 0, errors: 0 };
      const rounds: Round[] = [];
      if (axis === "rate") rounds.push(await openLoopRound(level, len.measured, len.warmup, index, counter));
      else {
        // Extended (each round with its own warm-up wave) until it has the requests and the minimum duration.
        for (let k = 0; k < MAX_CLOSED_ROUNDS; k++) {
          const have = rounds.reduce((n, r) => n + r.measured.length, 0);
          const spentS = rounds.reduce((s, r) => s + (r.endMs - r.startMs) / 1000, 0);
          if (k > 0 && (spentS >= o.rule.minDurationS || rounds[k - 1]!.interrupted)) break;
          const want = k === 0 ? len.measured : Math.max(4 * level, Math.ceil(have * (o.rule.minDurationS / Math.max(spentS, 1e-3) - 1)));
          rounds.push(await closedLoopRound(level, want, len.warmup, counter));
        }
      }
      const startMs = rounds[0]!.startMs;
      const endMs = rounds[rounds.length - 1]!.endMs;
      const startedAtEpochMs = startMs + epochOffsetMs;
      const endedAtEpochMs = endMs + epochOffsetMs;
      await o.metrics?.endStep(index, startedAtEpochMs, endedAtEpochMs);
      const measuredNow = rounds.flatMap((r) => r.measured);
      const key = `${axis}:${level}`;
      const records = attempt > 1 ? [...(pooled.get(key) ?? []), ...measuredNow] : measuredNow;
      pooled.set(key, records);
      const m = measureProbe(records, o.slos, o.options.closeMargin);
      const durationS = rounds.reduce((s, r) => s + (r.endMs - r.startMs) / 1000, 0);
      const delays = rounds.flatMap((r) => r.delaysMs).sort((a, b) => a - b);
      const ok = measuredNow.filter((r) => r.error === null).length;
      const summary = summarizeStep(measuredNow, {
        durationMs: durationS * 1000,
        startedAtMs: startedAtEpochMs,
        endedAtMs: endedAtEpochMs,
        label: `probe-${index}`,
        modelId: o.model,
        tokenizerId: o.tokenizerId,
        numPrompts: measuredNow.length,
        requestRate: axis === "rate" ? level : "inf",
        burstiness: 1,
        maxConcurrency: axis === "concurrency" ? level : null,
      });
      const probe: CapacityProbe = {
        index,
        axis,
        level,
        attempt,
        measuredRequests: m.requests,
        warmupRequests: rounds.reduce((n, r) => n + r.warmup, 0),
        failed: m.failed,
        durationS,
        achievedRps: durationS > 0 ? ok / durationS : 0,
        scheduleDelayP50Ms: axis === "rate" ? percentile(delays, 50) : null,
        readings: m.readings,
        pass: m.pass,
        close: m.close,
        partial: rounds.some((r) => r.interrupted),
        startedAtEpochMs,
        endedAtEpochMs,
      };
      return { probe, summary };
    },
  };
}
