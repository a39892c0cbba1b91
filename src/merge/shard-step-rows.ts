/**
 * The per-shard view of a merged run: for every step and shard, what the shard sent, how busy its process was and
 * how late its requests and its start were, so an overloaded load pod (high client CPU, long schedule delay) or a
 * late one (start skew) is visible next to the merged numbers. Pure.
 */

/** What one shard measured of one step (from its state and its step file). */
export interface ShardStepFacts {
  shard: number;
  /** The shard's share of the step (its workers in a sweep step, its planned requests in a scenario stage); 0: it sat the step out. */
  share: number;
  /** False when the shard has no state for a step it had a share of (it failed or was stopped before it). */
  measured: boolean;
  partial: boolean;
  /** Requests the shard sent in the step (completed + failed), null when not measured. */
  requests: number | null;
  /** Epoch ms of the shard's step window. */
  startedAtMs: number | null;
  endedAtMs: number | null;
  /** CPU time (user + system) of the shard's process during the step, ms. */
  clientCpuMs: number | null;
  /** Schedule delay (send − scheduled) percentiles of the shard's requests in the step, ms. */
  scheduleDelayP50Ms: number | null;
  scheduleDelayP99Ms: number | null;
}

export interface ShardStepRow extends ShardStepFacts {
  /** The step's key: its concurrency in a sweep, its stage index in a scenario. */
  step: number;
  /** Client CPU / the shard's step wall time, %: 100 % is one core busy. */
  clientCpuPct: number | null;
  /** The shard's start − the step's earliest shard start, ms (0 for the first shard). */
  startSkewMs: number | null;
  /** The step's latest shard end − the shard's end, ms. */
  endSkewMs: number | null;
}

/** A start skew above this fraction of the step's duration makes the merged step's load ramp, not a level. */
export const START_SKEW_WARN_FRACTION = 0.05;

/** Skew is measured among the shards that had a share of the step: one that sat it out has no start worth comparing. */
export function shardStepRows(step: number, facts: readonly ShardStepFacts[]): ShardStepRow[] {
  const active = facts.filter((f) => f.share > 0);
  const starts = active.flatMap((f) => (f.startedAtMs !== null ? [f.startedAtMs] : []));
  const ends = active.flatMap((f) => (f.endedAtMs !== null ? [f.endedAtMs] : []));
  const first = starts.length ? Math.min(...starts) : null;
  const last = ends.length ? Math.max(...ends) : null;
  return facts.map((f) => {
    const wallMs = f.startedAtMs !== null && f.endedAtMs !== null ? f.endedAtMs - f.startedAtMs : null;
    const skewed = f.share > 0;
    return {
      ...f,
      step,
      clientCpuPct: f.clientCpuMs !== null && wallMs !== null && wallMs > 0 ? (100 * f.clientCpuMs) / wallMs : null,
      startSkewMs: skewed && f.startedAtMs !== null && first !== null ? f.startedAtMs - first : null,
      endSkewMs: skewed && f.endedAtMs !== null && last !== null ? last - f.endedAtMs : null,
    };
  });
}

/** How a step is named in messages and tables: `c=8` in a sweep, `stage 2` in a scenario. */
export type StepLabel = (step: number) => string;
export const sweepStepLabel: StepLabel = (c) => `c=${c}`;

/** One warning per step whose latest-starting shard started more than 5 % of the step's duration after the first. */
export function skewWarnings(rows: readonly ShardStepRow[], durationMsByStep: ReadonlyMap<number, number>, label: StepLabel = sweepStepLabel): string[] {
  const out: string[] = [];
  for (const [key, durationMs] of durationMsByStep) {
    const step = rows.filter((r) => r.step === key && r.startSkewMs !== null);
    if (step.length < 2 || !(durationMs > 0)) continue;
    const worst = step.reduce((a, b) => ((b.startSkewMs as number) > (a.startSkewMs as number) ? b : a));
    const skew = worst.startSkewMs as number;
    if (skew > START_SKEW_WARN_FRACTION * durationMs) {
      out.push(
        `${label(key)}: shard ${worst.shard} started ${skew.toFixed(0)} ms after the first, ${((100 * skew) / durationMs).toFixed(1)} % of the step's ${(durationMs / 1000).toFixed(1)} s: ` +
          "the merged step ramped up instead of holding its level (start the shards with the same --start-at and synced clocks, or lengthen the step)",
      );
    }
  }
  return out;
}
