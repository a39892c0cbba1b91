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
import { createDirectScraper, type DirectScraper } from "../../server-metrics/direct-scraper.ts";
import { discoverMetricsTargets } from "../../server-metrics/metrics-targets.ts";
import { computeScrapedSeriesByPod } from "../../server-metrics/scraped-pod-series.ts";
import { readPrometheusPodSeries } from "./read-prometheus-pod-series.ts";
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
      /**
       * The replicas' metrics URLs (`--metrics-url`, repeatable). Without them, a target whose /metrics answers 404
       * with a replica list (`kneepoint sim --replicas N`'s router) has its replicas scraped (metrics-targets.ts).
       */
      metricsUrls?: readonly string[];
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

/**
 * `kneepoint run --metrics-url URL …`: a direct source scrapes those replicas instead of the target's /metrics, and
 * the run's header says so. Changes the choice in place; nothing for a Prometheus source or no URLs.
 */
export function withReplicaUrls(choice: { source: ServerSeriesSource | null; description: string }, urls: readonly string[]): void {
  if (choice.source?.kind !== "direct" || urls.length === 0) return;
  choice.source.metricsUrls = urls;
  choice.description = `server time series: scraping ${urls.length} replica(s) every ${choice.source.intervalMs} ms: ${urls.join(", ")} (--metrics-url)`;
}

export function createServerSeriesRecorder(source: ServerSeriesSource, deps: ServerSeriesDeps = {}): ServerSeriesRecorder {
  return source.kind === "direct" ? directRecorder(source, deps) : prometheusRecorder(source, deps);
}

/** Appends `more`'s points to the series of the same key in `into`. */
function appendSeries(into: Map<SeriesKey, TimeSeries>, more: readonly TimeSeries[]): void {
  for (const s of more) {
    const known = into.get(s.key);
    if (known) known.points.push(...s.points);
    else into.set(s.key, { ...s, points: [...s.points] });
  }
}

function directRecorder(source: Extract<ServerSeriesSource, { kind: "direct" }>, deps: ServerSeriesDeps): ServerSeriesRecorder {
  let scraper: DirectScraper | null = null;
  let starting: Promise<void> | null = null;
  const points = new Map<SeriesKey, TimeSeries>();
  const podPoints = new Map<string, Map<SeriesKey, TimeSeries>>();
  const reduce = () => {
    if (!scraper) return;
    appendSeries(points, computeScrapedSeries(scraper.scrapes(), source.model));
    for (const p of computeScrapedSeriesByPod(scraper.scrapes(), source.model)) {
      const known = podPoints.get(p.pod) ?? new Map<SeriesKey, TimeSeries>();
      podPoints.set(p.pod, known);
      appendSeries(known, p.series);
    }
    scraper.clear();
  };
  const stop = async () => {
    await starting;
    await scraper?.stop();
  };
  return {
    start() {
      starting ??= (async () => {
        const targets = await discoverMetricsTargets(source.metricsUrl, source.metricsUrls ?? [], { headers: source.headers, ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}) });
        scraper = createDirectScraper({
          metricsUrl: source.metricsUrl,
          ...(targets ? { targets } : {}),
          headers: source.headers,
          intervalMs: source.intervalMs,
          ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}),
          ...(deps.clock ? { nowMs: deps.clock } : {}),
        });
        scraper.start();
      })();
    },
    stageEnded: reduce,
    async finish(stages) {
      await stop();
      reduce();
      const pods = [...podPoints.entries()].map(([pod, m]) => ({ pod, series: [...m.values()] }));
      const file = buildTimeseriesFile([...points.values()], stages, pods);
      const warnings = (scraper?.warnings() ?? []).map((w) => `server time series: ${w}`);
      if (file === null && warnings.length === 0) {
        warnings.push(`server time series: ${source.metricsUrl} has no vLLM series for model '${source.model}' (vllm:num_requests_running …); the waiting-queue and KV-cache charts are skipped`);
      }
      return { file, warnings };
    },
    cancel: stop,
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
      const window = { startMs: startMs ?? endMs, endMs, scrapeIntervalS: source.scrapeIntervalS };
      const read = await readPrometheusSeries(client, queries, window, { clock, sleep });
      const perPod = read.series.length > 0 ? await readPrometheusPodSeries(client, buildServerSeriesQueries({ ...source, byPod: true }), window) : { pods: [], warnings: [] };
      return { file: buildTimeseriesFile(read.series, stages, perPod.pods), warnings: [...read.warnings, ...perPod.warnings] };
    },
    async cancel() {},
  };
}
