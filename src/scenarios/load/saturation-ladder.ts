/**
 * The sweep's saturation estimate, from a closed-loop concurrency ladder (stage −1, not reported). Pure.
 *
 * Why not inference-perf's estimator (research inference-perf.md §2.4): it sends a 5 s burst, samples the
 * number in flight every 0.5 s and takes a high percentile of |Δin-flight / Δt| while the burst drains — an
 * extreme order statistic of a noisy derivative measured during a transient, biased upward (PR #711).
 * Here every rung is a steady state that is measured directly:
 *   - rung c keeps exactly c requests in flight (closed loop) for 2c + max(24, 2c) requests, or until
 *     load.sweep.timeout cuts it;
 *   - its window opens at the c-th completion (the synchronized first wave is over) and closes when the last
 *     request is sent (after that the loop drains and fewer than c are in flight);
 *   - by Little's law, throughput X(c) = N̄ / R: N̄ the time-averaged number in flight over the window (from every
 *     record's [send, end]), R the mean latency of the successful requests that ended in it. Counting
 *     completions per second in so short a window is the noisier reading: requests of one shape finish in
 *     clumps (a whole batch on one engine step), and a window a few waves long holds a fraction of a clump
 *     more or less, while R averages every request's own latency (run-sweep.sim.test.ts prints both against
 *     the simulator's engine model). The counted rate X_count is kept as the check: X_count · R must match N̄
 *     within 20 %, and N̄ must be ≈ c (else the client did not keep c in flight).
 * Concurrency doubles until a doubling raises X by less than `gainThreshold` (10 %, the knee rule of
 * src/analysis/knee.ts): past that point more load only queues. The saturation rate is the highest X measured.
 * The ladder's ceiling is load.sweep.num_requests (inference-perf's burst can have at most that many requests in
 * flight) and the in-flight cap; each rung's time is bounded by load.sweep.timeout.
 */
import type { RequestRecord } from "../../engine/request-record.ts";
import { isSuccessful } from "../../metrics/request-metrics.ts";
import { DEFAULT_KNEE_THRESHOLDS, gainPerDoubling } from "../../analysis/knee.ts";

/** The fields of a record a rung is measured from. */
export type RungRecord = Pick<RequestRecord, "sendMs" | "chunkTimesMs" | "error"> & { endMs: number };

export interface RungMeasurement {
  concurrency: number;
  /** N̄ / R, req/s (Little's law): the rung's throughput. */
  throughputRps: number;
  /** Successful completions in the window per second: the direct but clump-sensitive reading. */
  countedThroughputRps: number;
  /** Mean latency (end − send) of those completions, ms. */
  meanLatencyMs: number;
  /** Time-averaged number of requests in flight over the window, from every record's [send, end]. */
  meanInFlight: number;
  /** X_count · R: Little's law's number in flight from the counted rate; ≈ meanInFlight in a steady state. */
  littleN: number;
  windowMs: number;
  /** Successful completions inside the window. */
  completions: number;
  /** Requests sent in the rung, and how many of them failed (cancelled ones, cut by a timeout, are not failures). */
  sent: number;
  errors: number;
}

export interface LadderOptions {
  /** Highest concurrency the ladder may try: min(load.sweep.num_requests, the in-flight cap). */
  maxConcurrency: number;
  /** A doubling that gains less than this fraction of throughput marks the knee (default 0.10). */
  gainThreshold: number;
}

export const DEFAULT_GAIN_THRESHOLD = DEFAULT_KNEE_THRESHOLDS.minGainPerDoubling;
/** A rung whose requests fail more often than this stops the ladder: the server is past what it can serve. */
export const MAX_RUNG_ERROR_FRACTION = 0.1;
const MIN_MEASURED = 24;

/** Requests sent at concurrency c: c for the first wave, c to drain, and max(24, 2c) measured in between. */
export function rungSize(concurrency: number): number {
  return 2 * concurrency + Math.max(MIN_MEASURED, 2 * concurrency);
}

/**
 * Measures one rung; null when it has no window (fewer than c + 1 requests ended before dispatching stopped).
 * `windowEndMs` is when dispatching ended (the last send, or the moment a timeout stopped the rung).
 */
