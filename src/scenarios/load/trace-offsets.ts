/**
 * inference-perf 0.7.0's `trace_replay` load timer (TraceReplayLoadTimer, loadgen/load_timer.py): request k of a
 * stage is due at the stage start + the k-th trace row's timestamp − the first row's. Every stage replays the
 * trace from its first row, whatever its rate and duration (they are still required, and `rate` is reported as
 * the stage's requested_rate). The stage sends the data trace's row count when `data.trace` is set, else
 * int(rate · duration) (load_generator.py run_stage); 0.7.0 crashes when the load trace has fewer rows than
 * that, kneepoint refuses the config. Pure.
 */
import { UsageError } from "../../errors.ts";
import type { TraceRow } from "../config/trace-schema.ts";

/** Requests a trace_replay stage sends: the data trace's rows, or int(rate · duration) without one. */
export function traceStageRequestCount(rateRps: number, durationS: number, dataRows: readonly TraceRow[] | null): number {
  return dataRows !== null ? dataRows.length : Math.max(0, Math.trunc(rateRps * durationS));
}

/** Due times (ms from the stage start, ascending) of the first `count` rows of the load trace. */
export function traceOffsetsMs(loadRows: readonly TraceRow[], count: number, where: string): Float64Array {
  if (loadRows.length < count) {
    throw new UsageError(
      `${where}: the stage sends ${count} requests but load.trace has ${loadRows.length} rows (inference-perf 0.7.0 crashes on this)`,
      "set data.trace to the same file (the stage then sends one request per row), or lower the stage's rate × duration to at most the trace's rows",
    );
  }
  const offsets = new Float64Array(count);
  for (let k = 0; k < count; k++) offsets[k] = loadRows[k]!.offsetMs;
  return offsets;
}
