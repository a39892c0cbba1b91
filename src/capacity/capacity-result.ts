/**
 * What a capacity run found, as written to capacity.json: per axis the answer, its interval (last pass .. first
 * fail), the binding SLO, the server's state at the answer, and every probe. Pure: built from the probes and the
 * search outcome the runner hands over.
 */
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { Axis } from "./capacity-plan.ts";
import type { StopReason } from "./capacity-search.ts";
import type { SloReading } from "./measure-probe.ts";

export interface CapacityProbe {
  /** 1-based, in the order the probes ran (across both axes). */
  index: number;
  axis: Axis;
  /** req/s (rate) or in-flight requests (concurrency). */
  level: number;
  attempt: number;
  /** Requests the verdict used (pooled over this level's attempts), and the warm-up left out. */
  measuredRequests: number;
  warmupRequests: number;
  failed: number;
  /** Measured window of this attempt, s; achieved completions per second over it. */
  durationS: number;
  achievedRps: number;
  /** Open loop: median send − scheduled, ms (the client keeping up); null for a closed loop. */
  scheduleDelayP50Ms: number | null;
  readings: SloReading[];
  pass: boolean;
  close: boolean;
  /** Cut short by Ctrl-C: not used by the search. */
  partial: boolean;
  startedAtEpochMs: number;
  endedAtEpochMs: number;
}

/** The server at the answer: peaks over the answer's probe, from the server metrics; null fields were absent. */
export interface ServerState {
  probe: number;
  kvCachePctMax: number | null;
  runningMax: number | null;
  waitingMax: number | null;
  preemptions: number | null;
  /** Why there is nothing: metrics off, or every series absent. */
  note: string | null;
}

export interface AxisResult {
  axis: Axis;
  unit: "req/s" | "concurrent requests";
  /** Highest level that met every SLO, or null when none did. */
  answer: number | null;
  /** [last pass, first fail]; first fail null when the search reached its maximum. */
  interval: [number | null, number | null];
  /** The SLO that failed first above the answer (the largest value / limit at the first failing level). */
  bindingSlo: string | null;
  reason: StopReason;
  /** Failing levels below the answer: noise or a non-monotone server. */
  nonMonotone: number[];
  probes: number;
  /** Wall time from this axis's first probe's start to its last probe's end, s. */
  timeToAnswerS: number;
  serverState: ServerState | null;
}

function lastAttemptAt(probes: readonly CapacityProbe[], axis: Axis, level: number | null): CapacityProbe | null {
  if (level === null) return null;
  const at = probes.filter((p) => p.axis === axis && p.level === level && !p.partial);
  return at[at.length - 1] ?? null;
}

/** The failing reading with the largest value / limit (a null value counts as failing hardest). */
export function bindingOf(probe: CapacityProbe | null): string | null {
  if (!probe) return null;
  const failed = probe.readings.filter((r) => !r.pass);
  if (failed.length === 0) return null;
  return [...failed].sort((a, b) => (b.ratio ?? Infinity) - (a.ratio ?? Infinity))[0]!.slo;
}

export function serverStateOf(probe: CapacityProbe | null, peaks: ReadonlyMap<number, StepPeaks> | null, metricsNote: string | null): ServerState | null {
  if (!probe) return null;
  const p = peaks?.get(probe.index) ?? null;
  if (!p) return { probe: probe.index, kvCachePctMax: null, runningMax: null, waitingMax: null, preemptions: null, note: metricsNote ?? "no server metrics were read for this probe" };
  const allAbsent = p.kvCachePctMax === null && p.runningMax === null && p.waitingMax === null;
  return { probe: probe.index, kvCachePctMax: p.kvCachePctMax, runningMax: p.runningMax, waitingMax: p.waitingMax, preemptions: p.preemptions, note: allAbsent ? "absent: the target's /metrics has no vLLM KV-cache or queue series" : null };
}

export function buildAxisResult(o: {
  axis: Axis;
  probes: readonly CapacityProbe[];
  answer: number | null;
  firstFail: number | null;
  reason: StopReason;
  nonMonotone: number[];
  peaks: ReadonlyMap<number, StepPeaks> | null;
  metricsNote: string | null;
}): AxisResult {
  const mine = o.probes.filter((p) => p.axis === o.axis);
  const t0 = Math.min(...mine.map((p) => p.startedAtEpochMs));
  const t1 = Math.max(...mine.map((p) => p.endedAtEpochMs));
  return {
    axis: o.axis,
    unit: o.axis === "rate" ? "req/s" : "concurrent requests",
    answer: o.answer,
    interval: [o.answer, o.firstFail],
    bindingSlo: bindingOf(lastAttemptAt(o.probes, o.axis, o.firstFail)),
    reason: o.reason,
    nonMonotone: o.nonMonotone,
    probes: mine.length,
    timeToAnswerS: mine.length ? (t1 - t0) / 1000 : 0,
    serverState: serverStateOf(lastAttemptAt(o.probes, o.axis, o.answer), o.peaks, o.metricsNote),
  };
}

/** `12.5 req/s (12.5 .. 13.0)`, `8 concurrent requests (8 .. 9)`, or why there is none. */
export function describeAnswer(r: AxisResult): string {
  const fmt = (v: number | null) => (v === null ? "?" : r.axis === "rate" ? formatRate(v) : String(v));
  if (r.answer === null) return r.reason === "interrupted" ? "none yet (interrupted)" : "none: even the lowest level failed an SLO";
  const upper = r.interval[1] === null ? `≥ ${fmt(r.answer)} (the search's maximum)` : `${fmt(r.interval[0])} .. ${fmt(r.interval[1])}`;
  return `${fmt(r.answer)} ${r.unit} (interval ${upper})`;
}

export function formatRate(v: number): string {
  return v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toPrecision(3);
}
