/**
 * The runner's one entry to server metrics, the same for both sources:
 *   - "prometheus": a Prometheus server (`--prometheus-url` / PROMETHEUS_URL, PROMETHEUS_TOKEN) that scrapes the
 *     target and dcgm-exporter; nothing happens during the sweep, everything is queried by peaks()/series().
 *   - "direct": no Prometheus; the target's /metrics (and a DCGM exporter URL) is scraped every second while a
 *     step runs, and peaks are computed from those samples with the same definitions.
 *
 * How the runner drives it (steps run one after another):
 *   const source = createServerMetricsSource({ kind: "direct", model, metricsUrl: `${baseUrl}/metrics` });
 *   onStepStart:  source.beginStep(c)                        // before warmup: scraping starts
 *   onStepEnd:    await source.endStep(c, started_at_ms, ended_at_ms)   // the measured window, epoch ms
 *   after the sweep (also after a partial one):
 *     const peaks = await source.peaks();    // Map concurrency → StepPeaks; absent metrics are null
 *     const series = await source.series();  // KV % / running / waiting vs time, for the charts
 *     source.warnings();                     // failed scrapes, Prometheus warnings: print them
 *     await source.close();                  // idempotent; also stops a scrape left running
 * In prometheus mode peaks() first waits until the last step's end + one scrape interval + 1 s (the last scrape
 * must have landed), so call it once, after the sweep. Errors: EnvironmentError when Prometheus fails.
 */
import { createDirectScraper, type MetricsTarget } from "./direct-scraper.ts";
import { createPrometheusClient } from "./prometheus-client.ts";
import { readSeriesFromPrometheus, readStepPeaksFromPrometheus, type StepWindow } from "./prometheus-peaks.ts";
import { computeScrapedPeaks, computeScrapedSeries } from "./scraped-peaks.ts";
import type { StepPeaks } from "./step-peaks.ts";
import type { TimeSeries } from "./time-series.ts";

interface Common {
  /** The served model name (vLLM's model_name label). */
  model: string;
  fetchFn?: typeof fetch;
  nowMs?: () => number;
}

export type ServerMetricsSourceOptions =
  | (Common & {
      kind: "prometheus";
      url: string;
      token?: string;
      /** Prometheus' scrape interval for the target and the exporter (subquery resolution, wait). */
      scrapeIntervalS: number;
      /** RE2 regex of the target's pod(s) (matched against pod or exported_pod), in a cluster. */
      pod?: string;
      /** RE2 regex of the GPU node (Hostname or hostname); without pod or hostname, all GPUs count. */
      hostname?: string;
      timeoutMs?: number;
      sleep?: (ms: number) => Promise<void>;
    })
  | (Common & {
      kind: "direct";
      /** The target's metrics URL, e.g. http://127.0.0.1:8000/metrics. */
      metricsUrl: string;
      /** Replicas scraped instead of metricsUrl (--metrics-url), summed/maxed per tick (direct-scraper.ts). */
      targets?: ReadonlyArray<MetricsTarget>;
      /** Without targets: a router's replica list found at metricsUrl is scraped instead (metrics-targets.ts). */
      discoverReplicas?: boolean;
      dcgmUrl?: string;
      intervalMs?: number;
      headers?: Record<string, string>;
      sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
    });

export interface ServerMetricsSource {
  readonly kind: "prometheus" | "direct";
  beginStep(concurrency: number): void;
  endStep(concurrency: number, startMs: number, endMs: number): Promise<void>;
  peaks(): Promise<Map<number, StepPeaks>>;
  series(): Promise<TimeSeries[]>;
  warnings(): string[];
  close(): Promise<void>;
}

export function createServerMetricsSource(options: ServerMetricsSourceOptions): ServerMetricsSource {
  return options.kind === "prometheus" ? prometheusSource(options) : directSource(options);
}

const byConcurrency = (windows: readonly StepWindow[], peaks: readonly StepPeaks[]) =>
  new Map(windows.map((w, i) => [w.concurrency, peaks[i]!] as const));

function prometheusSource(options: Extract<ServerMetricsSourceOptions, { kind: "prometheus" }>): ServerMetricsSource {
  const { url, token, fetchFn, timeoutMs } = options;
  const client = createPrometheusClient({ url, token, fetchFn, timeoutMs });
  const windows: StepWindow[] = [];
  const warnings: string[] = [];
  if (options.pod === undefined && options.hostname === undefined) {
    warnings.push("GPU metrics: no pod or hostname filter, so the peaks cover every GPU this Prometheus scrapes");
  }
  return {
    kind: "prometheus",
    beginStep() {},
    async endStep(concurrency, startMs, endMs) {
      windows.push({ concurrency, startMs, endMs });
    },
    async peaks() {
      const reading = await readStepPeaksFromPrometheus(client, { ...options, windows });
      for (const w of reading.warnings.map((x) => `Prometheus: ${x}`)) if (!warnings.includes(w)) warnings.push(w);
      return byConcurrency(windows, reading.peaks);
    },
    async series() {
      if (windows.length === 0) return [];
      const startMs = Math.min(...windows.map((w) => w.startMs));
      const endMs = Math.max(...windows.map((w) => w.endMs));
      return readSeriesFromPrometheus(client, { ...options, startMs, endMs });
    },
    warnings: () => [...warnings],
    async close() {},
  };
}

/**
 * Direct mode reduces each step's scrapes to its peaks and chart series when the step ends and then forgets
 * them, so a long sweep holds one step's samples at a time (an 8-GPU exporter at 4 Hz is ~300 samples/s).
 */
function directSource(options: Extract<ServerMetricsSourceOptions, { kind: "direct" }>): ServerMetricsSource {
  const scraper = createDirectScraper(options);
  const peaksByStep = new Map<number, StepPeaks>();
  const series = new Map<TimeSeries["key"], TimeSeries>();
  return {
    kind: "direct",
    beginStep: () => scraper.start(),
    async endStep(concurrency, startMs, endMs) {
      await scraper.stop();
      const scrapes = scraper.scrapes();
      peaksByStep.set(concurrency, computeScrapedPeaks(scrapes, { startMs, endMs }, options.model));
      for (const s of computeScrapedSeries(scrapes, options.model)) {
        const known = series.get(s.key);
        if (known) known.points.push(...s.points);
        else series.set(s.key, { ...s, points: [...s.points] });
      }
      scraper.clear();
    },
    async peaks() {
      return new Map(peaksByStep);
    },
    async series() {
      return [...series.values()];
    },
    warnings: () => scraper.warnings(),
    close: () => scraper.stop(),
  };
}
