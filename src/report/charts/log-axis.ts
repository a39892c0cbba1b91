/**
 * When a latency axis goes logarithmic, and which ticks it shows: 1-2-5 per decade inside the data's range,
 * instead of vega's default 1…9 per decade (a wall of labels at 300 px). Pure.
 */

/** A values' (max / min) at or above which a latency axis is drawn on a log scale. */
export const LOG_Y_MIN_RATIO = 10;

/** Log when all values are positive (a zero cannot sit on a log axis) and span LOG_Y_MIN_RATIO or more. */
export function useLogY(values: readonly number[]): boolean {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length < 2 || positive.length < values.length) return false;
  return Math.max(...positive) / Math.min(...positive) >= LOG_Y_MIN_RATIO;
}

/** 1, 2, 5 × 10^k within [min, max]; [] for an empty or non-positive range. */
export function logTickValues(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [];
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
    for (const m of [1, 2, 5]) {
      // Rounded so 10^-1 × 2 prints as 0.2, not 0.20000000000000001.
      const v = Number((m * 10 ** k).toPrecision(6));
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

/** The y encoding of a latency panel: log scale with readable ticks when the values span a decade, else linear from 0. */
export function latencyMsY(name: string, values: readonly number[]) {
  const logY = useLogY(values);
  return {
    field: "latencyMs",
    type: "quantitative" as const,
    title: logY ? `${name} (ms, log scale)` : `${name} (ms)`,
    scale: logY ? { type: "log" as const, nice: false, padding: 10 } : { zero: true },
    axis: logY ? { format: ",~f", values: logTickValues(values) } : { format: ",~f" },
  };
}
