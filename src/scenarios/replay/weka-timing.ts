/**
 * When each call of a Weka trace starts, as inference-perf 0.7.0 derives it
 * (datagen/replay/weka_trace_replay_datagen.py `_IdleGapTimeWarp`, `_pack_into_streams`,
 * `_subagent_request_absolute_t`, `_build_trace_idle_timing`):
 *   - a sub-agent's calls are packed into streams (a call joins the first stream whose last call has ended, by
 *     `t + api_time`); each stream is one chain of calls;
 *   - a sub-agent call's `t` below its sub-agent's `t` is relative to it;
 *   - with trace_idle_gap_cap_seconds > 0, every gap between consecutive call starts (main agent and sub-agents
 *     together) longer than the cap is shortened to the cap, and later times move earlier by the excess. Pure.
 */
import type { WekaRequest, WekaSubagent } from "./weka-trace-format.ts";

type SubRequest = WekaSubagent["requests"][number];

interface Gap {
  rawStart: number;
  rawEnd: number;
  shiftBefore: number;
  capS: number;
  excessS: number;
}

/** Maps a raw trace time (s) to its time with long idle gaps capped. */
export function idleGapWarp(starts: readonly number[], capS: number): (tS: number) => number {
  const sorted = [...starts].sort((a, b) => a - b);
  const gaps: Gap[] = [];
  let shift = 0;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap > capS) {
      gaps.push({ rawStart: sorted[i - 1]!, rawEnd: sorted[i]!, shiftBefore: shift, capS, excessS: gap - capS });
      shift += gap - capS;
    }
  }
  return (t) => {
    let s = 0;
    for (const g of gaps) {
      if (t < g.rawStart) return t - g.shiftBefore;
      if (t < g.rawEnd) return t - g.rawStart <= g.capS ? t - g.shiftBefore : g.rawStart - g.shiftBefore + g.capS;
      s = g.shiftBefore + g.excessS;
    }
    return t - s;
  };
}

/** A sub-agent's calls in streams: each call goes to the first stream whose last call ended by its start. */
export function packIntoStreams(requests: readonly SubRequest[]): SubRequest[][] {
  // Python's sorted() is stable, as Array.prototype.sort is.
  const sorted = [...requests].sort((a, b) => a.t - b.t);
  const streams: SubRequest[][] = [];
  const ends: number[] = [];
  for (const r of sorted) {
    const end = r.t + (r.api_time ?? 0);
    const i = ends.findIndex((e) => e <= r.t);
    if (i >= 0) {
      streams[i]!.push(r);
      ends[i] = end;
    } else {
      streams.push([r]);
      ends.push(end);
    }
  }
  return streams;
}

export const subagentRequestT = (sa: WekaSubagent, r: SubRequest): number => (r.t + 1e-6 < sa.t ? sa.t + r.t : r.t);

export interface StreamPlan {
  sessionId: string;
  subagent: WekaSubagent;
  streamIndex: number;
  requests: SubRequest[];
}

/**
 * Start times (s) of the main agent's calls, and of stream calls by `streamCallKey(session id, k)`: keyed as 0.7.0
 * keys them, so two sub-agents with one agent_id share keys and the later one's times win, as there.
 */
export function callStartTimes(main: readonly WekaRequest[], streams: readonly StreamPlan[], capS: number): { main: number[]; streams: Map<string, number> } {
  const raw = streams.map((sp) => sp.requests.map((r) => subagentRequestT(sp.subagent, r)));
  const warp = capS <= 0 ? (t: number) => t : idleGapWarp([...main.map((r) => r.t), ...raw.flat()], capS);
  const byCall = new Map<string, number>();
  streams.forEach((sp, i) => raw[i]!.forEach((t, k) => byCall.set(streamCallKey(sp.sessionId, k), warp(t))));
  return { main: main.map((r) => warp(r.t)), streams: byCall };
}

export const streamCallKey = (sessionId: string, k: number) => `${sessionId}\u0000${k}`;
