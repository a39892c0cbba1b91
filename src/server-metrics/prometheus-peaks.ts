/**
 * Step peaks and chart series from a Prometheus server. Before querying, wait until the last step's end +
 * one scrape interval + 1 s has passed, so the last scrape inside every window has been ingested; then each
 * step's queries (promql-queries.ts) are evaluated at that step's end over its window. Absent series → null.
 */
import { buildSeriesQueries, buildStepQueries, type StepQueryKey } from "./promql-queries.ts";
import type { MetricsTarget } from "./promql-selector.ts";
import type { PrometheusClient } from "./prometheus-client.ts";
import type { InstantSample } from "./prometheus-response.ts";
import type { StepPeaks } from "./step-peaks.ts";
import { SERIES_UNITS, type SeriesKey, type TimeSeries } from "./time-series.ts";

export interface StepWindow {
  concurrency: number;
  /** Epoch ms, the step's measured wall-clock window. */
  startMs: number;
  endMs: number;
}

export interface PrometheusReadOptions extends MetricsTarget {
  scrapeIntervalS: number;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface StepPeaksReading {
  /** One per window, in the windows' order. */
  peaks: StepPeaks[];
  warnings: string[];
}

const INGEST_SLACK_MS = 1000;
/** Prometheus refuses more than 11,000 points per series in a range query. */
const MAX_RANGE_POINTS = 11_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `atMs` (epoch) has passed on the injected clock. */
export async function waitUntil(atMs: number, nowMs: () => number = Date.now, sleep = defaultSleep): Promise<void> {
  for (let left = atMs - nowMs(); left > 0; left = atMs - nowMs()) await sleep(left);
}

/** A query's single aggregated value; nothing, NaN or ±Inf → null. */
function valueOf(samples: InstantSample[]): number | null {
  const finite = samples.map((s) => s.value).filter(Number.isFinite);
  return finite.length === 0 ? null : Math.max(...finite);
}

export async function readStepPeaksFromPrometheus(
  client: PrometheusClient,
  options: PrometheusReadOptions & { windows: readonly StepWindow[] },
): Promise<StepPeaksReading> {
  const { windows, scrapeIntervalS } = options;
  const warnings = new Set<string>();
  if (windows.length === 0) return { peaks: [], warnings: [] };
  const lastEndMs = Math.max(...windows.map((w) => w.endMs));
  await waitUntil(lastEndMs + scrapeIntervalS * 1000 + INGEST_SLACK_MS, options.nowMs, options.sleep);

  const peaks: StepPeaks[] = [];
  for (const w of windows) {
    const queries = buildStepQueries(options, { windowMs: w.endMs - w.startMs, resolutionS: scrapeIntervalS });
    const entries = await Promise.all(
      (Object.entries(queries) as Array<[StepQueryKey, string]>).map(async ([key, promql]) => {
        const { samples, warnings: ws } = await client.query(promql, w.endMs);
        for (const x of ws) warnings.add(x);
        return [key, valueOf(samples)] as const;
      }),
    );
    const values = Object.fromEntries(entries) as Record<StepQueryKey, number | null>;
    const samples = values.samples ?? 0;
    peaks.push({ ...values, samples, underSampled: samples < 2 });
  }
  return { peaks, warnings: [...warnings] };
}

/** KV % and running/waiting over [startMs, endMs] at the scrape interval (coarser if the range is long). */
export async function readSeriesFromPrometheus(
  client: PrometheusClient,
  options: PrometheusReadOptions & { startMs: number; endMs: number },
): Promise<TimeSeries[]> {
  const { startMs, endMs } = options;
  await waitUntil(endMs + options.scrapeIntervalS * 1000 + INGEST_SLACK_MS, options.nowMs, options.sleep);
  const stepMs = Math.max(options.scrapeIntervalS * 1000, Math.ceil((endMs - startMs) / MAX_RANGE_POINTS));
  const out: TimeSeries[] = [];
  for (const [key, promql] of Object.entries(buildSeriesQueries(options)) as Array<[SeriesKey, string]>) {
    const { series } = await client.queryRange(promql, { startMs, endMs, stepMs });
    const points = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
    if (points.length > 0) out.push({ key, unit: SERIES_UNITS[key], points: points.sort((a, b) => a.tMs - b.tMs) });
  }
  return out;
}