export function measureRung(records: readonly RungRecord[], concurrency: number, windowEndMs: number): RungMeasurement | null {
  const ends = records.map((r) => r.endMs).sort((a, b) => a - b);
  if (ends.length < concurrency) return null;
  const startMs = ends[concurrency - 1]!;
  const windowMs = windowEndMs - startMs;
  if (!(windowMs > 0)) return null;
  let completions = 0;
  let latencySumMs = 0;
  let busyMs = 0;
  let errors = 0;
  for (const r of records) {
    // A request cancelled when a timeout cut the rung is neither a completion nor a server error.
    if (!isSuccessful(r as RequestRecord)) {
      if (r.error?.reason !== "aborted") errors++;
    } else if (r.endMs > startMs && r.endMs <= windowEndMs) {
      completions++;
      latencySumMs += r.endMs - r.sendMs;
    }
    const overlap = Math.min(r.endMs, windowEndMs) - Math.max(r.sendMs, startMs);
    if (overlap > 0) busyMs += overlap;
  }
  if (completions === 0) return null;
  const countedThroughputRps = completions / (windowMs / 1000);
  const meanLatencyMs = latencySumMs / completions;
  const meanInFlight = busyMs / windowMs;
  return {
    concurrency,
    throughputRps: meanInFlight / (meanLatencyMs / 1000),
    countedThroughputRps,
    meanLatencyMs,
    meanInFlight,
    littleN: (countedThroughputRps * meanLatencyMs) / 1000,
    windowMs,
    completions,
    sent: records.length,
    errors,
  };
}

export type LadderStep = { next: number } | { stop: "saturated" | "errors" | "max-concurrency" };

/** What to do after the rungs measured so far (ascending, doubling from 1). */
export function nextLadderStep(rungs: readonly RungMeasurement[], opts: LadderOptions): LadderStep {
  const last = rungs.at(-1);
  const next = last ? last.concurrency * 2 : 1;
  if (last && last.errors > MAX_RUNG_ERROR_FRACTION * last.sent) return { stop: "errors" };
  if (kneeIndex(rungs, opts.gainThreshold) !== null) return { stop: "saturated" };
  if (next > opts.maxConcurrency) return { stop: "max-concurrency" };
  return { next };
}

/** Index of the first rung whose doubling gained less than the threshold, or null. */
function kneeIndex(rungs: readonly RungMeasurement[], gainThreshold: number): number | null {
  for (let i = 0; i + 1 < rungs.length; i++) {
    const a = rungs[i]!;
    const b = rungs[i + 1]!;
    const gain = gainPerDoubling(a.concurrency, a.throughputRps, b.concurrency, b.throughputRps);
    if (gain !== null && gain < gainThreshold) return i;
  }
  return null;
}

export interface SaturationEstimate {
  /** The highest throughput measured, req/s: the rate the sweep's stages climb to. */
  rateRps: number;
  /** True when a doubling stopped paying (a knee was found); false: the rate is a lower bound. */
  saturated: boolean;
  /** Concurrency after which doubling gained less than the threshold; null when not saturated. */
  kneeConcurrency: number | null;
  /** Why the ladder stopped. */
  stoppedBy: "saturated" | "errors" | "max-concurrency" | "timeout" | "interrupted";
  rungs: RungMeasurement[];
  /** Checks that failed (Little's law, clients that could not keep c in flight, a lower bound), one sentence each. */
  notes: string[];
}

/** Little's law tolerance: X_count · R within ±20 % of the measured mean in flight, which must reach 90 % of c. */
const LITTLE_TOLERANCE = 0.2;
const MIN_IN_FLIGHT_FRACTION = 0.9;

export function estimateSaturation(rungs: readonly RungMeasurement[], stoppedBy: SaturationEstimate["stoppedBy"], gainThreshold = DEFAULT_GAIN_THRESHOLD): SaturationEstimate | null {
  // A rung that failed too often measured an overloaded server, not its capacity: it only ends the ladder.
  const usable = rungs.filter((r) => r.errors <= MAX_RUNG_ERROR_FRACTION * r.sent);
  if (usable.length === 0) return null;
  const knee = kneeIndex(usable, gainThreshold);
  const rateRps = Math.max(...usable.map((r) => r.throughputRps));
  const notes: string[] = [];
  for (const r of usable) {
    if (Math.abs(r.littleN / r.meanInFlight - 1) > LITTLE_TOLERANCE) {
      notes.push(
        `c=${r.concurrency}: Little's law does not hold in the window (X_count·R = ${r.littleN.toFixed(2)}, mean in flight ${r.meanInFlight.toFixed(2)}): ` +
          `${r.completions} completions in ${(r.windowMs / 1000).toFixed(1)} s is not a steady state; raise load.sweep.timeout`,
      );
    }
    if (r.meanInFlight < MIN_IN_FLIGHT_FRACTION * r.concurrency) {
      notes.push(`c=${r.concurrency}: the client kept only ${r.meanInFlight.toFixed(1)} requests in flight on average: the client, not the server, limited this rung`);
    }
  }
  if (knee === null) {
    notes.push(`no knee found (stopped by ${stoppedBy}): ${rateRps.toFixed(2)} req/s is a lower bound of the saturation rate`);
  }
  return { rateRps, saturated: knee !== null, kneeConcurrency: knee === null ? null : usable[knee]!.concurrency, stoppedBy, rungs: [...rungs], notes };
}
