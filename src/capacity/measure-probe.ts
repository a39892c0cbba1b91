/**
 * A probe's SLO values and verdict from its measured request records (warm-up already left out). Pure.
 * Latencies use the per-request definitions of src/metrics/request-metrics.ts (vLLM's) and numpy's linear
 * percentile (src/metrics/stats.ts); failed requests are left out of latencies and counted in error_rate
 * = failed / sent. A verdict is `close` when some SLO's value is within `closeMargin` (relative) of its limit:
 * the runner then measures that level again before the search trusts it.
 */
import type { RequestRecord } from "../engine/request-record.ts";
import { deriveRequestMetrics, type RequestMetrics } from "../metrics/request-metrics.ts";
import { describe } from "../metrics/stats.ts";
import { meetsSlo, type Slo } from "./slo.ts";

export interface SloReading {
  slo: string;
  /** ms for latencies, a ratio for error_rate; null when nothing succeeded. */
  value: number | null;
  limit: number;
  pass: boolean;
  /** value / limit (1 = on the bound); null when value is null or the limit is 0. */
  ratio: number | null;
}

export interface ProbeMeasurement {
  requests: number;
  failed: number;
  readings: SloReading[];
  pass: boolean;
  close: boolean;
  /** The SLO closest to (or furthest past) its limit, by value / limit. */
  binding: string | null;
}

function latencyValues(metrics: readonly RequestMetrics[], metric: "ttft" | "itl" | "tpot" | "e2el"): number[] {
  if (metric === "ttft") return metrics.map((m) => m.ttftMs);
  if (metric === "e2el") return metrics.map((m) => m.e2elMs);
  if (metric === "tpot") return metrics.flatMap((m) => (m.tpotMs === null ? [] : [m.tpotMs]));
  return metrics.flatMap((m) => m.itlsMs);
}

function readSlo(slo: Slo, metrics: readonly RequestMetrics[], sent: number, failed: number): number | null {
  if (slo.subject.kind === "error_rate") return sent === 0 ? null : failed / sent;
  const values = latencyValues(metrics, slo.subject.metric);
  if (values.length === 0) return null;
  const st = slo.subject.stat;
  const d = describe(values, st.kind === "p" ? [st.p] : []);
  return st.kind === "mean" ? d.mean : st.kind === "median" ? d.median : d.percentiles.get(st.p)!;
}

export function measureProbe(records: readonly RequestRecord[], slos: readonly Slo[], closeMargin: number): ProbeMeasurement {
  const metrics: RequestMetrics[] = [];
  for (const r of records) {
    const m = deriveRequestMetrics(r);
    if (m) metrics.push(m);
  }
  const failed = records.length - metrics.length;
  const readings = slos.map((slo): SloReading => {
    const value = readSlo(slo, metrics, records.length, failed);
    const ratio = value === null || slo.limit === 0 ? null : value / slo.limit;
    return { slo: slo.text, value, limit: slo.limit, pass: value !== null && meetsSlo(slo, value), ratio };
  });
  const close = readings.some((r) => r.value !== null && slos.length > 0 && Math.abs(r.value - r.limit) <= closeMargin * Math.abs(r.limit));
  let binding: SloReading | null = null;
  for (const r of readings) if (r.ratio !== null && (binding === null || r.ratio > binding.ratio!)) binding = r;
  return { requests: records.length, failed, readings, pass: readings.every((r) => r.pass), close, binding: binding?.slo ?? readings.find((r) => !r.pass)?.slo ?? null };
}
