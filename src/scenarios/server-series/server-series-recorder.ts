/**
 * Records a scenario run's server time series for server_metrics_timeseries.json (the waiting-queue and KV-cache
 * charts), from one of two sources, as `kneepoint sweep` reads server metrics:
 *   - "direct": the target's /metrics scraped every `intervalMs` (250 ms, as the sweep) from start() to finish(),
 *     stage pauses included; the scrapes are reduced to series at every stage end (stageEnded) and forgotten, so
 *     a long run holds one stage's scrapes at a time. A failed scrape is a warning, never fatal.
 *   - "prometheus": nothing happens during the run; finish() range-queries the run's window.
 * Usage (src/cli/run-scenario.ts):
 *   const rec = createServerSeriesRecorder(source); rec.start();   // before the first request
 *   onStageEnd: rec.stageEnded();
 *   const { file, warnings } = await rec.finish(stages);           // after the last; file null = nothing read
 *   or, when the run failed before it had stages: await rec.cancel();   // stops the scraping, reads nothing
 */
import { createDirectScraper } from "../../server-metrics/direct-scraper.ts";
import { createPrometheusClient } from "../../server-metrics/prometheus-client.ts";
import { computeScrapedSeries } from "../../server-metrics/scraped-peaks.ts";
import type { SeriesKey, TimeSeries } from "../../server-metrics/time-series.ts";
import type { TimeseriesFile } from "../../report/compare/scenario-report-files.ts";
import type { PrometheusReportOptions } from "../report/collect-prometheus-reports.ts";
import type { StageRun } from "../types.ts";
import { readPrometheusSeries } from "./read-prometheus-series.ts";
import { buildServerSeriesQueries } from "./server-series-queries.ts";
import { buildTimeseriesFile } from "./timeseries-file.ts";

export type ServerSeriesSource =
  | {
      kind: "direct";
      /** The target's metrics URL, e.g. http://127.0.0.1:8000/metrics. */
      metricsUrl: string;
      /** The served model name (vLLM's model_name label). */
      model: string;
      /** The target's auth headers (its /metrics may sit behind the same key). */
      headers: Record<string, string>;
      intervalMs: number;
    }
  | ({ kind: "prometheus" } & Pick<PrometheusReportOptions, "url" | "token" | "server" | "model" | "filters" | "scrapeIntervalS">);

export interface ServerSeriesDeps {
  fetchFn?: typeof fetch;
  /** Epoch ms. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ServerSeriesOutcome {
  /** null when no series had a point: the time charts are then skipped with a note. */
  file: TimeseriesFile | null;
  warnings: string[];
}

export interface ServerSeriesRecorder {
  start(): void;
  stageEnded(): void;
  finish(stages: readonly StageRun[]): Promise<ServerSeriesOutcome>;
  cancel(): Promise<void>;
}

export function createServerSeriesRecorder(source: ServerSeriesSource, deps: ServerSeriesDeps = {}): ServerSeriesRecorder {
  return source.kind === "direct" ? directRecorder(source, deps) : prometheusRecorder(source, deps);
}

function directRecorder(source: Extract<ServerSeriesSource, { kind: "direct" }>, deps: ServerSeriesDeps): ServerSeriesRecorder {
  const scraper = createDirectScraper({
    metricsUrl: source.metricsUrl,
    headers: source.headers,
    intervalMs: source.intervalMs,
    ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}),
    ...(deps.clock ? { nowMs: deps.clock } : {}),
  });
  const points = new Map<SeriesKey, TimeSeries>();
  const reduce = () => {
    for (const s of computeScrapedSeries(scraper.scrapes(), source.model)) {
      const known = points.get(s.key);
      if (known) known.points.push(...s.points);
      else points.set(s.key, { ...s, points: [...s.points] });
    }
    scraper.clear();
  };
  return {
    start: () => scraper.start(),
    stageEnded: reduce,
    async finish(stages) {
      await scraper.stop();
      reduce();
      const file = buildTimeseriesFile([...points.values()], stages);
      const warnings = scraper.warnings().map((w) => `server time series: ${w}`);
      if (file === null && warnings.length === 0) {
        warnings.push(`server time series: ${source.metricsUrl} has no vLLM series for model '${source.model}' (vllm:num_requests_running …); the waiting-queue and KV-cache charts are skipped`);
      }
      return { file, warnings };
    },
    cancel: () => scraper.stop(),
  };
}

function prometheusRecorder(source: Extract<ServerSeriesSource, { kind: "prometheus" }>, deps: ServerSeriesDeps): ServerSeriesRecorder {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let startMs: number | null = null;
  return {
    start() {
      startMs ??= clock();
    },
    stageEnded() {},
    async finish(stages) {
      const endMs = clock();
      const client = createPrometheusClient({ url: source.url, ...(source.token ? { token: source.token } : {}), ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}) });
      const queries = buildServerSeriesQueries(source);
      const read = await readPrometheusSeries(client, queries, { startMs: startMs ?? endMs, endMs, scrapeIntervalS: source.scrapeIntervalS }, { clock, sleep });
      return { file: buildTimeseriesFile(read.series, stages), warnings: read.warnings };
    },
    async cancel() {},
  };
}
