/**
 * The `run` block of inference-perf 0.7.0's BR v0.2 partial (kubernetes-sigs/inference-perf
 * inference_perf/reportgen/br/v0_2/partial_report.py, schema_v0_2.py `Run`/`RunTime`, dumped by pydantic with
 * mode="json", exclude_none):
 *  - uid `inference-perf-stage-<stage>-<8 hex>` per stage, eid `inference-perf-experiment-<8 hex>` once per run
 *    (`uuid.uuid4().hex[:8]`: 8 random lower-case hex digits);
 *  - time.start / time.end: the stage's wall-clock window, `datetime.fromtimestamp(epoch_s, tz=utc)` (microseconds
 *    rounded half-even from the float seconds) as pydantic writes it: `2025-11-24T16:00:00.062500Z`, the fraction
 *    left out when it is 0 (`…:00Z`);
 *  - time.duration: `f"PT{(end − start).total_seconds():.3f}S"` (never negative), Python's `.3f` (half-even on the
 *    float's exact value: 0.0625 → `0.062`).
 * Pure: the random hex digits come in as a parameter.
 */

export interface BrRunTime {
  start: string;
  end: string;
  duration: string;
}

export interface BrRun {
  uid: string;
  eid?: string;
  time?: BrRunTime;
}

export function brRunUid(stageId: number, hex8: string): string {
  return `inference-perf-stage-${stageId}-${hex8}`;
}

export function brExperimentEid(hex8: string): string {
  return `inference-perf-experiment-${hex8}`;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** CPython's `datetime.fromtimestamp(ts)` split: whole seconds and microseconds (ROUND_HALF_EVEN). */
export function splitEpochSeconds(epochS: number): { seconds: number; micros: number } {
  let seconds = Math.trunc(epochS);
  let micros = roundHalfEven((epochS - seconds) * 1e6);
  if (micros >= 1_000_000) {
    micros -= 1_000_000;
    seconds += 1;
  } else if (micros < 0) {
    micros += 1_000_000;
    seconds -= 1;
  }
  return { seconds, micros };
}

/** pydantic's JSON form of a UTC datetime. */
export function pydanticUtcTimestamp(seconds: number, micros: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 19)}${micros === 0 ? "" : `.${String(micros).padStart(6, "0")}`}Z`;
}

/** Python's `f"{x:.{digits}f}"` of a finite non-negative float: half-even on the exact binary value. */
export function pythonFixed(x: number, digits: number): string {
  // toFixed(100) is the exact decimal expansion of a double ≥ 2^-48 (its lowest bit is ≥ 2^-100, so it has at most
  // 100 fractional digits); a duration is 0 or at least 1 µs.
  const exact = x.toFixed(100);
  const [int, frac] = exact.split(".") as [string, string];
  const all = BigInt(int + frac);
  const unit = 10n ** BigInt(100 - digits);
  let q = all / unit;
  const r = all % unit;
  const half = unit / 2n;
  if (r > half || (r === half && q % 2n === 1n)) q += 1n;
  const text = q.toString().padStart(digits + 1, "0");
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** partial_report.py `_build_run_time` from epoch milliseconds. */
export function brRunTime(startEpochMs: number, endEpochMs: number): BrRunTime {
  const start = splitEpochSeconds(startEpochMs / 1000);
  const end = splitEpochSeconds(endEpochMs / 1000);
  // timedelta.total_seconds(): whole microseconds / 10**6.
  const micros = (end.seconds - start.seconds) * 1_000_000 + (end.micros - start.micros);
  const totalS = Math.max(micros / 1e6, 0);
  return {
    start: pydanticUtcTimestamp(start.seconds, start.micros),
    end: pydanticUtcTimestamp(end.seconds, end.micros),
    duration: `PT${pythonFixed(totalS, 3)}S`,
  };
}
