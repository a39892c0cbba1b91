/**
 * router-compare.ts's own reading of the replicas: every `everyMs`, each replica's /metrics (vLLM's exposition) for
 * the waiting queue, the KV-cache usage and the prefix-cache counters, so the benchmark's table stands on its own.
 */
import { Samples } from "../src/metrics/samples.ts";

export interface ReplicaSample {
  /** Per replica, in the listing's order. */
  waiting: number[];
  kvUsage: number[];
  /** Summed over the replicas (counters since start). */
  prefixHits: number;
  prefixQueries: number;
}

/** The value of the first sample of `name` (any labels) in a Prometheus text exposition, or null. */
export function metricValue(text: string, name: string): number | null {
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:\\{[^}]*\\})?\\s+(\\S+)`, "m");
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
}

export function scrapeReplicas(urls: readonly string[], everyMs: number): { stop(): Promise<ReplicaSample[]> } {
  const samples: ReplicaSample[] = [];
  let stopped = false;
  const once = async (): Promise<void> => {
    const texts = await Promise.all(urls.map((u) => fetch(u).then((r) => r.text()).catch(() => null)));
    if (texts.some((t) => t === null)) return;
    const get = (name: string) => texts.map((t) => metricValue(t!, name) ?? 0);
    samples.push({
      waiting: get("vllm:num_requests_waiting"),
      kvUsage: get("vllm:kv_cache_usage_perc"),
      prefixHits: get("vllm:prefix_cache_hits_total").reduce((a, b) => a + b, 0),
      prefixQueries: get("vllm:prefix_cache_queries_total").reduce((a, b) => a + b, 0),
    });
  };
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      await once();
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await once();
      return samples;
    },
  };
}

/** mean, p90 (numpy's linear interpolation) and max, or nulls for no values. */
export function describeValues(values: readonly number[]): { mean: number | null; p90: number | null; max: number | null } {
  if (values.length === 0) return { mean: null, p90: null, max: null };
  const s = new Samples();
  for (const v of values) s.add(v);
  const d = s.describe([90]);
  return { mean: d.mean, p90: d.percentiles.get(90) ?? null, max: d.max };
}
