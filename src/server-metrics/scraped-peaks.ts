/**
 * Step peaks and chart series from directly scraped expositions (no Prometheus), with the same definitions as
 * the PromQL in promql-queries.ts so both modes agree:
 *   - per-GPU gauges: the max over all samples of all GPUs; p90 = the largest per-GPU p90;
 *   - running / waiting / swapped: summed over the model's series (engines) per scrape, then max (or p90);
 *   - KV %: the current name, or the legacy one when the current is absent from the window; busiest engine;
 *   - GPU mem %: 100 · FB_USED / (FB_USED + FB_FREE) per GPU and scrape, max;
 *   - preemptions: the counter's increase between the first and last scrape in the window, summed over series,
 *     a drop counted as a reset (the new value is the increase since it). Not extrapolated to the window edges
 *     as Prometheus' increase() is, so it is the exact count between those scrapes (an integer).
 *   - samples: scrapes of the target in the window that carried vllm:num_requests_running for the model.
 * Absent → null, never 0. Quantiles as quantile_over_time (linear, numpy's default), via metrics/stats.ts.
 */
import { percentile } from "../metrics/stats.ts";
import type { ExpositionSample } from "./exposition-parser.ts";
import { DCGM, LABELS, VLLM } from "./metric-names.ts";
import { P90 } from "./promql-queries.ts";
import type { StepPeaks } from "./step-peaks.ts";
import { SERIES_UNITS, type SeriesKey, type TimeSeries } from "./time-series.ts";

export interface Scrape {
  source: "vllm" | "dcgm";
  /** When the scrape was sent (epoch ms), as Prometheus timestamps a scrape. */
  tMs: number;
  samples: ExpositionSample[];
}

const seriesKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
const maxOrNull = (xs: number[]) => (xs.length === 0 ? null : Math.max(...xs));
const p90 = (xs: number[]) => percentile(Float64Array.from(xs).sort(), P90 * 100);
const scale = (x: number | null, k: number) => (x === null ? null : x * k);

/** Finite values of `name` per series (label set), in scrape order. */
function bySeries(scrapes: readonly Scrape[], name: string, keep: (s: ExpositionSample) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const scrape of scrapes) {
    for (const s of scrape.samples) {
      if (s.name !== name || !keep(s) || !Number.isFinite(s.value)) continue;
      const key = seriesKey(s.labels);
      const list = out.get(key);
      if (list) list.push(s.value);
      else out.set(key, [s.value]);
    }
  }
  return out;
}

/** Per scrape that has the metric, the sum over its series. */
function sumsPerScrape(scrapes: readonly Scrape[], name: string, keep: (s: ExpositionSample) => boolean): number[] {
  const out: number[] = [];
  for (const scrape of scrapes) {
    const xs = scrape.samples.filter((s) => s.name === name && keep(s) && Number.isFinite(s.value));
    if (xs.length > 0) out.push(xs.reduce((a, s) => a + s.value, 0));
  }
  return out;
}

const seriesMax = (m: Map<string, number[]>) => maxOrNull([...m.values()].flat());
const seriesP90 = (m: Map<string, number[]>) => maxOrNull([...m.values()].map(p90));

/** Counter increase with resets: a drop means the counter restarted from 0. */
export function counterIncrease(values: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1]!;
    const cur = values[i]!;
    total += cur >= prev ? cur - prev : cur;
  }
  return total;
}

function gpuMemPct(scrapes: readonly Scrape[]): number[] {
  const out: number[] = [];
  for (const scrape of scrapes) {
    const free = new Map(scrape.samples.filter((s) => s.name === DCGM.fbFree.name).map((s) => [seriesKey(s.labels), s.value]));
    for (const used of scrape.samples.filter((s) => s.name === DCGM.fbUsed.name)) {
      const f = free.get(seriesKey(used.labels));
      const pct = f === undefined ? NaN : (100 * used.value) / (used.value + f);
      if (Number.isFinite(pct)) out.push(pct);
    }
  }
  return out;
}

