/**
 * Server metrics over time for the charts (KV-cache % and running/waiting requests vs time), the same
 * aggregations as the step peaks: KV % of the busiest engine, running and waiting summed over engines.
 * Points are epoch ms, ascending; an absent metric is an absent series (no zero-filled line).
 */
export type SeriesKey = "kvCachePct" | "running" | "waiting";

export const SERIES_UNITS: Record<SeriesKey, "%" | "requests"> = { kvCachePct: "%", running: "requests", waiting: "requests" };

export interface TimeSeries {
  key: SeriesKey;
  unit: "%" | "requests";
  points: Array<{ tMs: number; value: number }>;
}
