/**
 * Per-replica chart series from multi-target direct scrapes (direct-scraper.ts `targets`): each sample carries
 * the `pod` label of the replica it came from; the scrapes are split by that label and each replica's part gets
 * the same reductions as the whole (computeScrapedSeries: KV % of its busiest engine, running and waiting summed
 * over its engines). Pods in order of first appearance. A scrape without pod labels (one target) gives none. Pure.
 */
import { POD_LABEL } from "./direct-scraper.ts";
import type { Scrape } from "./scraped-peaks.ts";
import { computeScrapedSeries } from "./scraped-peaks.ts";
import type { TimeSeries } from "./time-series.ts";

export interface PodSeries {
  pod: string;
  series: TimeSeries[];
}

export function computeScrapedSeriesByPod(scrapes: readonly Scrape[], model: string): PodSeries[] {
  const pods: string[] = [];
  for (const scrape of scrapes) {
    if (scrape.source !== "vllm") continue;
    for (const s of scrape.samples) {
      const pod = s.labels[POD_LABEL];
      if (pod !== undefined && !pods.includes(pod)) pods.push(pod);
    }
  }
  return pods
    .map((pod) => ({
      pod,
      series: computeScrapedSeries(
        scrapes.map((x) => ({ ...x, samples: x.samples.filter((s) => s.labels[POD_LABEL] === pod) })).filter((x) => x.samples.length > 0),
        model,
      ),
    }))
    .filter((p) => p.series.length > 0);
}