/** The KV metric name present in these scrapes for the model: current first, legacy as fallback. */
function kvName(scrapes: readonly Scrape[], isModel: (s: ExpositionSample) => boolean): string {
  const current = scrapes.some((x) => x.samples.some((s) => s.name === VLLM.kvCacheUsage.name && isModel(s)));
  return current ? VLLM.kvCacheUsage.name : VLLM.kvCacheUsage.legacyName;
}

const modelFilter = (model: string) => (s: ExpositionSample) => s.labels[LABELS.modelName] === model;

export function computeScrapedPeaks(scrapes: readonly Scrape[], window: { startMs: number; endMs: number }, model: string): StepPeaks {
  const inWindow = scrapes.filter((s) => s.tMs >= window.startMs && s.tMs <= window.endMs);
  const vllm = inWindow.filter((s) => s.source === "vllm");
  const dcgm = inWindow.filter((s) => s.source === "dcgm");
  const isModel = modelFilter(model);
  const all = () => true;
  const gpu = (name: string) => bySeries(dcgm, name, all);
  const kv = bySeries(vllm, kvName(vllm, isModel), isModel);
  const waiting = sumsPerScrape(vllm, VLLM.waiting.name, isModel);
  const preemptionSeries = [...bySeries(vllm, VLLM.preemptions.name, isModel).values()].filter((v) => v.length >= 2);
  const samples = vllm.filter((x) => x.samples.some((s) => s.name === VLLM.running.name && isModel(s))).length;

  return {
    gpuUtilPctMax: seriesMax(gpu(DCGM.gpuUtil.name)),
    gpuUtilPctP90: seriesP90(gpu(DCGM.gpuUtil.name)),
    gpuMemUsedPctMax: maxOrNull(gpuMemPct(dcgm)),
    dramActiveMax: seriesMax(gpu(DCGM.dramActive.name)),
    dramActiveP90: seriesP90(gpu(DCGM.dramActive.name)),
    tensorActiveMax: seriesMax(gpu(DCGM.tensorActive.name)),
    tensorActiveP90: seriesP90(gpu(DCGM.tensorActive.name)),
    powerWMax: seriesMax(gpu(DCGM.powerUsage.name)),
    kvCachePctMax: scale(seriesMax(kv), 100),
    kvCachePctP90: scale(seriesP90(kv), 100),
    runningMax: maxOrNull(sumsPerScrape(vllm, VLLM.running.name, isModel)),
    waitingMax: maxOrNull(waiting),
    waitingP90: waiting.length === 0 ? null : p90(waiting),
    swappedMax: maxOrNull(sumsPerScrape(vllm, VLLM.swapped.name, isModel)),
    preemptions: preemptionSeries.length === 0 ? null : preemptionSeries.reduce((a, v) => a + counterIncrease(v), 0),
    samples,
    underSampled: samples < 2,
  };
}

/** KV % (busiest engine), running and waiting (summed) per vLLM scrape, for the charts. */
export function computeScrapedSeries(scrapes: readonly Scrape[], model: string): TimeSeries[] {
  const vllm = scrapes.filter((s) => s.source === "vllm").sort((a, b) => a.tMs - b.tMs);
  const isModel = modelFilter(model);
  const kv = kvName(vllm, isModel);
  const pick: Record<SeriesKey, (xs: number[]) => number> = {
    kvCachePct: (xs) => 100 * Math.max(...xs),
    running: (xs) => xs.reduce((a, b) => a + b, 0),
    waiting: (xs) => xs.reduce((a, b) => a + b, 0),
  };
  const names: Record<SeriesKey, string> = { kvCachePct: kv, running: VLLM.running.name, waiting: VLLM.waiting.name };
  const out: TimeSeries[] = [];
  for (const key of Object.keys(pick) as SeriesKey[]) {
    const points: TimeSeries["points"] = [];
    for (const scrape of vllm) {
      const xs = scrape.samples.filter((s) => s.name === names[key] && isModel(s) && Number.isFinite(s.value)).map((s) => s.value);
      if (xs.length > 0) points.push({ tMs: scrape.tMs, value: pick[key](xs) });
    }
    if (points.length > 0) out.push({ key, unit: SERIES_UNITS[key], points });
  }
  return out;
}
