/**
 * Chooses and drives the server-metrics source for a sweep: a Prometheus when one is configured, else a direct
 * scrape of the target's /metrics (plus the DCGM endpoint: the simulator's own, or --dcgm-url). Also reads the
 * GPU facts (model, count, driver) for the run context from DCGM's labels.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import { createServerMetricsSource, type ServerMetricsSource } from "../server-metrics/server-metrics-source.ts";
import { parseExposition } from "../server-metrics/exposition-parser.ts";
import { targetsOfUrls } from "../server-metrics/metrics-targets.ts";
import { DCGM, LABELS } from "../server-metrics/metric-names.ts";
import type { GpuFacts } from "./collect-run-context.ts";

export const DIRECT_SCRAPE_INTERVAL_MS = 250;

export interface MetricsSession {
  source: ServerMetricsSource | null;
  description: string;
  dcgmUrl: string | null;
}

export function openMetricsSession(cfg: SweepConfig, target: TargetInfo, headers: Record<string, string>, env: NodeJS.ProcessEnv): MetricsSession {
  if (!cfg.serverMetrics) return { source: null, description: "server metrics off (--no-server-metrics)", dcgmUrl: null };
  if (cfg.prometheusUrl) {
    const token = env.PROMETHEUS_TOKEN?.trim();
    const source = createServerMetricsSource({
      kind: "prometheus",
      model: target.model,
      url: cfg.prometheusUrl,
      scrapeIntervalS: cfg.scrapeIntervalS,
      ...(token ? { token } : {}),
      ...(cfg.pod ? { pod: cfg.pod } : {}),
      ...(cfg.gpuHost ? { hostname: cfg.gpuHost } : {}),
    });
    return { source, description: `peaks from Prometheus at ${cfg.prometheusUrl} (scrape interval ${cfg.scrapeIntervalS} s)`, dcgmUrl: null };
  }
  const dcgmUrl = cfg.dcgmUrl ?? (target.simulator ? `${cfg.baseUrl}/dcgm/metrics` : undefined);
  const replicas = cfg.metricsUrls ?? [];
  const source = createServerMetricsSource({
    kind: "direct",
    model: target.model,
    metricsUrl: `${cfg.baseUrl}/metrics`,
    ...(replicas.length > 0 ? { targets: targetsOfUrls(replicas) } : { discoverReplicas: true }),
    headers,
    // 4 polls a second: a step of a couple of seconds still gets several samples inside its window.
    intervalMs: DIRECT_SCRAPE_INTERVAL_MS,
    ...(dcgmUrl ? { dcgmUrl } : {}),
  });
  const vllm = replicas.length > 0 ? `${replicas.length} replicas (${replicas.join(", ")})` : `${cfg.baseUrl}/metrics`;
  const what = dcgmUrl ? `${vllm} and ${dcgmUrl}` : `${vllm} (no DCGM: pass --dcgm-url or --prometheus-url for GPU metrics)`;
  return { source, description: `peaks from scraping ${what} every ${DIRECT_SCRAPE_INTERVAL_MS} ms`, dcgmUrl: dcgmUrl ?? null };
}

/** GPU model, count and driver from a DCGM exporter's labels; null when it cannot be read. */
export async function readGpuFacts(dcgmUrl: string | null): Promise<GpuFacts | null> {
  if (!dcgmUrl) return null;
  try {
    const res = await fetch(dcgmUrl, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const samples = parseExposition(await res.text()).samples.filter((s) => s.name === DCGM.gpuUtil.name);
    if (samples.length === 0) return null;
    const first = samples[0]!.labels;
    return { model: first[LABELS.gpuModel] ?? null, count: new Set(samples.map((s) => s.labels.UUID ?? s.labels.gpu)).size, driver: first.DCGM_FI_DRIVER_VERSION ?? null };
  } catch {
    return null;
  }
}
