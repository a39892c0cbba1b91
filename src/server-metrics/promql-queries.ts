/**
 * The PromQL kneepoint sends, as pure builders. Every string is pinned by a golden file
 * (test/goldens/promql/, `UPDATE_GOLDENS=1 npx vitest run src/server-metrics/promql-queries.test.ts` rewrites them).
 *
 * Step queries are instant queries evaluated at the step's end over its window `[W]` (W = end − start, in whole
 * seconds when exact, else ms). We evaluate AT the end, not at end + scrape interval: a sample's timestamp is the
 * time of its scrape, so `[end − W, end]` holds exactly the step's scrapes, while a later evaluation time would
 * pull in the next step's warmup in a back-to-back sweep. The wait for the last scrape to land happens before
 * the query is sent (prometheus-peaks.ts).
 *
 *  - per-GPU gauges: `max(max_over_time(G{sel}[W]))` — the hottest GPU's peak (all GPUs of a TP group load
 *    alike); p90 as `max(quantile_over_time(0.9, …))`. Exact over every raw sample, no subquery aliasing.
 *  - vLLM running/waiting/swapped: summed over engines (and pods) first, so a subquery at the scrape interval:
 *    `max_over_time(sum(V{sel})[W:R])`. Its first point may see the last sample before the window (lookback);
 *    in an ascending sweep that sample is a lower load, so the max is unaffected.
 *  - KV-cache: the busiest engine, as %; the current name with the legacy one as fallback in ONE query,
 *    `100 * (max(…kv_cache_usage_perc…) or max(…gpu_cache_usage_perc…))`: both sides aggregate to the empty label
 *    set, so `or` keeps the left side when the server exposes both (vLLM 0.9–0.10) and the right one only when
 *    the new name is absent. One round trip, no client-side merge.
 *  - GPU memory used %: `100 * FB_USED / (FB_USED + FB_FREE)` per GPU (the label sets match one-to-one), max
 *    over a subquery.
 *  - preemptions: `sum(increase(vllm:num_preemptions_total{sel}[W]))` (Prometheus extrapolates to the window
 *    edges, so the value can be fractional; needs ≥ 2 samples).
 *  - samples: `max(count_over_time(vllm:num_requests_running{sel}[W]))`, the scrapes of the target in the window.
 * Pod/hostname alternatives (`pod` or `exported_pod`, …) are joined with `or` (promql-selector.ts).
 */
import { DCGM, VLLM } from "./metric-names.ts";
import { anyOf, dcgmSelectors, promDuration, vllmSelectors, type MetricsTarget } from "./promql-selector.ts";
import type { StepPeaks } from "./step-peaks.ts";
import type { SeriesKey } from "./time-series.ts";

/** Every numeric field of StepPeaks, each answered by one instant query. */
export type StepQueryKey = Exclude<keyof StepPeaks, "underSampled">;
export type StepQueries = Record<StepQueryKey, string>;

export interface StepQueryWindow {
  windowMs: number;
  /** Subquery resolution: the scrape interval. */
  resolutionS: number;
}

export const P90 = 0.9;

export function buildStepQueries(target: MetricsTarget, { windowMs, resolutionS }: StepQueryWindow): StepQueries {
  const w = promDuration(windowMs);
  const sub = `[${w}:${promDuration(resolutionS * 1000)}]`;
  const vSel = vllmSelectors(target);
  const dSel = dcgmSelectors(target);

  const gpuMax = (name: string) => `max(${anyOf(dSel, (s) => `max_over_time(${name}${s}[${w}])`)})`;
  const gpuP90 = (name: string) => `max(${anyOf(dSel, (s) => `quantile_over_time(${P90}, ${name}${s}[${w}])`)})`;
  const summed = (name: string) => `sum(${anyOf(vSel, (s) => `${name}${s}`)})`;
  const kv = (fn: (series: string) => string) =>
    `100 * (max(${anyOf(vSel, (s) => fn(VLLM.kvCacheUsage.name + s))}) or max(${anyOf(vSel, (s) => fn(VLLM.kvCacheUsage.legacyName + s))}))`;
  const { fbUsed, fbFree } = DCGM;
  const memPct = anyOf(dSel, (s) => `100 * ${fbUsed.name}${s} / (${fbUsed.name}${s} + ${fbFree.name}${s})`);

  return {
    gpuUtilPctMax: gpuMax(DCGM.gpuUtil.name),
    gpuUtilPctP90: gpuP90(DCGM.gpuUtil.name),
    gpuMemUsedPctMax: `max(max_over_time((${memPct})${sub}))`,
    dramActiveMax: gpuMax(DCGM.dramActive.name),
    dramActiveP90: gpuP90(DCGM.dramActive.name),
    tensorActiveMax: gpuMax(DCGM.tensorActive.name),
    tensorActiveP90: gpuP90(DCGM.tensorActive.name),
    powerWMax: gpuMax(DCGM.powerUsage.name),
    kvCachePctMax: kv((series) => `max_over_time(${series}[${w}])`),
    kvCachePctP90: kv((series) => `quantile_over_time(${P90}, ${series}[${w}])`),
    runningMax: `max_over_time(${summed(VLLM.running.name)}${sub})`,
    waitingMax: `max_over_time(${summed(VLLM.waiting.name)}${sub})`,
    waitingP90: `quantile_over_time(${P90}, ${summed(VLLM.waiting.name)}${sub})`,
    swappedMax: `max_over_time(${summed(VLLM.swapped.name)}${sub})`,
    preemptions: `sum(${anyOf(vSel, (s) => `increase(${VLLM.preemptions.name}${s}[${w}])`)})`,
    samples: `max(${anyOf(vSel, (s) => `count_over_time(${VLLM.running.name}${s}[${w}])`)})`,
  };
}

export type SeriesQueries = Record<SeriesKey, string>;

/** Range queries (evaluated with step = scrape interval) for the charts: the same aggregations as the peaks. */
export function buildSeriesQueries(target: MetricsTarget): SeriesQueries {
  const vSel = vllmSelectors(target);
  const plain = (name: string) => anyOf(vSel, (s) => `${name}${s}`);
  return {
    kvCachePct: `100 * (max(${plain(VLLM.kvCacheUsage.name)}) or max(${plain(VLLM.kvCacheUsage.legacyName)}))`,
    running: `sum(${plain(VLLM.running.name)})`,
    waiting: `sum(${plain(VLLM.waiting.name)})`,
  };
}
